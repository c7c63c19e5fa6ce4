import { Client } from 'pg';
import {
  ConcCheckinDocument,
  ConcCheckoutDocument,
  ConcHoldShelfDocument,
  ConcItemDocument,
  ConcPatronDocument,
  ConcPlaceHoldDocument,
  type ConcCheckinMutation,
  type ConcCheckoutMutation,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer, data } from './support/harness';

/**
 * The circulation jobs that run on a schedule inside every API process (src/modules/circulation/
 * scheduler.ts): loans becoming overdue, uncollected holds expiring, cards expiring. Two processes
 * share one database, as in production; each job must run in exactly one of them at a time and a job
 * that fails half-way must leave nothing half-done. Time is moved by setting dates in the past
 * straight in the database; the jobs run every 500 ms here.
 */

const env = new TestEnv();
const SCHEDULER = { SCHEDULER_INTERVAL_MS: '500' };
let db: string;
let api: TestServer;
let twin: TestServer;
const tokens = {} as Record<'librarian.bdi-pl' | 'librarian.bdi-ts', string>;

beforeAll(async () => {
  db = await env.database('demo');
  await env.addPatrons(db, 'SJ', 100);
  [api, twin] = await Promise.all([env.server({ dbUrl: db, env: SCHEDULER }), env.server({ dbUrl: db, env: SCHEDULER })]);
  for (const u of ['librarian.bdi-pl', 'librarian.bdi-ts'] as const) tokens[u] = await api.login(u);
});
afterAll(() => env.close());

// ---------------------------------------------------------------------------------------------
// helpers

