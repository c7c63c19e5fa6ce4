import { Client } from 'pg';
import {
  ConcCancelHoldDocument,
  ConcCheckinDocument,
  ConcCheckoutDocument,
  ConcCreatePatronDocument,
  ConcHoldQueueDocument,
  ConcItemDocument,
  ConcLoginPatronDocument,
  ConcMyAccountDocument,
  ConcMyLoansDocument,
  ConcPlaceHoldDocument,
  ConcRecordDocument,
  type ConcCheckinMutation,
  type ConcCheckoutMutation,
  type ConcPlaceHoldMutation,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer, data } from './support/harness';

/**
 * Circulation under concurrency: many desks (HTTP requests fired together with Promise.all) acting on
 * the same copy, record or patron, a server killed in the middle of checkouts, and the number of SQL
 * statements of "my account". One server over one fresh demo database for most of the file; each
 * test takes copies and patrons nobody else uses, so the tests do not lean on one another.
 */

const env = new TestEnv();
let api: TestServer;
let db: string;
const tokens = {} as Record<'librarian.bdi-pl' | 'librarian.bdi-ts' | 'admin', string>;

beforeAll(async () => {
  db = await env.database('demo');
  api = await env.server({ dbUrl: db });
  for (const u of ['librarian.bdi-pl', 'librarian.bdi-ts', 'admin'] as const) tokens[u] = await api.login(u);
  await env.addPatrons(db, 'CC', 400);
});
afterAll(() => env.close());

// ---------------------------------------------------------------------------------------------
// helpers

let nextPatron = 1;
/** Card numbers of patrons no other test has used. */
function patrons(n: number): string[] {
  const cards = Array.from({ length: n }, (_, i) => `CC-${String(nextPatron + i).padStart(6, '0')}`);
  nextPatron += n;
  return cards;
}

const usedRecords = new Set<number>();
interface Copy {
  id: number;
  barcode: string;
  recordId: number;
}
/**
 * Copies on the shelf (AVAILABLE, loanable) of a library, of titles no other test took and nobody
 * waits for; `perRecord` copies of each title (titles with at least that many such copies).
 */
async function freeCopies(dbUrl: string, n: number, opts: { library?: string | null; perRecord?: number; distinctLibraries?: boolean } = {}): Promise<Copy[]> {
  const perRecord = opts.perRecord ?? 1;
  const rows = await env.sql<{ id: string; barcode: string; record_id: string; library_id: string }>(
    dbUrl,
    `select i.id, i.barcode, i.record_id, i.library_id
       from items i join libraries l on l.id = i.library_id
      where i.status = 'AVAILABLE' and i.loanable and ($1::text is null or l.code = $1)
        and not (i.record_id = any($2::bigint[]))
        and not exists (select 1 from holds h where h.record_id = i.record_id and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP'))
      order by i.record_id, i.id`,
    [opts.library === undefined ? 'BDI-PL' : opts.library, [...usedRecords]],
  );
  const byRecord = new Map<string, typeof rows>();
  for (const r of rows) byRecord.set(r.record_id, [...(byRecord.get(r.record_id) ?? []), r]);
  const out: Copy[] = [];
  const libraries = new Set<string>();
  for (const [recordId, copies] of byRecord) {
    if (out.length >= n) break;
    if (copies.length < perRecord) continue;
    const take = opts.distinctLibraries ? copies.filter((c) => !libraries.has(c.library_id)).slice(0, 1) : copies.slice(0, perRecord);
    if (take.length < perRecord) continue;
    for (const c of take) {
      out.push({ id: Number(c.id), barcode: c.barcode, recordId: Number(c.record_id) });
      libraries.add(c.library_id);
    }
    usedRecords.add(Number(recordId));
  }
  if (out.length < n) throw new Error(`only ${out.length} free copies, ${n} wanted`);
  return out.slice(0, n);
}

/** The global id of a copy's record (as clients see it). */
async function recordGid(server: TestServer, barcode: string): Promise<string> {
  return data(await server.gql(ConcItemDocument, { barcode })).item!.record.id;
}

type CheckoutResult = ConcCheckoutMutation['checkoutItem'];
type CheckinResult = ConcCheckinMutation['checkinItem'];

async function checkout(server: TestServer, barcode: string, cardNumber: string, token = tokens['librarian.bdi-pl']): Promise<CheckoutResult> {
  return data(await server.gql(ConcCheckoutDocument, { barcode, cardNumber }, { token })).checkoutItem;
}

async function placeHold(cardNumber: string, recordId: string, pickupLibraryCode: string) {
  const hold = data(await api.gql(ConcPlaceHoldDocument, { cardNumber, recordId, pickupLibraryCode }, { token: tokens['librarian.bdi-pl'] })).placeHold;
  expect(hold).toMatchObject({ __typename: 'Hold', status: 'WAITING' });
  return hold as Extract<typeof hold, { __typename: 'Hold' }>;
}

/** Waits until `check` holds (polling every `everyMs`); fails with `what` after 30 s. */
async function until(what: string, check: () => Promise<boolean>, everyMs = 10): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function count(dbUrl: string, text: string, params: unknown[] = []): Promise<number> {
  return Number((await env.sql<{ n: string }>(dbUrl, `select count(*) n from (${text}) x`, params))[0].n);
}

/**
 * What must hold in any committed state: an open loan's copy is ON_LOAN, an ON_LOAN copy has exactly
 * one open loan, a captured hold's copy is where the hold says, and the holdings counts are those of
 * the copies. Returns the rows that break a rule (none expected).
 */
async function brokenInvariants(dbUrl: string): Promise<Record<string, unknown[]>> {
  const q = (text: string) => env.sql(dbUrl, text);
  return {
    openLoanOfCopyNotOnLoan: await q(`select l.id, i.status from loans l join items i on i.id = l.item_id where l.returned_at is null and i.status <> 'ON_LOAN'`),
    onLoanCopyWithoutOneOpenLoan: await q(
      `select i.id, (select count(*) from loans l where l.item_id = i.id and l.returned_at is null) n
         from items i where i.status = 'ON_LOAN' and (select count(*) from loans l where l.item_id = i.id and l.returned_at is null) <> 1`,
    ),
    readyHoldCopyNotOnShelf: await q(
      `select h.id, i.status from holds h join items i on i.id = h.captured_item_id where h.status = 'READY_FOR_PICKUP' and i.status <> 'ON_HOLD_SHELF'`,
    ),
    holdsInTransitWithoutTransit: await q(
      `select h.id from holds h where h.status = 'IN_TRANSIT'
          and not exists (select 1 from transits t where t.hold_id = h.id and t.received_at is null)`,
    ),
    holdingsOff: await q(
      `select coalesce(h.record_id, c.record_id) record_id, coalesce(h.library_id, c.library_id) library_id
         from record_holdings h
         full join (select record_id, library_id, count(*) filter (where status <> 'WITHDRAWN') total,
                           count(*) filter (where status = 'AVAILABLE') available
                      from items group by record_id, library_id) c
           on c.record_id = h.record_id and c.library_id = h.library_id
        where coalesce(h.total, 0) <> coalesce(c.total, 0) or coalesce(h.available, 0) <> coalesce(c.available, 0)`,
    ),
  };
}

const NO_BROKEN = {
  openLoanOfCopyNotOnLoan: [],
  onLoanCopyWithoutOneOpenLoan: [],
  readyHoldCopyNotOnShelf: [],
  holdsInTransitWithoutTransit: [],
  holdingsOff: [],
};

// ---------------------------------------------------------------------------------------------