const nextPatron: Record<string, number> = {};
/** Card numbers of patrons (made by addPatrons) no other test has used. */
function patrons(n: number, prefix = 'SJ'): string[] {
  const from = nextPatron[prefix] ?? 1;
  nextPatron[prefix] = from + n;
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(from + i).padStart(6, '0')}`);
}

const usedRecords = new Set<number>();
/** Copies on the shelf of BDI-PL, one per title, of titles no other test took and nobody waits for. */
async function freeCopies(dbUrl: string, n: number): Promise<{ id: number; barcode: string; recordId: number }[]> {
  const rows = await env.sql<{ id: string; barcode: string; record_id: string }>(
    dbUrl,
    `select distinct on (i.record_id) i.id, i.barcode, i.record_id
       from items i join libraries l on l.id = i.library_id
      where l.code = 'BDI-PL' and i.status = 'AVAILABLE' and i.loanable and not (i.record_id = any($1::bigint[]))
        and not exists (select 1 from holds h where h.record_id = i.record_id and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP'))
      order by i.record_id, i.id
      limit $2`,
    [[...usedRecords], n],
  );
  if (rows.length < n) throw new Error(`only ${rows.length} free copies, ${n} wanted`);
  for (const r of rows) usedRecords.add(Number(r.record_id));
  return rows.map((r) => ({ id: Number(r.id), barcode: r.barcode, recordId: Number(r.record_id) }));
}

async function checkout(server: TestServer, token: string, barcode: string, cardNumber: string): Promise<ConcCheckoutMutation['checkoutItem']> {
  return data(await server.gql(ConcCheckoutDocument, { barcode, cardNumber }, { token })).checkoutItem;
}

/** Lends a copy and returns the loan's database id. */
async function lend(server: TestServer, token: string, barcode: string, cardNumber: string, dbUrl = db): Promise<number> {
  expect(await checkout(server, token, barcode, cardNumber)).toMatchObject({ __typename: 'Loan' });
  const rows = await env.sql<{ id: string }>(dbUrl, 'select l.id from loans l join items i on i.id = l.item_id where i.barcode = $1 and l.returned_at is null', [barcode]);
  return Number(rows[0].id);
}

async function checkin(server: TestServer, token: string, barcode: string): Promise<ConcCheckinMutation['checkinItem']> {
  return data(await server.gql(ConcCheckinDocument, { barcode }, { token })).checkinItem;
}

/** Places a title-level hold (staff of BDI-PL for its patron) and returns the hold's database id. */
async function hold(server: TestServer, barcode: string, cardNumber: string, pickupLibraryCode: string, dbUrl = db): Promise<number> {
  const recordId = data(await server.gql(ConcItemDocument, { barcode })).item!.record.id;
  const res = data(await server.gql(ConcPlaceHoldDocument, { recordId, cardNumber, pickupLibraryCode }, { token: tokens['librarian.bdi-pl'] })).placeHold;
  expect(res).toMatchObject({ __typename: 'Hold', status: 'WAITING' });
  const rows = await env.sql<{ id: string }>(
    dbUrl,
    `select h.id from holds h join patrons p on p.id = h.patron_id join items i on i.record_id = h.record_id
      where p.card_number = $1 and i.barcode = $2 and h.status = 'WAITING'`,
    [cardNumber, barcode],
  );
  return Number(rows[0].id);
}

async function count(dbUrl: string, text: string, params: unknown[] = []): Promise<number> {
  return Number((await env.sql<{ n: string }>(dbUrl, `select count(*) n from (${text}) x`, params))[0].n);
}

/** Waits until `check` holds (the jobs run on their own schedule); fails with `what` after 30 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Events of a type per entity id (the ids given), e.g. {12: 1, 13: 1}. */
async function eventsPer(dbUrl: string, type: string, ids: number[]): Promise<Record<number, number>> {
  const rows = await env.sql<{ entity_id: string; n: string }>(
    dbUrl,
    'select entity_id, count(*) n from events where type = $1 and entity_id = any($2::bigint[]) group by entity_id',
    [type, ids],
  );
  return Object.fromEntries(rows.map((r) => [Number(r.entity_id), Number(r.n)]));
}

async function auditPer(dbUrl: string, action: string, ids: number[]): Promise<Record<number, number>> {
  const rows = await env.sql<{ entity_id: string; n: string }>(
    dbUrl,
    'select entity_id, count(*) n from audit_log where action = $1 and entity_id = any($2::bigint[]) group by entity_id',
    [action, ids],
  );
  return Object.fromEntries(rows.map((r) => [Number(r.entity_id), Number(r.n)]));
}

const once = (ids: number[]) => Object.fromEntries(ids.map((id) => [id, 1]));

async function overdueFlags(dbUrl: string, ids: number[]): Promise<boolean[]> {
  const rows = await env.sql<{ overdue: boolean }>(dbUrl, 'select overdue from loans where id = any($1::bigint[]) order by id', [ids]);
  return rows.map((r) => r.overdue);
}

async function holdStatus(dbUrl: string, id: number): Promise<{ status: string; captured_item_id: string | null; shelf_expired: boolean | null }> {
  const rows = await env.sql<{ status: string; captured_item_id: string | null; shelf_expired: boolean | null }>(
    dbUrl,
    'select status, captured_item_id, shelf_expires_at < now() shelf_expired from holds where id = $1',
    [id],
  );
  return rows[0];
}

async function itemStatus(dbUrl: string, id: number): Promise<string> {
  return (await env.sql<{ status: string }>(dbUrl, 'select status from items where id = $1', [id]))[0].status;
}

/** Log lines of a process saying a job failed and was rolled back, from line `from` on. */
function failures(server: TestServer, job: string, from: number): number {
  return server.logs.slice(from).filter((line) => {
    try {
      const e = JSON.parse(line);
      return e.msg === 'job failed (rolled back)' && e.job === job;
    } catch {
      return false;
    }
  }).length;
}

// ---------------------------------------------------------------------------------------------

describe('overdue loans', () => {
  test('with two processes running the scheduler, each loan past due is marked once: one loan.overdue event, one audit row', async () => {
    const copies = await freeCopies(db, 30);
    const cards = patrons(30);
    const loans: number[] = [];
    for (const [i, c] of copies.entries()) loans.push(await lend(api, tokens['librarian.bdi-pl'], c.barcode, cards[i]));
    loans.sort((a, b) => a - b);

    await env.sql(db, `update loans set due_at = now() - interval '3 days' where id = any($1::bigint[])`, [loans.slice(0, 29)]);
    await until('the loans are marked overdue', async () => (await overdueFlags(db, loans.slice(0, 29))).every(Boolean));
    // later rounds (one of them marks the last loan) do not mark the first ones again
    await env.sql(db, `update loans set due_at = now() - interval '1 day' where id = $1`, [loans[29]]);
    await until('the last loan is marked overdue', async () => (await overdueFlags(db, [loans[29]]))[0]);

    expect(await eventsPer(db, 'loan.overdue', loans)).toEqual(once(loans));
    expect(await auditPer(db, 'job:markOverdue', loans)).toEqual(once(loans));
    const [event] = await env.sql<{ payload: { loanId: number; itemId: number } }>(db, `select payload from events where type = 'loan.overdue' and entity_id = $1`, [loans[0]]);
    expect(event.payload).toMatchObject({ loanId: loans[0] });
    // loans not yet due are left alone
    const [fresh] = await freeCopies(db, 1);
    const notDue = await lend(api, tokens['librarian.bdi-pl'], fresh.barcode, patrons(1)[0]);
    const [probe] = patrons(1);
    await env.sql(db, 'update patrons set expires_on = current_date - 2 where card_number = $1', [probe]);
    await until('a later round has run', async () => data(await api.gql(ConcPatronDocument, { cardNumber: probe }, { token: tokens['librarian.bdi-pl'] })).patron!.status === 'EXPIRED');
    expect(await overdueFlags(db, [notDue])).toEqual([false]);
  });

  test('a process that does not hold the job lock does not run the job', async () => {
    const [copy] = await freeCopies(db, 1);
    const loan = await lend(api, tokens['librarian.bdi-pl'], copy.barcode, patrons(1)[0]);
    // hold markOverdue's lock (namespace 'SHEL', key 1) as a third process would
    const other = new Client({ connectionString: db });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock($1, 1)', [0x5348454c]);
      await env.sql(db, `update loans set due_at = now() - interval '2 days' where id = $1`, [loan]);
      // two more rounds have run in some process (each expires a card after the loan fell due)
      for (const card of patrons(2)) {
        await env.sql(db, 'update patrons set expires_on = current_date - 2 where card_number = $1', [card]);
        await until(`${card} expires`, async () => data(await api.gql(ConcPatronDocument, { cardNumber: card }, { token: tokens['librarian.bdi-pl'] })).patron!.status === 'EXPIRED');
      }
      expect(await overdueFlags(db, [loan])).toEqual([false]);
    } finally {
      await other.end();
    }
    await until('the loan is marked once the lock is free', async () => (await overdueFlags(db, [loan]))[0]);
    expect(await eventsPer(db, 'loan.overdue', [loan])).toEqual(once([loan]));
  });
});

describe('uncollected holds', () => {
  test('a hold left on the shelf past its date expires, and its copy goes to the next hold, home, or back on the shelf', async () => {
    const pl = tokens['librarian.bdi-pl'];
    const [a, b, c, d] = await freeCopies(db, 4);
    const p = patrons(10);
    // A: the next patron collects at BDI-TS; B: nobody else waits; C: held at BDI-TS, nobody else waits;
    // D: the next patron collects here too
    await lend(api, pl, a.barcode, p[0]);
    const a1 = await hold(api, a.barcode, p[1], 'BDI-PL');
    const a2 = await hold(api, a.barcode, p[2], 'BDI-TS');
    await lend(api, pl, b.barcode, p[3]);
    const b1 = await hold(api, b.barcode, p[4], 'BDI-PL');
    await lend(api, pl, c.barcode, p[5]);
    const c1 = await hold(api, c.barcode, p[6], 'BDI-TS');
    await lend(api, pl, d.barcode, p[7]);
    const d1 = await hold(api, d.barcode, p[8], 'BDI-PL');
    const d2 = await hold(api, d.barcode, p[9], 'BDI-PL');
    for (const copy of [a, b, d]) expect(await checkin(api, pl, copy.barcode)).toMatchObject({ action: 'HOLD_SHELF', item: { status: 'ON_HOLD_SHELF' } });
    expect(await checkin(api, tokens['librarian.bdi-ts'], c.barcode)).toMatchObject({ action: 'HOLD_SHELF', destinationLibrary: { code: 'BDI-TS' } });
    const expiring = [a1, b1, c1, d1];

    await env.sql(db, `update holds set shelf_expires_at = now() - interval '1 hour' where id = any($1::bigint[])`, [expiring]);
    await until('the holds expire', async () => (await Promise.all(expiring.map((id) => holdStatus(db, id)))).every((h) => h.status === 'EXPIRED'));

    expect(await eventsPer(db, 'hold.expired', expiring)).toEqual(once(expiring));
    expect(await auditPer(db, 'job:expireHolds', expiring)).toEqual(once(expiring));
    // A travels to BDI-TS for the next patron
    expect(await holdStatus(db, a2)).toMatchObject({ status: 'IN_TRANSIT', captured_item_id: String(a.id) });
    expect(await itemStatus(db, a.id)).toBe('IN_TRANSIT');
    expect(await env.sql(db, `select t.reason, l.code, t.hold_id from transits t join libraries l on l.id = t.to_library_id where t.item_id = $1 and t.received_at is null`, [a.id])).toEqual([
      { reason: 'HOLD', code: 'BDI-TS', hold_id: String(a2) },
    ]);
    // B is back on the shelf
    expect(await itemStatus(db, b.id)).toBe('AVAILABLE');
    expect(await count(db, `select 1 from events where type = 'item.status_changed' and entity_id = $1 and payload->>'before' = 'ON_HOLD_SHELF' and payload->>'after' = 'AVAILABLE'`, [b.id])).toBe(1);
    // C goes home from BDI-TS
    expect(await env.sql(db, `select t.reason, l.code from transits t join libraries l on l.id = t.to_library_id where t.item_id = $1 and t.received_at is null`, [c.id])).toEqual([
      { reason: 'RETURN_HOME', code: 'BDI-PL' },
    ]);
    expect(await itemStatus(db, c.id)).toBe('IN_TRANSIT');
    // D waits on the same shelf for the next patron, with a new date
    expect(await holdStatus(db, d2)).toEqual({ status: 'READY_FOR_PICKUP', captured_item_id: String(d.id), shelf_expired: false });
    expect(await itemStatus(db, d.id)).toBe('ON_HOLD_SHELF');
    expect(await eventsPer(db, 'hold.ready', [d2])).toEqual(once([d2]));
    const shelf = data(await api.gql(ConcHoldShelfDocument, { libraryCode: 'BDI-PL' }, { token: pl })).holdShelf;
    expect(shelf.filter((h) => [a.barcode, b.barcode, d.barcode].includes(h.capturedItem!.barcode))).toEqual([
      expect.objectContaining({ status: 'READY_FOR_PICKUP', capturedItem: { barcode: d.barcode }, patron: { cardNumber: p[9] } }),
    ]);
    // the patron who let the hold expire cannot take the copy; the next one can
    expect(await checkout(api, pl, d.barcode, p[8])).toMatchObject({ __typename: 'ItemOnHoldForOtherError', errorCode: 'ITEM_ON_HOLD_FOR_OTHER' });
    expect(await checkout(api, pl, d.barcode, p[9])).toMatchObject({ __typename: 'Loan' });
    expect((await holdStatus(db, d2)).status).toBe('FULFILLED');
  });
  test('a desk lending a copy while the job expires its hold gets an answer, never an error', async () => {
    const pl = tokens['librarian.bdi-pl'];
    const [copy] = await freeCopies(db, 1);
    const [borrower, waiting] = patrons(2);
    await lend(api, pl, copy.barcode, borrower);
    const h = await hold(api, copy.barcode, waiting, 'BDI-PL');
    expect(await checkin(api, pl, copy.barcode)).toMatchObject({ action: 'HOLD_SHELF' });
    // the job stops after expiring this hold (at its event) until we let go; the patron arrives meanwhile
    await env.sql(
      db,
      `create function sj_gate() returns trigger language plpgsql as $$
       begin
         if new.type = 'hold.expired' and new.entity_id = ${h} then perform pg_advisory_xact_lock(7332); end if;
         return new;
       end $$;
       create trigger sj_gate before insert on events for each row execute function sj_gate();`,
    );
    const gate = new Client({ connectionString: db });
    await gate.connect();
    const waitingOnLocks = () => count(db, `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    try {
      await gate.query('select pg_advisory_lock(7332)');
      await env.sql(db, `update holds set shelf_expires_at = now() - interval '1 minute' where id = $1`, [h]);
      await until('the job reaches the hold', async () => (await waitingOnLocks()) >= 1);
      const lending = api.gql(ConcCheckoutDocument, { barcode: copy.barcode, cardNumber: waiting }, { token: pl });
      await until('the desk waits for the job', async () => (await waitingOnLocks()) >= 2);
      await gate.query('select pg_advisory_unlock(7332)');
      const res = await lending;
      expect(res.errors).toBeUndefined();
      // the patron takes the copy home either way: their hold was still there, or the copy came free
      expect(res.data!.checkoutItem).toMatchObject({ __typename: 'Loan', patron: { cardNumber: waiting } });
    } finally {
      await gate.end();
      await env.sql(db, 'drop trigger sj_gate on events; drop function sj_gate()');
    }
    expect(['EXPIRED', 'FULFILLED']).toContain((await holdStatus(db, h)).status);
    expect(await itemStatus(db, copy.id)).toBe('ON_LOAN');
    expect(await count(db, 'select 1 from loans where item_id = $1 and returned_at is null', [copy.id])).toBe(1);
  });
});