describe('one copy, fifty desks', () => {
  test('50 concurrent checkouts of the same copy to 50 patrons: one loan, 49 ITEM_NOT_AVAILABLE, counts consistent', async () => {
    const [copy] = await freeCopies(db, 1);
    const rec = await recordGid(api, copy.barcode);
    const before = data(await api.gql(ConcRecordDocument, { id: rec })).record!;
    const cards = patrons(50);

    const results = await Promise.all(cards.map((card) => checkout(api, copy.barcode, card)));

    const loans = results.filter((r) => r.__typename === 'Loan');
    expect(loans).toHaveLength(1);
    const loan = loans[0] as Extract<CheckoutResult, { __typename: 'Loan' }>;
    expect(loan.item).toEqual({ barcode: copy.barcode, status: 'ON_LOAN' });
    const refused = results.filter((r) => r.__typename !== 'Loan');
    expect(refused).toHaveLength(49);
    for (const r of refused) expect(r).toMatchObject({ __typename: 'ItemNotAvailableError', errorCode: 'ITEM_NOT_AVAILABLE', status: 'ON_LOAN' });

    const open = await env.sql<{ card_number: string }>(
      db,
      'select p.card_number from loans l join patrons p on p.id = l.patron_id where l.item_id = $1 and l.returned_at is null',
      [copy.id],
    );
    expect(open).toEqual([{ card_number: loan.patron!.cardNumber }]);
    expect(await count(db, `select 1 from loans where item_id = $1`, [copy.id])).toBe(1);
    expect(data(await api.gql(ConcItemDocument, { barcode: copy.barcode })).item!.status).toBe('ON_LOAN');
    expect(await count(db, `select 1 from events where type = 'loan.created' and payload->>'itemId' = $1`, [String(copy.id)])).toBe(1);
    expect(await count(db, `select 1 from audit_log where action = 'checkoutItem' and entity = 'Loan' and after->>'patronId' is not null
                              and entity_id in (select id from loans where item_id = $1)`, [copy.id])).toBe(1);

    // the catalog shows one copy fewer on the shelf, at that library and network-wide
    const after = data(await api.gql(ConcRecordDocument, { id: rec })).record!;
    expect(after.availableCount).toBe(before.availableCount - 1);
    expect(after.totalCount).toBe(before.totalCount);
    const pl = (r: typeof before) => r.holdings.find((h) => h.library.code === 'BDI-PL')!;
    expect(pl(after).availableCount).toBe(pl(before).availableCount - 1);
    expect(pl(after).availableCount).toBe(pl(after).items.edges.filter((e) => e.node.status === 'AVAILABLE').length);
    expect(pl(after).items.edges.find((e) => e.node.barcode === copy.barcode)!.node.status).toBe('ON_LOAN');
    expect(await brokenInvariants(db)).toEqual(NO_BROKEN);
  });
});

describe('one title, fifty patrons', () => {
  test('50 concurrent holds on one record: positions 1..50, no gaps or duplicates, and the queue in that order', async () => {
    const [copy] = await freeCopies(db, 1);
    const rec = await recordGid(api, copy.barcode);
    const cards = patrons(50);

    const results = await Promise.all(
      cards.map(async (cardNumber) =>
        data(await api.gql(ConcPlaceHoldDocument, { cardNumber, recordId: rec, pickupLibraryCode: 'BDI-PL' }, { token: tokens['librarian.bdi-pl'] })).placeHold,
      ),
    );

    const holds = results.map((r) => {
      expect(r).toMatchObject({ __typename: 'Hold', status: 'WAITING' });
      return r as Extract<typeof r, { __typename: 'Hold' }>;
    });
    // the position each patron was told when placing the hold
    expect(holds.map((h) => h.queuePosition).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    const queue = data(await api.gql(ConcHoldQueueDocument, { recordId: rec }, { token: tokens['librarian.bdi-pl'] })).holdQueue;
    expect(queue).toHaveLength(50);
    expect(queue.map((h) => h.queuePosition)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(queue.map((h) => h.patron!.cardNumber))).toEqual(new Set(cards));
    // the queue agrees with what each patron was told
    const told = new Map(holds.map((h) => [h.id, h.queuePosition]));
    for (const h of queue) expect(told.get(h.id)).toBe(h.queuePosition);
    expect(await count(db, `select 1 from holds where record_id = $1 and status = 'WAITING'`, [copy.recordId])).toBe(50);
  });

  test('a slow desk does not give two patrons the same place: a hold placed later is told the place after it', async () => {
    const [copy] = await freeCopies(db, 1);
    const rec = await recordGid(api, copy.barcode);
    const [slow, quick] = patrons(2);
    const [{ id: slowId }] = await env.sql<{ id: string }>(db, 'select id from patrons where card_number = $1', [slow]);
    // the slow patron's transaction stops after inserting its hold (audit row of placeHold) until we let go
    await env.sql(
      db,
      `create function conc_slow_desk() returns trigger language plpgsql as $$
       begin
         if new.action = 'placeHold' and new.after->>'patronId' = '${Number(slowId)}' then perform pg_advisory_xact_lock(7331); end if;
         return new;
       end $$;
       create trigger conc_slow_desk before insert on audit_log for each row execute function conc_slow_desk();`,
    );
    const gate = new Client({ connectionString: db });
    await gate.connect();
    try {
      await gate.query('select pg_advisory_lock(7331)');
      const place = (cardNumber: string) => api.gql(ConcPlaceHoldDocument, { cardNumber, recordId: rec, pickupLibraryCode: 'BDI-PL' }, { token: tokens['librarian.bdi-pl'] });
      const waitingOnLocks = () => count(db, `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      const first = place(slow);
      await until('the first placement waits at the gate', async () => (await waitingOnLocks()) >= 1);
      // the second placement either completes now or waits its turn behind the first
      let secondDone = false;
      const second = place(quick).finally(() => (secondDone = true));
      await until('the second placement is done or waits', async () => secondDone || (await waitingOnLocks()) >= 2);
      await gate.query('select pg_advisory_unlock(7331)');
      const [a, b] = (await Promise.all([first, second])).map((r) => data(r).placeHold as Extract<ConcPlaceHoldMutation['placeHold'], { __typename: 'Hold' }>);
      expect([a.patron!.cardNumber, a.queuePosition]).toEqual([slow, 1]);
      expect([b.patron!.cardNumber, b.queuePosition]).toEqual([quick, 2]);
    } finally {
      await gate.end();
      await env.sql(db, 'drop trigger conc_slow_desk on audit_log; drop function conc_slow_desk()');
    }
    const queue = data(await api.gql(ConcHoldQueueDocument, { recordId: rec }, { token: tokens['librarian.bdi-pl'] })).holdQueue;
    expect(queue.map((h) => [h.patron!.cardNumber, h.queuePosition])).toEqual([[slow, 1], [quick, 2]]);
  });
});

describe('returns at the same moment', () => {
  test('ten desks of two libraries check in the same copy with two holds waiting: exactly one hold is captured', async () => {
    const [copy] = await freeCopies(db, 1);
    const rec = await recordGid(api, copy.barcode);
    const [borrower, first, second] = patrons(3);
    expect(await checkout(api, copy.barcode, borrower)).toMatchObject({ __typename: 'Loan' });
    const h1 = await placeHold(first, rec, 'BDI-TS');
    const h2 = await placeHold(second, rec, 'BDI-PL');

    const desks = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? tokens['librarian.bdi-pl'] : tokens['librarian.bdi-ts']));
    const results = await Promise.all(desks.map(async (token) => data(await api.gql(ConcCheckinDocument, { barcode: copy.barcode }, { token })).checkinItem));

    // every desk got an answer it understands: one closed the loan, the others saw where the copy now is
    const outcomes = results.filter((r): r is Extract<CheckinResult, { __typename: 'CheckinOutcome' }> => r.__typename === 'CheckinOutcome');
    expect(outcomes.filter((o) => o.loan !== null)).toHaveLength(1);
    for (const r of results) expect(['CheckinOutcome', 'ItemNotCheckedOutError', 'NoTransitError']).toContain(r.__typename);
    for (const o of outcomes) expect(o.hold?.id ?? h1.id).toBe(h1.id);

    const holds = await env.sql<{ id: string; status: string; captured_item_id: string | null }>(
      db,
      `select id, status, captured_item_id from holds where record_id = $1 order by id`,
      [copy.recordId],
    );
    expect(holds).toHaveLength(2);
    expect(['READY_FOR_PICKUP', 'IN_TRANSIT']).toContain(holds[0].status);
    expect(Number(holds[0].captured_item_id)).toBe(copy.id);
    expect(holds[1]).toMatchObject({ status: 'WAITING', captured_item_id: null });
    const queue = data(await api.gql(ConcHoldQueueDocument, { recordId: rec }, { token: tokens['librarian.bdi-pl'] })).holdQueue;
    expect(queue.map((h) => [h.id, h.queuePosition])).toEqual([[h2.id, 1]]);

    const item = data(await api.gql(ConcItemDocument, { barcode: copy.barcode })).item!;
    expect(item.status).toBe(holds[0].status === 'READY_FOR_PICKUP' ? 'ON_HOLD_SHELF' : 'IN_TRANSIT');
    expect(await count(db, `select 1 from loans where item_id = $1 and returned_at is not null`, [copy.id])).toBe(1);
    expect(await count(db, `select 1 from events where type = 'loan.returned' and payload->>'itemId' = $1`, [String(copy.id)])).toBe(1);
    expect(await count(db, `select 1 from transits where item_id = $1 and received_at is null`, [copy.id])).toBe(holds[0].status === 'IN_TRANSIT' ? 1 : 0);
    expect(await brokenInvariants(db)).toEqual(NO_BROKEN);
  });

  test('two copies of one title returned at once with one hold waiting: one fills it, the other is reshelved', async () => {
    // three titles at once, each with two copies out and one patron waiting
    const copies = await freeCopies(db, 6, { perRecord: 2 });
    const cases: { a: Copy; b: Copy; holdId: string }[] = [];
    for (let i = 0; i < copies.length; i += 2) {
      const [pa, pb, waiting] = patrons(3);
      expect(await checkout(api, copies[i].barcode, pa)).toMatchObject({ __typename: 'Loan' });
      expect(await checkout(api, copies[i + 1].barcode, pb)).toMatchObject({ __typename: 'Loan' });
      const hold = await placeHold(waiting, await recordGid(api, copies[i].barcode), 'BDI-PL');
      cases.push({ a: copies[i], b: copies[i + 1], holdId: hold.id });
    }

    const results = await Promise.all(
      copies.map(async (c) => data(await api.gql(ConcCheckinDocument, { barcode: c.barcode }, { token: tokens['librarian.bdi-pl'] })).checkinItem),
    );

    const byBarcode = new Map(copies.map((c, i) => [c.barcode, results[i] as Extract<CheckinResult, { __typename: 'CheckinOutcome' }>]));
    for (const { a, b, holdId } of cases) {
      const ra = byBarcode.get(a.barcode)!;
      const rb = byBarcode.get(b.barcode)!;
      expect([ra.action, rb.action].sort()).toEqual(['HOLD_SHELF', 'RESHELVE']);
      const [filler, other] = ra.action === 'HOLD_SHELF' ? [a, b] : [b, a];
      const fillerResult = byBarcode.get(filler.barcode)!;
      expect(fillerResult.hold?.id).toBe(holdId);
      expect(fillerResult.item.status).toBe('ON_HOLD_SHELF');
      expect(byBarcode.get(other.barcode)!).toMatchObject({ hold: null, item: { status: 'AVAILABLE' } });
      const rows = await env.sql<{ status: string; captured_item_id: string }>(db, 'select status, captured_item_id from holds where record_id = $1', [a.recordId]);
      expect(rows).toEqual([{ status: 'READY_FOR_PICKUP', captured_item_id: String(filler.id) }]);
    }
    expect(await brokenInvariants(db)).toEqual(NO_BROKEN);
  });
});

describe('a patron and a desk at once', () => {
  test('staff cancel a ready hold while another desk lends the copy to its patron: both get an answer, never an error', async () => {
    const [copy] = await freeCopies(db, 1);
    const rec = await recordGid(api, copy.barcode);
    const [borrower, waiting] = patrons(2);
    expect(await checkout(api, copy.barcode, borrower)).toMatchObject({ __typename: 'Loan' });
    const h = await placeHold(waiting, rec, 'BDI-PL');
    expect(data(await api.gql(ConcCheckinDocument, { barcode: copy.barcode }, { token: tokens['librarian.bdi-pl'] })).checkinItem).toMatchObject({
      action: 'HOLD_SHELF',
    });
    const [{ id: holdId }] = await env.sql<{ id: string }>(db, `select id from holds where record_id = $1 and status = 'READY_FOR_PICKUP'`, [copy.recordId]);
    // the cancellation stops once it has changed the hold, until we let go; the desk scans the copy meanwhile
    await env.sql(
      db,
      `create function conc_gate() returns trigger language plpgsql as $$
       begin
         if new.id = ${Number(holdId)} and new.status = 'CANCELLED' then perform pg_advisory_xact_lock(7333); end if;
         return new;
       end $$;
       create trigger conc_gate before update on holds for each row execute function conc_gate();`,
    );
    const gate = new Client({ connectionString: db });
    await gate.connect();
    const waitingOnLocks = () => count(db, `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    try {
      await gate.query('select pg_advisory_lock(7333)');
      const cancelling = api.gql(ConcCancelHoldDocument, { holdId: h.id }, { token: tokens['librarian.bdi-pl'] });
      await until('the cancellation waits at the gate', async () => (await waitingOnLocks()) >= 1);
      const lending = api.gql(ConcCheckoutDocument, { barcode: copy.barcode, cardNumber: waiting }, { token: tokens['librarian.bdi-pl'] });
      await until('the desk waits for the cancellation', async () => (await waitingOnLocks()) >= 2);
      await gate.query('select pg_advisory_unlock(7333)');
      const [cancelled, lent] = await Promise.all([cancelling, lending]);
      expect(cancelled.errors).toBeUndefined();
      expect(lent.errors).toBeUndefined();
      // the cancellation came first: the hold is gone and the copy is free again, so the desk may lend it
      expect(cancelled.data!.cancelHold).toMatchObject({ __typename: 'Hold', status: 'CANCELLED' });
      expect(lent.data!.checkoutItem).toMatchObject({ __typename: 'Loan', patron: { cardNumber: waiting } });
    } finally {
      await gate.end();
      await env.sql(db, 'drop trigger conc_gate on holds; drop function conc_gate()');
    }
    expect(await count(db, 'select 1 from loans where item_id = $1 and returned_at is null', [copy.id])).toBe(1);
    expect(await brokenInvariants(db)).toEqual(NO_BROKEN);
  });
});

describe('loan limit', () => {
  test.each([2, 10])('a patron one loan below the limit, %i checkouts at once: the limit holds', async (n) => {
    const [card] = patrons(1);
    const first = await freeCopies(db, 9);
    for (const c of first) expect(await checkout(api, c.barcode, card)).toMatchObject({ __typename: 'Loan' });
    const more = await freeCopies(db, n);

    const results = await Promise.all(more.map((c) => checkout(api, c.barcode, card)));

    expect(results.filter((r) => r.__typename === 'Loan')).toHaveLength(1);
    const refused = results.filter((r) => r.__typename !== 'Loan');
    expect(refused).toHaveLength(n - 1);
    for (const r of refused) expect(r).toMatchObject({ __typename: 'LoanLimitReachedError', errorCode: 'LOAN_LIMIT_REACHED', limit: 10 });
    expect(await count(db, `select 1 from loans l join patrons p on p.id = l.patron_id where p.card_number = $1 and l.returned_at is null`, [card])).toBe(10);
    // the refused copies are still on the shelf
    const statuses = await env.sql<{ status: string }>(db, 'select status from items where id = any($1::bigint[])', [more.map((c) => c.id)]);
    expect(statuses.filter((s) => s.status === 'AVAILABLE')).toHaveLength(n - 1);
    expect(await brokenInvariants(db)).toEqual(NO_BROKEN);
  });
});

describe('a server killed in the middle of checkouts', () => {
  test('after SIGKILL every loan is whole or absent, and a new server on the same database serves', async () => {
    const killDb = await env.database('demo');
    await env.addPatrons(killDb, 'KK', 700);
    const doomed = await env.server({ dbUrl: killDb });
    const token = await doomed.login('admin');
    // copies of every library, lent by a network admin (who works at every desk)
    const copies = (
      await env.sql<{ id: string; barcode: string }>(killDb, `select id, barcode from items where status = 'AVAILABLE' and loanable order by id limit 700`)
    ).map((r) => ({ id: Number(r.id), barcode: r.barcode }));
    expect(copies).toHaveLength(700);
    const baseline = Number((await env.sql<{ m: string }>(killDb, 'select coalesce(max(id), 0) m from loans'))[0].m);

    const inFlight = Promise.allSettled(
      copies.map((c, i) => doomed.gql(ConcCheckoutDocument, { barcode: c.barcode, cardNumber: `KK-${String(i + 1).padStart(6, '0')}` }, { token })),
    );
    // pull the plug once some loans are committed, with most checkouts still to come
    await until('some loans are committed', async () => (await count(killDb, 'select 1 from loans where id > $1', [baseline])) >= 20, 5);
    await doomed.stop('SIGKILL');
    const settled = await inFlight;
    expect(doomed.child.signalCode).toBe('SIGKILL');

    const lent = settled.flatMap((s) => (s.status === 'fulfilled' && s.value.data?.checkoutItem.__typename === 'Loan' ? [s.value.data.checkoutItem] : []));
    const lost = settled.filter((s) => s.status === 'rejected');
    expect(lost.length).toBeGreaterThan(0); // the kill did cut requests off

    // the dead process's sessions end; PostgreSQL rolls back whatever they had not committed
    for (let i = 0; i < 100; i++) {
      const busy = await count(killDb, `select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
      if (busy === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    expect(await brokenInvariants(killDb)).toEqual(NO_BROKEN);
    const loans = await env.sql<{ id: string; item_id: string }>(killDb, 'select id, item_id from loans where id > $1', [baseline]);
    // every loan a desk was told about is there, and nothing else but whole loans
    expect(loans.length).toBeGreaterThanOrEqual(lent.length);
    for (const l of lent) expect(loans.map((r) => r.item_id)).toContain(String(copies.find((c) => c.barcode === l.item.barcode)!.id));
    expect(loans.length).toBeLessThan(copies.length);
    const ids = loans.map((l) => Number(l.id));
    const missing = async (text: string) => env.sql<{ id: string }>(killDb, `select l.id from loans l where l.id = any($1::bigint[]) and not exists (${text})`, [ids]);
    expect(await missing(`select 1 from audit_log a where a.action = 'checkoutItem' and a.entity = 'Loan' and a.entity_id = l.id`)).toEqual([]);
    expect(await missing(`select 1 from events e where e.type = 'loan.created' and e.entity_id = l.id`)).toEqual([]);
    expect(
      await missing(`select 1 from events e where e.type = 'item.status_changed' and e.entity_id = l.item_id and e.payload->>'after' = 'ON_LOAN'`),
    ).toEqual([]);
    // and no audit row or event speaks of a loan that is not there
    expect(await count(killDb, `select 1 from audit_log a where a.action = 'checkoutItem' and not exists (select 1 from loans l where l.id = a.entity_id)`)).toBe(0);
    expect(await count(killDb, `select 1 from events e where e.type = 'loan.created' and not exists (select 1 from loans l where l.id = e.entity_id)`)).toBe(0);
    // copies whose checkout did not commit are still on the shelf
    const lentItems = new Set(loans.map((l) => Number(l.item_id)));
    const notLent = copies.filter((c) => !lentItems.has(c.id));
    expect(notLent.length).toBeGreaterThan(0);
    expect(await count(killDb, `select 1 from items where id = any($1::bigint[]) and status <> 'AVAILABLE'`, [notLent.map((c) => c.id)])).toBe(0);

    // a new process on the same database takes over
    const next = await env.server({ dbUrl: killDb });
    const token2 = await next.login('admin');
    const [loanedBarcode] = (await env.sql<{ barcode: string }>(killDb, 'select i.barcode from loans l join items i on i.id = l.item_id where l.id = $1', [ids[0]])).map((r) => r.barcode);
    const back = data(await next.gql(ConcCheckinDocument, { barcode: loanedBarcode, libraryCode: 'BDI-PL' }, { token: token2 })).checkinItem;
    expect(back).toMatchObject({ __typename: 'CheckinOutcome', loan: { returnedAt: expect.any(String) } });
    const again = data(await next.gql(ConcCheckoutDocument, { barcode: notLent[0].barcode, cardNumber: 'KK-000700' }, { token: token2 })).checkoutItem;
    expect(again).toMatchObject({ __typename: 'Loan', item: { barcode: notLent[0].barcode, status: 'ON_LOAN' } });
    expect(await brokenInvariants(killDb)).toEqual(NO_BROKEN);
  });
});

describe('my account', () => {
  test('me { loans holds } costs a bounded number of SQL statements, the same with 2 loans as with 20', async () => {
    // a network rule lets STAFF-category patrons borrow 30
    await env.sql(
      db,
      `insert into circulation_policies (library_id, patron_category, format, loan_days, max_renewals, max_loans, max_holds, hold_shelf_days, holds_allowed)
       values (null, 'STAFF', null, 21, 2, 30, 10, 7, true)`,
    );
    const readers: Record<number, string> = {};
    for (const n of [2, 20]) {
      const cardNumber = `ME-0000${n}`;
      const created = data(
        await api.gql(
          ConcCreatePatronDocument,
          { input: { cardNumber, fullName: `Độc giả ${n}`, homeLibraryCode: 'BDI-PL', category: 'STAFF', expiresOn: '2099-12-31', pin: '2468' } },
          { token: tokens['librarian.bdi-pl'] },
        ),
      ).createPatron;
      expect(created).toMatchObject({ __typename: 'Patron', cardNumber });
      // copies of different titles from different libraries, lent by each library's desk (the network admin)
      for (const c of await freeCopies(db, n, { library: null, distinctLibraries: true })) {
        expect(await checkout(api, c.barcode, cardNumber, tokens.admin)).toMatchObject({ __typename: 'Loan' });
      }
      const login = data(await api.gql(ConcLoginPatronDocument, { cardNumber, pin: '2468' })).loginPatron;
      expect(login.__typename).toBe('PatronAuthPayload');
      readers[n] = (login as Extract<typeof login, { __typename: 'PatronAuthPayload' }>).token;
      // a few holds, placed by the patron, at two pickup libraries
      for (const [i, c] of (await freeCopies(db, 3, { library: null })).entries()) {
        const rec = await recordGid(api, c.barcode);
        const hold = data(await api.gql(ConcPlaceHoldDocument, { recordId: rec, pickupLibraryCode: i === 0 ? 'BDI-TS' : 'BDI-PL' }, { token: readers[n] })).placeHold;
        expect(hold).toMatchObject({ __typename: 'Hold', status: 'WAITING', queuePosition: 1 });
      }
    }

    const statements: Record<number, number> = {};
    const loanStatements: Record<number, number> = {};
    for (const n of [2, 20]) {
      const res = await api.gql(ConcMyAccountDocument, {}, { token: readers[n] });
      const me = data(res).me!;
      expect(me.loans).toHaveLength(n);
      for (const l of me.loans) {
        expect(l.status).toBe('ACTIVE');
        expect(l.item.status).toBe('ON_LOAN');
        expect(l.item.record.title).toBeTruthy();
        expect(l.library.code).toBe(l.item.library.code);
      }
      expect(new Set(me.loans.map((l) => l.library.code)).size).toBe(n);
      expect(me.holds).toHaveLength(3);
      expect(me.holds.map((h) => [h.status, h.queuePosition])).toEqual([['WAITING', 1], ['WAITING', 1], ['WAITING', 1]]);
      expect(me.holds.map((h) => h.pickupLibrary.code).sort()).toEqual(['BDI-PL', 'BDI-PL', 'BDI-TS']);
      statements[n] = res.extensions!.sqlStatements as number;
      const loansOnly = await api.gql(ConcMyLoansDocument, {}, { token: readers[n] });
      expect(data(loansOnly).me!.loans).toHaveLength(n);
      loanStatements[n] = loansOnly.extensions!.sqlStatements as number;
    }
    // the loans with their copies, titles and libraries: one statement per level, whatever their number
    expect(loanStatements[20]).toBe(loanStatements[2]);
    expect(loanStatements[20]).toBeLessThanOrEqual(4);
    // with the holds beside them, loans and holds resolve side by side, so a loader batches their
    // libraries (or titles) in one statement or two depending on which list arrives first: bounded
    // all the same, and 20 loans cost no more than that bound
    expect(statements[2]).toBeLessThanOrEqual(8);
    expect(statements[20]).toBeLessThanOrEqual(8);
  });
});