describe('expired cards', () => {
  test('a patron whose card expired becomes EXPIRED (one event, one audit row) and cannot borrow', async () => {
    const [card] = patrons(1);
    const [{ id }] = await env.sql<{ id: string }>(db, 'select id from patrons where card_number = $1', [card]);
    await env.sql(db, 'update patrons set expires_on = current_date - 2 where card_number = $1', [card]);

    await until('the card expires', async () => data(await api.gql(ConcPatronDocument, { cardNumber: card }, { token: tokens['librarian.bdi-pl'] })).patron!.status === 'EXPIRED');

    expect(await eventsPer(db, 'patron.expired', [Number(id)])).toEqual(once([Number(id)]));
    expect(await auditPer(db, 'job:expirePatrons', [Number(id)])).toEqual(once([Number(id)]));
    const [copy] = await freeCopies(db, 1);
    expect(await checkout(twin, await twin.login('librarian.bdi-pl'), copy.barcode, card)).toMatchObject({ __typename: 'PatronExpiredError', errorCode: 'PATRON_EXPIRED' });
    expect(await itemStatus(db, copy.id)).toBe('AVAILABLE');
  });
});

describe('a job that fails half-way', () => {
  let failDb: string;
  let srv: TestServer;
  let token: string;

  beforeAll(async () => {
    failDb = await env.database('demo');
    await env.addPatrons(failDb, 'FJ', 20);
    srv = await env.server({ dbUrl: failDb, env: SCHEDULER });
    token = await srv.login('librarian.bdi-pl');
  });

  /** A trigger in this test database that makes inserting one event fail (so the job's transaction rolls back). */
  async function failOn(type: string, entityId: number): Promise<void> {
    await env.sql(
      failDb,
      `create function fj_fail() returns trigger language plpgsql as $$
       begin
         if new.type = '${type}' and new.entity_id = ${Number(entityId)} then raise exception 'injected failure'; end if;
         return new;
       end $$;
       create trigger fj_fail before insert on events for each row execute function fj_fail();`,
    );
  }
  const healed = () => env.sql(failDb, 'drop trigger fj_fail on events; drop function fj_fail()');

  test('markOverdue: no loan is marked in a failed run; the next run marks them all, once', async () => {
    const copies = await freeCopies(failDb, 3);
    const cards = patrons(3, 'FJ');
    const loans: number[] = [];
    for (const [i, c] of copies.entries()) loans.push(await lend(srv, token, c.barcode, cards[i], failDb));
    loans.sort((x, y) => x - y);
    await failOn('loan.overdue', loans[1]);
    const mark = srv.logs.length;
    await env.sql(failDb, `update loans set due_at = now() - interval '2 days' where id = any($1::bigint[])`, [loans]);

    await until('the job has failed twice', async () => failures(srv, 'markOverdue', mark) >= 2);
    expect(await overdueFlags(failDb, loans)).toEqual([false, false, false]);
    expect(await eventsPer(failDb, 'loan.overdue', loans)).toEqual({});
    expect(await auditPer(failDb, 'job:markOverdue', loans)).toEqual({});

    await healed();
    await until('the loans are marked overdue', async () => (await overdueFlags(failDb, loans)).every(Boolean));
    expect(await eventsPer(failDb, 'loan.overdue', loans)).toEqual(once(loans));
    expect(await auditPer(failDb, 'job:markOverdue', loans)).toEqual(once(loans));
  });

  test('expireHolds: the first hold handled in a failed run is not expired nor its copy moved; the next run does both holds', async () => {
    const [e1, e2] = await freeCopies(failDb, 2);
    const p = patrons(5, 'FJ');
    await lend(srv, token, e1.barcode, p[0], failDb);
    const h1 = await hold(srv, e1.barcode, p[1], 'BDI-PL', failDb);
    const next = await hold(srv, e1.barcode, p[2], 'BDI-PL', failDb);
    await lend(srv, token, e2.barcode, p[3], failDb);
    const h2 = await hold(srv, e2.barcode, p[4], 'BDI-PL', failDb);
    for (const c of [e1, e2]) expect(await checkin(srv, token, c.barcode)).toMatchObject({ action: 'HOLD_SHELF' });
    // h1 comes first in the job (its date passed earlier); the failure hits h2, after h1 was handled
    await failOn('hold.expired', h2);
    const mark = srv.logs.length;
    // both in one statement: a job run between two updates would expire h1 alone, with nothing failing
    await env.sql(
      failDb,
      `update holds set shelf_expires_at = now() - case when id = $1 then interval '2 hours' else interval '1 hour' end where id = any(array[$1, $2]::bigint[])`,
      [h1, h2],
    );

    await until('the job has failed twice', async () => failures(srv, 'expireHolds', mark) >= 2);
    expect(await holdStatus(failDb, h1)).toMatchObject({ status: 'READY_FOR_PICKUP', captured_item_id: String(e1.id) });
    expect(await holdStatus(failDb, next)).toMatchObject({ status: 'WAITING', captured_item_id: null });
    expect(await holdStatus(failDb, h2)).toMatchObject({ status: 'READY_FOR_PICKUP', captured_item_id: String(e2.id) });
    expect([await itemStatus(failDb, e1.id), await itemStatus(failDb, e2.id)]).toEqual(['ON_HOLD_SHELF', 'ON_HOLD_SHELF']);
    expect(await eventsPer(failDb, 'hold.expired', [h1, h2])).toEqual({});
    expect(await eventsPer(failDb, 'hold.ready', [next])).toEqual({});
    expect(await auditPer(failDb, 'job:expireHolds', [h1, h2])).toEqual({});

    await healed();
    await until('both holds expire', async () => (await holdStatus(failDb, h1)).status === 'EXPIRED' && (await holdStatus(failDb, h2)).status === 'EXPIRED');
    expect(await holdStatus(failDb, next)).toMatchObject({ status: 'READY_FOR_PICKUP', captured_item_id: String(e1.id), shelf_expired: false });
    expect(await itemStatus(failDb, e2.id)).toBe('AVAILABLE');
    expect(await eventsPer(failDb, 'hold.expired', [h1, h2])).toEqual(once([h1, h2]));
    expect(await auditPer(failDb, 'job:expireHolds', [h1, h2])).toEqual(once([h1, h2]));
  });
});

describe('sign-in housekeeping', () => {
  test('sessions a day past their expiry go with their refresh tokens, and old sign-in attempts; live ones stay', async () => {
    const [acc] = await env.sql<{ id: string }>(db, `select id from accounts where username = 'librarian.bdi-ts'`);
    const ids = { old: '00000000-0000-4000-8000-00000000e001', live: '00000000-0000-4000-8000-00000000e002' };
    // the attempts first, then sessions and their tokens in one statement: a job run in between sees whole data
    await env.sql(
      db,
      `insert into login_attempts (at, kind, identifier, client_address, success) values
         (now() - interval '40 days', 'STAFF', 'hk-old', '10.9.9.9', false), (now() - interval '2 days', 'STAFF', 'hk-recent', '10.9.9.9', true)`,
    );
    await env.sql(
      db,
      `with s as (
         insert into auth_sessions (id, account_id, expires_at) values ($1, $3, now() - interval '2 days'), ($2, $3, now() + interval '10 days') returning id
       )
       insert into refresh_tokens (token_hash, session_id, used_at) select decode(md5(s.id::text), 'hex'), s.id, now() from s`,
      [ids.old, ids.live, acc.id],
    );
    await until('the expired session is purged', async () => (await env.sql(db, `select 1 from auth_sessions where id = $1`, [ids.old])).length === 0);
    expect(await env.sql(db, `select session_id from refresh_tokens where session_id = any($1::uuid[]) order by session_id`, [[ids.old, ids.live]])).toEqual([{ session_id: ids.live }]);
    expect(await env.sql(db, `select identifier from login_attempts where identifier like 'hk-%' order by identifier`)).toEqual([{ identifier: 'hk-recent' }]);
  });
});
