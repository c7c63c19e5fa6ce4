import {
  IllAcceptConditionsDocument,
  IllAnswerCancellationDocument,
  IllAnswerRenewalDocument,
  IllCancelDocument,
  IllCheckInReturnedDocument,
  IllCreateApiClientDocument,
  IllCreateDocument,
  IllDeliverDocument,
  IllDeliverEResourceDocument,
  IllDeliveredDocument,
  IllMakeEResourceDocument,
  IllPublishEResourceDocument,
  IllDeskCheckinDocument,
  IllDeskReceiveDocument,
  IllGetDocument,
  IllListDocument,
  IllMarkLostDocument,
  IllMarkReadDocument,
  IllMessageDocument,
  IllMineDocument,
  IllNodeDocument,
  IllPreviewDocument,
  IllReceiveDocument,
  IllRecallDocument,
  IllRejectConditionsDocument,
  IllRenewLoanDocument,
  IllSetResponseDaysDocument,
  IllRequestRenewalDocument,
  IllRespondDocument,
  IllReturnDocument,
  IllShipDocument,
  IllStatsDocument,
} from './__generated__/operations';
import { TestEnv, TestServer, data } from './support/harness';

/**
 * Resource sharing through the API: a library asks the network, the rota finds a lender, the copy
 * travels, is lent, comes back; every answer, refusal and race as a client sees it.
 */
const env = new TestEnv();
let db: string;
let api: TestServer;
const tokens: Record<string, string> = {};
let readerToken = '';
const STAFF = ['admin', 'librarian.bdi-pl', 'librarian.bdi-ts'] as const;

jest.setTimeout(120_000);

beforeAll(async () => {
  db = await env.database('demo');
  // a librarian for a commune of Tây Sơn, one for An Nhơn, one for Phù Mỹ
  await env.sql(
    db,
    `insert into accounts (username, password_hash, role, library_id)
     select 'librarian.' || lower(code), (select password_hash from accounts where username = 'librarian.bdi-ts'), 'LIBRARIAN', id
       from libraries where code in ('BDI-TS-BTH', 'BDI-AN', 'BDI-PM', 'BDI-HN')`,
  );
  api = await env.server({ dbUrl: db, env: { SCHEDULER_INTERVAL_MS: '0' } });
  for (const u of [...STAFF, 'librarian.bdi-ts-bth', 'librarian.bdi-an', 'librarian.bdi-pm', 'librarian.bdi-hn']) tokens[u] = await api.login(u);
  const r = await api.post<{ loginPatron: { token: string } }>({
    query: 'mutation { loginPatron(cardNumber: "TS-000001", pin: "1234") { ... on PatronAuthPayload { token } } }',
  });
  readerToken = r.data!.loginPatron.token;
});

afterAll(() => env.close());

const gid = (type: string, id: number | string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
let titles = 0;

/** A record of its own with copies where the spec says: `{ 'BDI-PL': 2 }`, or with options per library. */
async function title(spec: Record<string, number | { n: number; lendable?: boolean; status?: string }>): Promise<{ recordId: string; id: number; barcodes: Record<string, string[]> }> {
  titles++;
  const [rec] = await env.sql<{ id: string }>(db, `insert into bib_records (title, contributors, year) values ($1, '[{"name":"Tác Giả Thử","role":"AUTHOR"}]', 2020) returning id`, [
    `Sách chia sẻ ${titles} ${Math.random().toString(36).slice(2, 7)}`,
  ]);
  const barcodes: Record<string, string[]> = {};
  for (const [code, s] of Object.entries(spec)) {
    const o = typeof s === 'number' ? { n: s } : s;
    barcodes[code] = [];
    for (let i = 0; i < o.n; i++) {
      const barcode = `ILL-${rec.id}-${code}-${i}`;
      await env.sql(
        db,
        `insert into items (record_id, library_id, barcode, status, lendable) select $1, id, $2, $3, $4 from libraries where code = $5`,
        [rec.id, barcode, o.status ?? 'AVAILABLE', o.lendable ?? true, code],
      );
      barcodes[code].push(barcode);
    }
  }
  return { recordId: gid('BibliographicRecord', rec.id), id: Number(rec.id), barcodes };
}

type Ill = { __typename: string; id?: string; errorCode?: string; allowedActions?: string[]; [k: string]: unknown };

async function create(token: string, input: Record<string, unknown>): Promise<Ill> {
  return data(await api.gql(IllCreateDocument, { input: input as never }, { token })).createIllRequest as Ill;
}
async function get(token: string, id: string) {
  return data(await api.gql(IllGetDocument, { id }, { token })).illRequest;
}
const respond = async (token: string, input: Record<string, unknown>) => data(await api.gql(IllRespondDocument, { input: input as never }, { token })).respondToIllRequest as Ill;
const ship = async (token: string, id: string, barcode: string, dueAt?: string) => data(await api.gql(IllShipDocument, { id, barcode, dueAt }, { token })).shipIllItem as Ill;
const receive = async (token: string, id: string) => data(await api.gql(IllReceiveDocument, { id }, { token })).receiveIllItem as Ill;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => env.sql<T>(db, text, params);
const localId = (g: string) => Number(Buffer.from(g, 'base64url').toString('utf8').split(':')[1]);

describe('rota', () => {
  test('built from the union catalog: same district first, then the provincial library, then other districts by load and copies; each with its reason', async () => {
    const t = await title({ 'BDI-TS': 1, 'BDI-PL': 1, 'BDI-AN': 2, 'BDI-PM': 1, 'BDI-TS-BTH': 1, 'BDI-HN': { n: 1, lendable: false }, 'BDI-VT': { n: 1, status: 'ON_LOAN' } });
    const before = await sql<{ n: string }>('select count(*) n from ill_requests');
    const rota = data(await api.gql(IllPreviewDocument, { recordId: t.recordId, lib: 'BDI-TS-BTH' }, { token: tokens['librarian.bdi-ts-bth'] })).previewRota;
    expect(rota.map((r) => [r.position, r.library.code, r.distance])).toEqual([
      [1, 'BDI-TS', 'SAME_DISTRICT'],
      [2, 'BDI-PL', 'PROVINCIAL'],
      [3, 'BDI-AN', 'OTHER_DISTRICT'],
      [4, 'BDI-PM', 'OTHER_DISTRICT'],
    ]);
    expect(rota[2]).toMatchObject({ availableCopies: 2, openLendingRequests: 0, rankReason: 'another district; 0 open lending requests; 2 lendable copies on the shelf' });
    expect(rota[0].rankReason).toBe('same district; 0 open lending requests; 1 lendable copy on the shelf');
    // previewing creates nothing
    expect(await sql('select count(*) n from ill_requests')).toEqual(before);

    // load outranks copies: with an open lending request An Nhơn falls behind Phù Mỹ
    const other = await title({ 'BDI-AN': 1 });
    expect(await create(tokens['librarian.bdi-ts'], { recordId: other.recordId })).toMatchObject({ __typename: 'IllRequest', lender: { code: 'BDI-AN' } });
    const again = data(await api.gql(IllPreviewDocument, { recordId: t.recordId, lib: 'BDI-TS-BTH' }, { token: tokens['librarian.bdi-ts-bth'] })).previewRota;
    expect(again.map((r) => r.library.code)).toEqual(['BDI-TS', 'BDI-PL', 'BDI-PM', 'BDI-AN']);
    expect(again[3]).toMatchObject({ openLendingRequests: 1, rankReason: 'another district; 1 open lending request; 2 lendable copies on the shelf' });
  });

  test('a library that does not lend to the network, copies that may not travel and the requester itself are never in it', async () => {
    const t = await title({ 'BDI-TS': 1, 'BDI-TS-QT': 2, 'BDI-HN': { n: 1, lendable: false } });
    const rota = data(await api.gql(IllPreviewDocument, { recordId: t.recordId, lib: 'BDI-TS' }, { token: tokens['librarian.bdi-ts'] })).previewRota;
    expect(rota).toEqual([]);
    expect(await create(tokens['librarian.bdi-ts'], { recordId: t.recordId })).toMatchObject({ __typename: 'NoLenderAvailableError', errorCode: 'NO_LENDER_AVAILABLE' });
  });
});

describe('the full loan cycle', () => {
  test('create → ship → receive (lent to the reader with the lender due date) → renew → desk check-in returns it → the lender receives it: complete', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const created = await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001', notes: 'Cho luận văn' });
    expect(created).toMatchObject({
      __typename: 'IllRequest',
      requesterState: 'REQUESTED',
      supplierState: 'REQUEST_RECEIVED',
      iso18626Status: 'RequestReceived',
      lender: { code: 'BDI-PL' },
      requestingLibrary: { code: 'BDI-TS' },
      pickupLibrary: { code: 'BDI-TS' },
      patron: { cardNumber: 'TS-000001' },
      allowedActions: ['CANCEL', 'SEND_MESSAGE'],
      needsAttention: false,
      citation: { author: 'Tác Giả Thử', year: 2020 },
    });
    const id = created.id!;
    expect(created.answerDueAt).not.toBeNull();

    // the lender's queue shows it waiting on them; the lender never sees the reader
    const queue = data(await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PL', side: 'LENDING' as never, needsAttention: true }, first: 100 }, { token: tokens['librarian.bdi-pl'] })).illRequests;
    const mine = queue.edges.find((e) => e.node.id === id)!.node;
    expect(mine).toMatchObject({ needsAttention: true, patron: null, allowedActions: expect.arrayContaining(['RESPOND_WILL_SUPPLY', 'RESPOND_UNFILLED', 'SHIP', 'SEND_MESSAGE']) });
    expect(mine.allowedActions).not.toContain('DELIVER_COPY');

    const shipped = await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-PL'][0]);
    expect(shipped).toMatchObject({ requesterState: 'SHIPPED', supplierState: 'LOANED', iso18626Status: 'Loaned', item: { status: 'IN_TRANSIT' } });
    const dueAt = shipped.dueAt as string;
    expect(new Date(dueAt).getTime()).toBeGreaterThan(Date.now() + 10 * 86_400_000);

    const got = await receive(tokens['librarian.bdi-ts'], id);
    expect(got).toMatchObject({ requesterState: 'RECEIVED', supplierState: 'LOANED', item: { status: 'ON_LOAN' }, allowedActions: ['RETURN', 'REQUEST_RENEWAL', 'MARK_LOST', 'SEND_MESSAGE'] });
    const [loan] = await sql<{ id: string; patron: string; library: string; due_at: Date; ill_request_id: string }>(
      `select l.id, p.card_number patron, lib.code library, l.due_at, l.ill_request_id from loans l join patrons p on p.id = l.patron_id
         join libraries lib on lib.id = l.library_id join items i on i.id = l.item_id where i.barcode = $1 and l.returned_at is null`,
      [t.barcodes['BDI-PL'][0]],
    );
    expect(loan).toMatchObject({ patron: 'TS-000001', library: 'BDI-TS', ill_request_id: String(localId(id)) });
    expect(loan.due_at.toISOString()).toBe(new Date(dueAt).toISOString());

    // the reader sees it in "my account", in plain words; renewing the loan directly is refused
    const me = data(await api.gql(IllMineDocument, { first: 10 }, { token: readerToken })).me!;
    const mineReq = me.illRequests!.edges.find((e) => e.node.id === id)!.node;
    expect(mineReq).toMatchObject({ requesterState: 'RECEIVED', statusText: 'Bạn đang mượn sách này.', enStatus: 'You have the book on loan.', patron: { cardNumber: 'TS-000001' }, history: [] });
    expect(me.illRequests!.totalCount).toBeGreaterThanOrEqual(1);
    const renew = data(await api.gql(IllRenewLoanDocument, { loanId: gid('Loan', loan.id) }, { token: readerToken })).renewLoan;
    expect(renew).toMatchObject({ __typename: 'IllLoanError', errorCode: 'ILL_LOAN', requestId: id });

    // the reader asks the lender for more time; the lender grants it; the loan follows
    expect(data(await api.gql(IllRequestRenewalDocument, { id, note: 'Cần thêm một tuần' }, { token: readerToken })).requestIllRenewal).toMatchObject({ renewalPending: true });
    expect(data(await api.gql(IllRequestRenewalDocument, { id }, { token: readerToken })).requestIllRenewal).toMatchObject({ __typename: 'IllegalTransitionError', action: 'REQUEST_RENEWAL' });
    const lenderView = await get(tokens['librarian.bdi-pl'], id);
    expect(lenderView).toMatchObject({ needsAttention: true, allowedActions: expect.arrayContaining(['APPROVE_RENEWAL', 'DENY_RENEWAL', 'RECALL']) });
    const later = new Date(new Date(dueAt).getTime() + 7 * 86_400_000).toISOString();
    const renewed = data(await api.gql(IllAnswerRenewalDocument, { id, approve: true, dueAt: later }, { token: tokens['librarian.bdi-pl'] })).answerIllRenewal;
    expect(renewed).toMatchObject({ renewalPending: false, renewals: 1, dueAt: later });
    expect((await sql<{ due_at: Date }>('select due_at from loans where id = $1', [loan.id]))[0].due_at.toISOString()).toBe(later);

    // the reader returns it at the desk: it goes back to its lender
    const checkin = data(await api.gql(IllDeskCheckinDocument, { barcode: t.barcodes['BDI-PL'][0] }, { token: tokens['librarian.bdi-ts'] })).checkinItem;
    expect(checkin).toMatchObject({ action: 'TRANSIT', destinationLibrary: { code: 'BDI-PL' }, item: { status: 'IN_TRANSIT' } });
    expect(await get(tokens['librarian.bdi-ts'], id)).toMatchObject({ requesterState: 'RETURN_SHIPPED', supplierState: 'RETURN_SHIPPED' });

    const home = data(await api.gql(IllDeskReceiveDocument, { barcode: t.barcodes['BDI-PL'][0] }, { token: tokens['librarian.bdi-pl'] })).receiveTransit;
    expect(home).toMatchObject({ action: 'RESHELVE', item: { status: 'AVAILABLE' } });
    const done = (await get(tokens['librarian.bdi-ts'], id))!;
    expect(done).toMatchObject({ requesterState: 'COMPLETED', supplierState: 'LOAN_COMPLETED', allowedActions: ['SEND_MESSAGE'] });
    expect(done.closedAt).not.toBeNull();
    expect(done.rota[0]).toMatchObject({ library: { code: 'BDI-PL' }, status: 'SUPPLIED' });
    expect(done.history.map((h) => [h.action, h.side, h.actor, h.requesterState, h.supplierState])).toEqual([
      [null, 'BORROWER', 'librarian.bdi-ts', 'REQUESTED', 'REQUEST_RECEIVED'],
      ['SHIP', 'LENDER', 'librarian.bdi-pl', 'SHIPPED', 'LOANED'],
      ['RECEIVE', 'BORROWER', 'librarian.bdi-ts', 'RECEIVED', 'LOANED'],
      ['REQUEST_RENEWAL', 'BORROWER', null, 'RECEIVED', 'LOANED'],
      ['APPROVE_RENEWAL', 'LENDER', 'librarian.bdi-pl', 'RECEIVED', 'LOANED'],
      ['RETURN', 'BORROWER', 'librarian.bdi-ts', 'RETURN_SHIPPED', 'RETURN_SHIPPED'],
      ['CHECK_IN_RETURNED', 'LENDER', 'librarian.bdi-pl', 'COMPLETED', 'LOAN_COMPLETED'],
    ]);
    // one audit row and one event per step, in the same transactions
    const audits = await sql<{ action: string }>(`select action from audit_log where entity = 'IllRequest' and entity_id = $1 order by id`, [localId(id)]);
    expect(audits.map((a) => a.action)).toEqual(['ill:CREATE', 'ill:SHIP', 'ill:RECEIVE', 'ill:REQUEST_RENEWAL', 'ill:APPROVE_RENEWAL', 'ill:RETURN', 'ill:CHECK_IN_RETURNED']);
    const events = await sql<{ type: string; payload: Record<string, unknown> }>(`select type, payload from events where entity = 'IllRequest' and entity_id = $1 order by seq`, [localId(id)]);
    expect(events.map((e) => e.type)).toEqual(['ill.created', 'ill.shipped', 'ill.received', 'ill.renewal_requested', 'ill.renewal_approved', 'ill.return_shipped', 'ill.completed']);
    for (const e of events) expect(JSON.stringify(e.payload)).not.toMatch(/TS-000001|patron/i);
    // the copy's own moves: two transits, one loan, back on the shelf
    const transits = await sql<{ reason: string; received: boolean }>(
      `select t.reason, t.received_at is not null received from transits t join items i on i.id = t.item_id where i.barcode = $1 order by t.id`,
      [t.barcodes['BDI-PL'][0]],
    );
    expect(transits).toEqual([
      { reason: 'ILL_SHIPMENT', received: true },
      { reason: 'ILL_RETURN', received: true },
    ]);
  });

  test('with the mutations only (no desk scans): receive, return, check in; a library may ask for itself', async () => {
    const t = await title({ 'BDI-AN': 1 });
    const r = await create(tokens['librarian.bdi-ts'], { recordId: t.recordId });
    expect(r).toMatchObject({ __typename: 'IllRequest', patron: null, lender: { code: 'BDI-AN' } });
    const id = r.id!;
    expect(await ship(tokens['librarian.bdi-an'], id, t.barcodes['BDI-AN'][0])).toMatchObject({ requesterState: 'SHIPPED' });
    expect(await receive(tokens['librarian.bdi-ts'], id)).toMatchObject({ requesterState: 'RECEIVED', item: { status: 'ON_LOAN' } });
    const back = data(await api.gql(IllReturnDocument, { id }, { token: tokens['librarian.bdi-ts'] })).returnIllItem;
    expect(back).toMatchObject({ requesterState: 'RETURN_SHIPPED', item: { status: 'IN_TRANSIT' } });
    expect(await sql(`select 1 from loans l join items i on i.id = l.item_id where i.barcode = $1 and l.returned_at is null`, [t.barcodes['BDI-AN'][0]])).toEqual([]);
    const done = data(await api.gql(IllCheckInReturnedDocument, { id }, { token: tokens['librarian.bdi-an'] })).checkInReturnedIllItem;
    expect(done).toMatchObject({ requesterState: 'COMPLETED', supplierState: 'LOAN_COMPLETED', item: { status: 'AVAILABLE' } });
    expect(await sql(`select 1 from transits t join items i on i.id = t.item_id where i.barcode = $1 and t.received_at is null`, [t.barcodes['BDI-AN'][0]])).toEqual([]);
  });

  test('a copy returned to its lender goes to the lender\'s waiting hold', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId }))!.id!;
    await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-PL'][0]);
    await receive(tokens['librarian.bdi-ts'], id);
    const hold = await api.post<{ placeHold: { __typename: string } }>(
      { query: `mutation($r: ID!) { placeHold(recordId: $r, pickupLibraryCode: "BDI-PL", cardNumber: "PL-000001") { __typename } }`, variables: { r: t.recordId } },
      { token: tokens['librarian.bdi-pl'] },
    );
    expect(hold.data!.placeHold.__typename).toBe('Hold');
    await api.gql(IllReturnDocument, { id }, { token: tokens['librarian.bdi-ts'] });
    const home = data(await api.gql(IllDeskReceiveDocument, { barcode: t.barcodes['BDI-PL'][0] }, { token: tokens['librarian.bdi-pl'] })).receiveTransit;
    expect(home).toMatchObject({ action: 'HOLD_SHELF', item: { status: 'ON_HOLD_SHELF' } });
    expect(await get(tokens['librarian.bdi-pl'], id)).toMatchObject({ requesterState: 'COMPLETED' });
  });

  test('a reader asks for themself; blocked or expired readers cannot; a second open request for the same title is a duplicate', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const r = await create(readerToken, { recordId: t.recordId });
    expect(r).toMatchObject({ __typename: 'IllRequest', requestingLibrary: { code: 'BDI-TS' }, patron: { cardNumber: 'TS-000001' }, allowedActions: ['CANCEL'] });
    const dup = await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001' });
    expect(dup).toMatchObject({ __typename: 'DuplicateIllRequestError', errorCode: 'DUPLICATE_ILL_REQUEST', existingRequestId: r.id });
    expect(await create(readerToken, { recordId: t.recordId, cardNumber: 'PL-000001' })).toMatchObject({ errorCode: 'NOT_PERMITTED' });

    await env.addPatrons(db, 'ILB', 2);
    await sql(`update patrons set status = 'BLOCKED', block_reason = 'Sách quá hạn' where card_number = 'ILB-000001'`);
    await sql(`update patrons set expires_on = current_date - 1 where card_number = 'ILB-000002'`);
    expect(await create(tokens['librarian.bdi-pl'], { recordId: (await title({ 'BDI-AN': 1 })).recordId, cardNumber: 'ILB-000001' })).toMatchObject({ errorCode: 'PATRON_BLOCKED' });
    expect(await create(tokens['librarian.bdi-pl'], { recordId: (await title({ 'BDI-AN': 1 })).recordId, cardNumber: 'ILB-000002' })).toMatchObject({ errorCode: 'PATRON_EXPIRED' });
    expect(await create(tokens['librarian.bdi-an'], { recordId: (await title({ 'BDI-PL': 1 })).recordId, cardNumber: 'NO-SUCH-CARD' })).toMatchObject({ errorCode: 'PATRON_NOT_FOUND' });
    // another library's reader may ask at this desk, to collect here (as with holds)
    const visiting = await create(tokens['librarian.bdi-an'], { recordId: (await title({ 'BDI-PL': 1 })).recordId, cardNumber: 'TS-000001' });
    expect(visiting).toMatchObject({ __typename: 'IllRequest', requestingLibrary: { code: 'BDI-AN' }, pickupLibrary: { code: 'BDI-AN' } });
    // ... but not for pickup elsewhere
    const elsewhere = await create(tokens['librarian.bdi-an'], { recordId: (await title({ 'BDI-PL': 1 })).recordId, cardNumber: 'PL-000002', pickupLibraryCode: 'BDI-TS' });
    expect(elsewhere).toMatchObject({ errorCode: 'PATRON_NOT_FOUND' });
  });

  test('ten concurrent requests for the same reader and title: one request, nine duplicates', async () => {
    const t = await title({ 'BDI-PL': 1, 'BDI-AN': 1 });
    const results = await Promise.all(Array.from({ length: 10 }, () => create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001' })));
    expect(results.filter((r) => r.__typename === 'IllRequest')).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'DuplicateIllRequestError')).toHaveLength(9);
    expect(await sql(`select count(*)::int n from ill_requests where record_id = $1`, [t.id])).toEqual([{ n: 1 }]);
  });
});

describe('answers, the rota moving on, and the end of it', () => {
  test('Unfilled moves the request to the next lender; a lender whose copy went away is skipped; end of rota shows every answer', async () => {
    const t = await title({ 'BDI-TS': 1, 'BDI-PL': 1, 'BDI-AN': 1, 'BDI-PM': 1 });
    const r = await create(tokens['librarian.bdi-ts-bth'], { recordId: t.recordId });
    const order = (r.rota as { library: { code: string } }[]).map((e) => e.library.code);
    // the district first, then the provincial library; the two other districts in order of their load
    expect(order.slice(0, 2)).toEqual(['BDI-TS', 'BDI-PL']);
    expect([...order.slice(2)].sort()).toEqual(['BDI-AN', 'BDI-PM']);
    const [third, fourth] = order.slice(2);
    const id = r.id!;
    const first = await respond(tokens['librarian.bdi-ts'], { requestId: id, answer: 'UNFILLED', reason: 'NOT_ON_SHELF', note: 'Không tìm thấy trên giá' });
    expect(first).toMatchObject({ requesterState: 'REQUESTED', supplierState: 'REQUEST_RECEIVED', lender: { code: 'BDI-PL' } });
    // the earlier lender still sees the request and its answer, but may no longer act
    const seen = await get(tokens['librarian.bdi-ts'], id);
    expect(seen).toMatchObject({ allowedActions: [], rota: [{ status: 'UNFILLED', reason: 'NOT_ON_SHELF', note: 'Không tìm thấy trên giá' }, { status: 'ASKED' }, { status: 'PENDING' }, { status: 'PENDING' }] });
    expect(await respond(tokens['librarian.bdi-ts'], { requestId: id, answer: 'WILL_SUPPLY' })).toMatchObject({ __typename: 'IllegalTransitionError', allowedActions: [] });
    const lendingQueue = data(await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-TS', side: 'LENDING' as never, states: ['UNFILLED' as never] }, first: 100 }, { token: tokens['librarian.bdi-ts'] })).illRequests;
    expect(lendingQueue.edges.map((e) => e.node.id)).toContain(id);

    // the third lender's copy leaves the shelf before its turn: it is skipped
    await sql(`update items set status = 'ON_LOAN' where barcode = $1`, [t.barcodes[third][0]]);
    const second = await respond(tokens['librarian.bdi-pl'], { requestId: id, answer: 'RETRY_POSSIBLE', reason: 'ON_LOAN' });
    expect(second).toMatchObject({ lender: { code: fourth }, requesterState: 'REQUESTED' });
    const last = await respond(tokens[`librarian.${fourth.toLowerCase()}`], { requestId: id, answer: 'UNFILLED', reason: 'DAMAGED' });
    // the last lender may no longer act; the borrower sees the end, with every answer
    expect(last).toMatchObject({ requesterState: 'END_OF_ROTA', supplierState: null, lender: null, allowedActions: [] });
    expect(await get(tokens['librarian.bdi-ts-bth'], id)).toMatchObject({ allowedActions: ['SEND_MESSAGE'], statusText: 'Rất tiếc, không thư viện nào có thể cho mượn.' });
    expect(last.closedAt).not.toBeNull();
    expect((last.rota as { library: { code: string }; status: string; reason: string | null }[]).map((e) => [e.library.code, e.status, e.reason])).toEqual([
      ['BDI-TS', 'UNFILLED', 'NOT_ON_SHELF'],
      ['BDI-PL', 'RETRY_POSSIBLE', 'ON_LOAN'],
      [third, 'SKIPPED', null],
      [fourth, 'UNFILLED', 'DAMAGED'],
    ]);
    const events = await sql<{ type: string; codes: string[] }>(
      `select type, array(select code from libraries where id = any(library_ids) order by code) codes from events where entity = 'IllRequest' and entity_id = $1 order by seq`,
      [localId(id)],
    );
    expect(events.map((e) => e.type)).toEqual(['ill.created', 'ill.unfilled', 'ill.retry_possible', 'ill.unfilled']);
    // the lender that declined hears about it, and so does the next one
    expect(events[1].codes).toEqual(expect.arrayContaining(['BDI-TS', 'BDI-PL', 'BDI-TS-BTH']));
  });

  test('conditions: accepted → will supply; rejected → next lender', async () => {
    const t = await title({ 'BDI-PL': 1, 'BDI-AN': 1 });
    const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId }))!.id!;
    const noConditions = await api.gql(IllRespondDocument, { input: { requestId: id, answer: 'CONDITIONAL' as never } }, { token: tokens['librarian.bdi-pl'] });
    expect(noConditions.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.note' });
    const cond = await respond(tokens['librarian.bdi-pl'], { requestId: id, answer: 'CONDITIONAL', note: 'Chỉ đọc tại chỗ', costVnd: 20000 });
    expect(cond).toMatchObject({ requesterState: 'CONDITIONS_PENDING', supplierState: 'CONDITIONAL', conditions: { note: 'Chỉ đọc tại chỗ', costVnd: 20000 } });
    expect(await get(tokens['librarian.bdi-ts'], id)).toMatchObject({ needsAttention: true, allowedActions: ['CANCEL', 'ACCEPT_CONDITIONS', 'REJECT_CONDITIONS', 'SEND_MESSAGE'] });
    const rejected = data(await api.gql(IllRejectConditionsDocument, { id, note: 'Quá đắt' }, { token: tokens['librarian.bdi-ts'] })).rejectIllConditions;
    expect(rejected).toMatchObject({ lender: { code: 'BDI-AN' }, requesterState: 'REQUESTED', conditions: null, rota: [{ status: 'CONDITIONS_REJECTED' }, { status: 'ASKED' }] });
    await respond(tokens['librarian.bdi-an'], { requestId: id, answer: 'CONDITIONAL', note: 'Trả trong 7 ngày' });
    const accepted = data(await api.gql(IllAcceptConditionsDocument, { id }, { token: tokens['librarian.bdi-ts'] })).acceptIllConditions;
    expect(accepted).toMatchObject({ requesterState: 'WILL_SUPPLY', supplierState: 'WILL_SUPPLY', rota: [{}, { status: 'SUPPLYING' }] });
  });

  test('cancel: at once before the lender commits; after, the lender confirms or refuses', async () => {
    const a = await title({ 'BDI-PL': 1 });
    const quick = (await create(tokens['librarian.bdi-ts'], { recordId: a.recordId }))!.id!;
    const c1 = data(await api.gql(IllCancelDocument, { id: quick, note: 'Bạn đọc không cần nữa' }, { token: tokens['librarian.bdi-ts'] })).cancelIllRequest;
    expect(c1).toMatchObject({ requesterState: 'CANCELLED', supplierState: 'CANCELLED', rota: [{ status: 'CANCELLED' }] });
    expect(data(await api.gql(IllCancelDocument, { id: quick }, { token: tokens['librarian.bdi-ts'] })).cancelIllRequest).toMatchObject({
      __typename: 'IllegalTransitionError',
      requesterState: 'CANCELLED',
      allowedActions: ['SEND_MESSAGE'],
    });

    const b = await title({ 'BDI-PL': 1 });
    const slow = (await create(tokens['librarian.bdi-ts'], { recordId: b.recordId }))!.id!;
    await respond(tokens['librarian.bdi-pl'], { requestId: slow, answer: 'WILL_SUPPLY' });
    expect(data(await api.gql(IllCancelDocument, { id: slow }, { token: tokens['librarian.bdi-ts'] })).cancelIllRequest).toMatchObject({ requesterState: 'CANCEL_PENDING', supplierState: 'CANCEL_REQUESTED' });
    const refused = data(await api.gql(IllAnswerCancellationDocument, { id: slow, accept: false }, { token: tokens['librarian.bdi-pl'] })).answerIllCancellation;
    expect(refused).toMatchObject({ requesterState: 'WILL_SUPPLY', supplierState: 'WILL_SUPPLY' });
    await api.gql(IllCancelDocument, { id: slow }, { token: tokens['librarian.bdi-ts'] });
    const confirmed = data(await api.gql(IllAnswerCancellationDocument, { id: slow, accept: true }, { token: tokens['librarian.bdi-pl'] })).answerIllCancellation;
    expect(confirmed).toMatchObject({ requesterState: 'CANCELLED', supplierState: 'CANCELLED' });
    expect((confirmed as { closedAt: string | null }).closedAt).not.toBeNull();
  });

  test('COPY: the lender delivers a scan online; shipping is not an action of a copy request', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const r = await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, serviceType: 'COPY', citation: { title: 'ignored', articleTitle: 'Chương 3', pages: '45-60' } });
    expect(r).toMatchObject({ serviceType: 'COPY', citation: { articleTitle: 'Chương 3', pages: '45-60' } });
    const id = r.id!;
    const lenderView = (await get(tokens['librarian.bdi-pl'], id))!;
    expect(lenderView.allowedActions).toContain('DELIVER_COPY');
    expect(lenderView.allowedActions).not.toContain('SHIP');
    expect(await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-PL'][0])).toMatchObject({ __typename: 'IllegalTransitionError', action: 'SHIP' });
    const bad = await api.gql(IllDeliverDocument, { id, url: 'javascript:alert(1)' }, { token: tokens['librarian.bdi-pl'] });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    const done = data(await api.gql(IllDeliverDocument, { id, url: 'https://thuvien.binhdinh.gov.vn/so-hoa/ban-sao-45-60.pdf' }, { token: tokens['librarian.bdi-pl'] })).deliverIllCopy;
    expect(done).toMatchObject({ requesterState: 'COMPLETED', supplierState: 'COPY_COMPLETED', iso18626Status: 'CopyCompleted', deliveryUrl: 'https://thuvien.binhdinh.gov.vn/so-hoa/ban-sao-45-60.pdf' });
  });

  test('COPY: the scan may be an e-resource of the digital library; a draft one is refused', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, serviceType: 'COPY', citation: { title: 'x', pages: '1-9' } })).id!;
    const made = data(
      await api.gql(IllMakeEResourceDocument, { input: { kind: 'DIGITISED' as never, description: { title: 'Bản sao trang 1-9' }, externalUrl: 'https://thuvien.binhdinh.gov.vn/so-hoa/ban-sao.pdf' } as never }, { token: tokens['librarian.bdi-pl'] }),
    ).createEResource as { __typename: string; id: string };
    expect(made.__typename).toBe('EResource');
    const draft = data(await api.gql(IllDeliverEResourceDocument, { id, eResourceId: made.id }, { token: tokens['librarian.bdi-pl'] })).deliverIllCopy;
    expect(draft).toMatchObject({ errorCode: 'ERESOURCE_NOT_FOUND' });
    expect(data(await api.gql(IllPublishEResourceDocument, { id: made.id }, { token: tokens['librarian.bdi-pl'] })).publishEResource).toMatchObject({ status: 'PUBLISHED' });
    const both = await api.gql(IllDeliverDocument, { id, url: 'https://example.org/x.pdf' }, { token: tokens['librarian.bdi-pl'] });
    expect(both.data!.deliverIllCopy).toMatchObject({ __typename: 'IllRequest' });
    // a second delivery of a completed request is not allowed
    const again = data(await api.gql(IllDeliverEResourceDocument, { id, eResourceId: made.id }, { token: tokens['librarian.bdi-pl'] })).deliverIllCopy;
    expect(again).toMatchObject({ errorCode: 'ILLEGAL_TRANSITION' });
    const other = (await create(tokens['librarian.bdi-ts'], { recordId: (await title({ 'BDI-PL': 1 })).recordId, serviceType: 'COPY' })).id!;
    const done = data(await api.gql(IllDeliverEResourceDocument, { id: other, eResourceId: made.id }, { token: tokens['librarian.bdi-pl'] })).deliverIllCopy;
    expect(done).toMatchObject({ requesterState: 'COMPLETED', supplierState: 'COPY_COMPLETED', deliveryUrl: null, deliveredEResource: { id: made.id, title: 'Bản sao trang 1-9' } });
    expect(data(await api.gql(IllDeliveredDocument, { id: other }, { token: tokens['librarian.bdi-ts'] })).illRequest).toEqual({ deliveredEResource: { id: made.id, title: 'Bản sao trang 1-9' } });
  });

  test('a citation not in the catalog goes to the lenders named; with an ISBN of a record, the record is used', async () => {
    const none = await create(tokens['librarian.bdi-ts'], { citation: { title: 'Địa chí Bình Định tập 9', author: 'Nhiều tác giả' } });
    expect(none).toMatchObject({ errorCode: 'NO_LENDER_AVAILABLE' });
    const named = await create(tokens['librarian.bdi-ts'], { citation: { title: 'Địa chí Bình Định tập 9', year: 2008 }, lenderCodes: ['BDI-PL', 'BDI-AN'] });
    expect(named).toMatchObject({ __typename: 'IllRequest', record: null, lender: { code: 'BDI-PL' }, citation: { title: 'Địa chí Bình Định tập 9', year: 2008 } });
    expect((named.rota as { distance: string }[]).map((e) => e.distance)).toEqual(['CHOSEN', 'CHOSEN']);
    expect(await create(tokens['librarian.bdi-ts'], { citation: { title: 'X' }, lenderCodes: ['BDI-TS-QT'] })).toMatchObject({ errorCode: 'LIBRARY_NOT_SHARING', libraryCode: 'BDI-TS-QT' });
    expect(await create(tokens['librarian.bdi-ts'], { citation: { title: 'X', isbn: '978-604-0-00000-1' } })).toMatchObject({ errorCode: 'INVALID_ISBN' });

    const t = await title({ 'BDI-AN': 1 });
    await sql(`update bib_records set isbns = array['9786042110723'] where id = $1`, [t.id]);
    const byIsbn = await create(tokens['librarian.bdi-ts'], { citation: { title: 'tên gõ sai', isbn: '604-211-072-1' } });
    expect(byIsbn).toMatchObject({ __typename: 'IllRequest', record: { id: t.recordId }, lender: { code: 'BDI-AN' } });
  });

  test('recall, and a copy reported lost: MISSING at the lender, the loan closed, the request ended', async () => {
    const t = await title({ 'BDI-PL': 1 });
    const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001' }))!.id!;
    await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-PL'][0]);
    await receive(tokens['librarian.bdi-ts'], id);
    const recalled = data(await api.gql(IllRecallDocument, { id }, { token: tokens['librarian.bdi-pl'] })).recallIllItem;
    expect(recalled).toMatchObject({ requesterState: 'RECALLED', supplierState: 'RECALLED', iso18626Status: 'Recalled' });
    expect(await get(tokens['librarian.bdi-ts'], id)).toMatchObject({ needsAttention: true });
    const lost = data(await api.gql(IllMarkLostDocument, { id }, { token: tokens['librarian.bdi-ts'] })).markIllItemLost;
    expect(lost).toMatchObject({ requesterState: 'LOST', supplierState: 'COMPLETED_WITHOUT_RETURN', item: { status: 'MISSING' } });
    expect(await sql(`select 1 from loans l join items i on i.id = l.item_id where i.barcode = $1 and l.returned_at is null`, [t.barcodes['BDI-PL'][0]])).toEqual([]);
  });
});

describe('who may do what, and bad input', () => {
  let id: string;
  let t: Awaited<ReturnType<typeof title>>;
  beforeAll(async () => {
    t = await title({ 'BDI-PL': 2, 'BDI-AN': 1 });
    id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001' }))!.id!;
  });

  test('each side takes its own actions only; another library sees nothing; anonymous callers must sign in', async () => {
    expect(data(await api.gql(IllCancelDocument, { id }, { token: tokens['librarian.bdi-pl'] })).cancelIllRequest).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await respond(tokens['librarian.bdi-ts'], { requestId: id, answer: 'WILL_SUPPLY' })).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await respond(tokens['librarian.bdi-hn'], { requestId: id, answer: 'WILL_SUPPLY' })).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await receive(readerToken, id)).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await get(tokens['librarian.bdi-hn'], id)).toBeNull();
    expect(data(await api.gql(IllNodeDocument, { id }, { token: tokens['librarian.bdi-hn'] })).node).toBeNull();
    expect(data(await api.gql(IllNodeDocument, { id }, { token: tokens['librarian.bdi-pl'] })).node).toMatchObject({ __typename: 'IllRequest' });
    const other = await api.post<{ loginPatron: { token: string } }>({ query: 'mutation { loginPatron(cardNumber: "PL-000001", pin: "1234") { ... on PatronAuthPayload { token } } }' });
    const otherReader = other.data!.loginPatron.token;
    expect(await get(otherReader, id)).toBeNull();
    expect(data(await api.gql(IllCancelDocument, { id }, { token: otherReader })).cancelIllRequest).toMatchObject({ errorCode: 'ILL_REQUEST_NOT_FOUND' });
    const anon = await api.gql(IllCancelDocument, { id });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const list = await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PL', side: 'LENDING' as never } }, { token: tokens['librarian.bdi-ts'] });
    expect(list.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const stats = await api.gql(IllStatsDocument, { lib: 'BDI-PL', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' }, { token: tokens['librarian.bdi-ts'] });
    expect(stats.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // a network admin may act on either side
    expect(await get(tokens.admin, id)).toMatchObject({ allowedActions: expect.arrayContaining(['CANCEL', 'RESPOND_WILL_SUPPLY', 'SHIP']) });
  });

  test("a partner system with a RESOURCE_SHARING key works its library's side; the audit names the key; other keys are refused", async () => {
    await sql(`insert into accounts (username, password_hash, role, library_id)
               select 'admin.bdi-ts', (select password_hash from accounts where username = 'librarian.bdi-ts'), 'LIBRARY_ADMIN', id from libraries where code = 'BDI-TS'
               on conflict do nothing`);
    const adminTs = await api.login('admin.bdi-ts');
    const key = async (permissions: string[]) => {
      const r = data(await api.gql(IllCreateApiClientDocument, { input: { libraryCode: 'BDI-TS', name: `ill ${permissions.join()}`, permissions: permissions as never } }, { token: adminTs })).createApiClient;
      if (r.__typename !== 'ApiClientCreated') throw new Error(JSON.stringify(r));
      return r;
    };
    const sharing = await key(['RESOURCE_SHARING']);
    const holdings = await key(['READ_HOLDINGS']);
    const t = await title({ 'BDI-PL': 1 });
    const made = data(await api.gql(IllCreateDocument, { input: { recordId: t.recordId } as never }, { headers: { 'x-api-key': sharing.apiKey } })).createIllRequest as Ill;
    expect(made).toMatchObject({ __typename: 'IllRequest', requestingLibrary: { code: 'BDI-TS' }, allowedActions: ['CANCEL', 'SEND_MESSAGE'] });
    const [row] = await sql<{ n: string }>(`select count(*) n from audit_log where action = 'ill:CREATE' and entity_id = $1 and actor_api_client_id = $2`, [
      localId(made.id!),
      localId(sharing.client.id),
    ]);
    expect(row.n).toBe('1');
    const refused = await api.gql(IllCreateDocument, { input: { recordId: t.recordId } as never }, { headers: { 'x-api-key': holdings.apiKey } });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // the key acts for its own library only: the lender's side is not its to take
    const lenderStep = data(await api.gql(IllRespondDocument, { input: { requestId: made.id!, answer: 'WILL_SUPPLY' as never } }, { headers: { 'x-api-key': sharing.apiKey } })).respondToIllRequest;
    expect(lenderStep).toMatchObject({ errorCode: 'NOT_PERMITTED' });
  });

  test("a library's admin sets its response time; the next request to it is due that many working days later", async () => {
    const librarian = await api.gql(IllSetResponseDaysDocument, { lib: 'BDI-PL', days: 5 }, { token: tokens['librarian.bdi-pl'] });
    expect(librarian.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const adminPl = await api.login('admin.bdi-pl');
    const other = await api.gql(IllSetResponseDaysDocument, { lib: 'BDI-TS', days: 5 }, { token: adminPl });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const bad = await api.gql(IllSetResponseDaysDocument, { lib: 'BDI-PL', days: 0 }, { token: adminPl });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
    expect(data(await api.gql(IllSetResponseDaysDocument, { lib: 'BDI-PL', days: 5 }, { token: adminPl })).setIllResponseDays).toEqual({ code: 'BDI-PL', illResponseDays: 5 });
    try {
      const r = await create(tokens['librarian.bdi-ts'], { recordId: (await title({ 'BDI-PL': 1 })).recordId });
      const days = (new Date(r.answerDueAt as string).getTime() - Date.now()) / 86_400_000;
      // five working days are seven calendar days at least (a weekend), nine at most
      expect(days).toBeGreaterThan(6);
      expect(days).toBeLessThan(9);
      expect(await sql(`select action from audit_log where action = 'setIllResponseDays'`)).toHaveLength(1);
    } finally {
      await api.gql(IllSetResponseDaysDocument, { lib: 'BDI-PL', days: 2 }, { token: adminPl });
    }
  });

  test('malformed ids, cursors, barcodes, dates and texts are BAD_USER_INPUT; wrong copies are typed errors; nothing is written', async () => {
    const before = await sql(`select count(*) n from ill_history`);
    const cases: [Promise<{ errors?: { extensions?: Record<string, unknown> }[] }>, string][] = [
      [api.gql(IllCancelDocument, { id: 'not-an-id' }, { token: tokens['librarian.bdi-ts'] }), 'requestId'],
      [api.gql(IllCancelDocument, { id: gid('Loan', 1) }, { token: tokens['librarian.bdi-ts'] }), 'requestId'],
      [api.gql(IllShipDocument, { id, barcode: "x' or 1=1 --" }, { token: tokens['librarian.bdi-pl'] }), 'barcode'],
      [api.gql(IllShipDocument, { id, barcode: t.barcodes['BDI-PL'][0], dueAt: '2020-01-01T00:00:00Z' }, { token: tokens['librarian.bdi-pl'] }), 'dueAt'],
      [api.gql(IllMessageDocument, { id, note: 'x'.repeat(4001) }, { token: tokens['librarian.bdi-pl'] }), 'note'],
      [api.gql(IllMessageDocument, { id, note: '   ' }, { token: tokens['librarian.bdi-pl'] }), 'note'],
      [api.gql(IllCreateDocument, { input: { recordId: t.recordId, neededBy: '2026-02-30' } }, { token: tokens['librarian.bdi-ts'] }), 'input.neededBy'],
      [api.gql(IllCreateDocument, { input: { citation: { title: 'a\u0000b' }, lenderCodes: ['BDI-PL'] } }, { token: tokens['librarian.bdi-ts'] }), 'input.citation.title'],
      [api.gql(IllCreateDocument, { input: {} }, { token: tokens['librarian.bdi-ts'] }), 'input.recordId'],
      [api.gql(IllRespondDocument, { input: { requestId: id, answer: 'UNFILLED' as never } }, { token: tokens['librarian.bdi-pl'] }), 'input.reason'],
      [api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PL', side: 'LENDING' as never }, after: 'bm9wZQ' }, { token: tokens['librarian.bdi-pl'] }), 'after'],
      [api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PL', side: 'LENDING' as never }, first: 101 }, { token: tokens['librarian.bdi-pl'] }), 'first'],
    ];
    for (const [p, field] of cases) {
      const res = await p;
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await ship(tokens['librarian.bdi-pl'], id, 'NO-SUCH-COPY')).toMatchObject({ errorCode: 'ITEM_NOT_FOUND' });
    expect(await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-AN'][0])).toMatchObject({ errorCode: 'ITEM_NOT_FOR_REQUEST' });
    const foreign = await title({ 'BDI-PL': 1 });
    expect(await ship(tokens['librarian.bdi-pl'], id, foreign.barcodes['BDI-PL'][0])).toMatchObject({ errorCode: 'ITEM_NOT_FOR_REQUEST' });
    await sql(`update items set status = 'DAMAGED' where barcode = $1`, [t.barcodes['BDI-PL'][1]]);
    expect(await ship(tokens['librarian.bdi-pl'], id, t.barcodes['BDI-PL'][1])).toMatchObject({ errorCode: 'ITEM_NOT_AVAILABLE', status: 'DAMAGED' });
    expect(await sql(`select count(*) n from ill_history`)).toEqual(before);
    expect(await get(tokens['librarian.bdi-ts'], id)).toMatchObject({ requesterState: 'REQUESTED', item: null });
  });

  test('two staff of the lender answering at once: exactly one answer wins, the other gets ILLEGAL_TRANSITION', async () => {
    for (let round = 0; round < 5; round++) {
      const x = await title({ 'BDI-PL': 1, 'BDI-AN': 1 });
      const rid = (await create(tokens['librarian.bdi-ts'], { recordId: x.recordId }))!.id!;
      const [a, b] = await Promise.all([
        respond(tokens['librarian.bdi-pl'], { requestId: rid, answer: 'EXPECT_TO_SUPPLY' }),
        respond(tokens['librarian.bdi-pl'], { requestId: rid, answer: 'UNFILLED', reason: 'NOT_ON_SHELF' }),
      ]);
      const wins = [a, b].filter((r) => r.__typename === 'IllRequest');
      const losses = [a, b].filter((r) => r.__typename === 'IllegalTransitionError');
      // EXPECT_TO_SUPPLY then UNFILLED is a legal sequence: both may pass, but never a half-applied mix
      const history = await sql<{ action: string }>(`select action from ill_history where request_id = $1 order by id`, [localId(rid)]);
      if (wins.length === 1) {
        expect(losses).toHaveLength(1);
        expect(history).toHaveLength(2);
      } else {
        expect(history.map((h) => h.action)).toEqual(['CREATE', 'RESPOND_EXPECT_TO_SUPPLY', 'RESPOND_UNFILLED']);
      }
    }
    // two shipments of one request: one wins
    const y = await title({ 'BDI-PL': 2 });
    const rid = (await create(tokens['librarian.bdi-ts'], { recordId: y.recordId }))!.id!;
    const shipped = await Promise.all(y.barcodes['BDI-PL'].map((b) => ship(tokens['librarian.bdi-pl'], rid, b)));
    expect(shipped.filter((s) => s.__typename === 'IllRequest')).toHaveLength(1);
    expect(shipped.filter((s) => s.__typename === 'IllegalTransitionError')).toHaveLength(1);
    const statuses = await sql<{ status: string }>(`select status from items where barcode = any($1) order by status`, [y.barcodes['BDI-PL']]);
    expect(statuses.map((s) => s.status)).toEqual(['AVAILABLE', 'IN_TRANSIT']);
  });
});

describe('queues, messages and statistics', () => {
  test('messages: unread counts per library, marked read; queues filter by attention and state; pages walk every request once', async () => {
    const t = await title({ 'BDI-PM': 1 });
    const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId }))!.id!;
    for (const m of ['Thư viện có bản này không?', 'Cần gấp trong tuần']) {
      expect(data(await api.gql(IllMessageDocument, { id, note: m }, { token: tokens['librarian.bdi-ts'] })).sendIllMessage).toMatchObject({ unreadMessageCount: 0 });
    }
    expect(await get(tokens['librarian.bdi-pm'], id)).toMatchObject({ unreadMessageCount: 2 });
    expect(data(await api.gql(IllMarkReadDocument, { id }, { token: tokens['librarian.bdi-pm'] })).markIllMessagesRead).toMatchObject({ unreadMessageCount: 0 });
    await api.gql(IllMessageDocument, { id, note: 'Có, sẽ gửi thứ Hai' }, { token: tokens['librarian.bdi-pm'] });
    const borrower = (await get(tokens['librarian.bdi-ts'], id))!;
    expect(borrower.unreadMessageCount).toBe(1);
    expect(borrower.history.filter((h) => h.isMessage).map((h) => [h.library?.code, h.note])).toEqual([
      ['BDI-TS', 'Thư viện có bản này không?'],
      ['BDI-TS', 'Cần gấp trong tuần'],
      ['BDI-PM', 'Có, sẽ gửi thứ Hai'],
    ]);
    expect(data(await api.gql(IllMarkReadDocument, { id }, { token: tokens['librarian.bdi-hn'] })).markIllMessagesRead).toMatchObject({ errorCode: 'NOT_PERMITTED' });

    // Phù Mỹ's lending queue: this request waits on it
    const attention = data(await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PM', side: 'LENDING' as never, needsAttention: true }, first: 100 }, { token: tokens['librarian.bdi-pm'] })).illRequests;
    expect(attention.edges.map((e) => e.node.id)).toContain(id);
    const calm = data(await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-PM', side: 'LENDING' as never, needsAttention: false }, first: 100 }, { token: tokens['librarian.bdi-pm'] })).illRequests;
    expect(calm.edges.map((e) => e.node.id)).not.toContain(id);

    // walking BDI-TS's borrowing queue two by two returns each request once, newest first
    const all: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } = data(
        await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-TS', side: 'BORROWING' as never }, first: 2, after }, { token: tokens['librarian.bdi-ts'] }),
      ).illRequests;
      total = page.totalCount;
      all.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(total);
    const [{ n }] = await sql<{ n: number }>(`select count(*)::int n from ill_requests r join libraries l on l.id in (r.requesting_library_id, r.pickup_library_id) where l.code = 'BDI-TS'`);
    expect(total).toBe(n);
    expect(all.map(localId)).toEqual([...all.map(localId)].sort((a, b) => b - a));
  });

  test('a page of 50 requests with libraries, reader, record, copy, rota and actions costs the same statements as a page of 5', async () => {
    // the newest five have every relation (reader, record, a shipped copy, a lender to load), as do older ones
    for (let i = 0; i < 5; i++) {
      const t = await title({ 'BDI-AN': 1 });
      const id = (await create(tokens['librarian.bdi-ts'], { recordId: t.recordId, cardNumber: 'TS-000001' })).id!;
      await ship(tokens['librarian.bdi-an'], id, t.barcodes['BDI-AN'][0]);
    }
    const count = async (first: number) => {
      const res = await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-TS', side: 'BORROWING' as never }, first }, { token: tokens['librarian.bdi-ts'] });
      expect(data(res).illRequests.edges.length).toBe(Math.min(first, data(res).illRequests.totalCount));
      return res.extensions?.sqlStatements as number;
    };
    const small = await count(5);
    const big = await count(50);
    expect(data(await api.gql(IllListDocument, { filter: { libraryCode: 'BDI-TS', side: 'BORROWING' as never }, first: 50 }, { token: tokens['librarian.bdi-ts'] })).illRequests.totalCount).toBeGreaterThan(20);
    expect(big).toBe(small);
    // library by code, the page, its count, unread messages, libraries, records, rotas, readers, copies
    expect(big).toBeLessThanOrEqual(9);
  });

  test('statistics from the history: requests, fill rate, turnaround, per lender', async () => {
    await sql(`insert into accounts (username, password_hash, role, library_id)
               select 'librarian.bdi-vc', (select password_hash from accounts where username = 'librarian.bdi-ts'), 'LIBRARIAN', id from libraries where code = 'BDI-VC'`);
    const vc = await api.login('librarian.bdi-vc');
    const from = new Date(Date.now() - 60_000).toISOString();
    const filled = await title({ 'BDI-AN': 1 });
    const a = (await create(vc, { recordId: filled.recordId }))!.id!;
    await ship(tokens['librarian.bdi-an'], a, filled.barcodes['BDI-AN'][0]);
    await receive(vc, a);
    const declined = await title({ 'BDI-AN': 1 });
    const b = (await create(vc, { recordId: declined.recordId }))!.id!;
    await respond(tokens['librarian.bdi-an'], { requestId: b, answer: 'UNFILLED', reason: 'POLICY' });
    const open = await title({ 'BDI-PM': 1 });
    await create(vc, { recordId: open.recordId });
    const to = new Date(Date.now() + 60_000).toISOString();
    const s = data(await api.gql(IllStatsDocument, { lib: 'BDI-VC', from, to }, { token: vc })).illStatistics;
    expect(s.borrowing).toMatchObject({ requests: 3, filled: 1, unfilled: 1, cancelled: 0, open: 2, fillRate: 0.5 });
    expect(s.borrowing.createdToShipped.count).toBe(1);
    expect(s.borrowing.createdToReceived.count).toBe(1);
    expect(s.borrowing.createdToShipped.medianHours).toBeGreaterThanOrEqual(0);
    expect(s.borrowing.createdToReceived.p90Hours!).toBeGreaterThanOrEqual(s.borrowing.createdToReceived.medianHours!);
    expect(s.perLender.map((l) => [l.lender.code, l.asked, l.filled, l.unfilled])).toEqual([
      ['BDI-AN', 2, 1, 1],
      ['BDI-PM', 1, 0, 0],
    ]);
    const lender = data(await api.gql(IllStatsDocument, { lib: 'BDI-AN', from, to }, { token: tokens['librarian.bdi-an'] })).illStatistics;
    expect(lender.lending.requests).toBeGreaterThanOrEqual(2);
    expect(lender.lending.filled).toBeGreaterThanOrEqual(1);
    const bad = await api.gql(IllStatsDocument, { lib: 'BDI-VC', from: to, to: from }, { token: vc });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });
});

describe('time-driven work', () => {
  let tdb: string;
  let srv: TestServer;
  let tk: Record<string, string>;
  beforeAll(async () => {
    tdb = await env.database('demo');
    srv = await env.server({ dbUrl: tdb, env: { SCHEDULER_INTERVAL_MS: '100' } });
    tk = { ts: await srv.login('librarian.bdi-ts'), pl: await srv.login('librarian.bdi-pl') };
  });
  const tsql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => env.sql<T>(tdb, text, params);
  async function eventually<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 15000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function record(codes: string[]): Promise<{ recordId: string; barcodes: string[] }> {
    const [rec] = await tsql<{ id: string }>(`insert into bib_records (title) values ($1) returning id`, [`Hẹn giờ ${Math.random()}`]);
    const barcodes: string[] = [];
    for (const c of codes) {
      const b = `T-${rec.id}-${c}`;
      await tsql(`insert into items (record_id, library_id, barcode) select $1, id, $2 from libraries where code = $3`, [rec.id, b, c]);
      barcodes.push(b);
    }
    return { recordId: gid('BibliographicRecord', rec.id), barcodes };
  }
  const tcreate = async (recordId: string) => (data(await srv.gql(IllCreateDocument, { input: { recordId } as never }, { token: tk.ts })).createIllRequest as Ill).id!;

  test('a lender that does not answer in time loses its turn (NO_ANSWER), once; the next one is asked', async () => {
    const r = await record(['BDI-PL', 'BDI-AN']);
    const id = await tcreate(r.recordId);
    const [row] = await tsql<{ due: Date }>(`select answer_due_at due from ill_requests where id = $1`, [localId(id)]);
    // two working days, at the end of a local day, never on a weekend
    const dueLocal = new Date(row.due.getTime() + 7 * 3600_000);
    expect(dueLocal.getUTCHours()).toBe(23);
    expect([0, 6]).not.toContain(dueLocal.getUTCDay());
    await tsql(`update ill_requests set answer_due_at = now() - interval '1 minute' where id = $1`, [localId(id)]);
    const moved = await eventually('the request moves on', async () => {
      const x = data(await srv.gql(IllGetDocument, { id }, { token: tk.ts })).illRequest!;
      return x.lender?.code === 'BDI-AN' ? x : null;
    });
    expect(moved.rota.map((e) => e.status)).toEqual(['NO_ANSWER', 'ASKED']);
    expect(moved.history.map((h) => [h.action, h.side])).toEqual([
      [null, 'BORROWER'],
      ['TIME_OUT', 'SYSTEM'],
    ]);
    await new Promise((res) => setTimeout(res, 500));
    expect(await tsql(`select count(*)::int n from ill_history where request_id = $1 and action = 'TIME_OUT'`, [localId(id)])).toEqual([{ n: 1 }]);
  });

  test('an answer racing the timeout: for each request exactly one of them takes effect', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await tcreate((await record(['BDI-PL', 'BDI-AN'])).recordId));
    // deadlines spread around the moment the lender answers
    await tsql(
      `update ill_requests set answer_due_at = now() + (random() * interval '600 milliseconds') where id = any($1::bigint[])`,
      [ids.map(localId)],
    );
    await new Promise((res) => setTimeout(res, 300));
    const answers = await Promise.all(ids.map((id) => srv.gql(IllRespondDocument, { input: { requestId: id, answer: 'WILL_SUPPLY' as never } }, { token: tk.pl })));
    await new Promise((res) => setTimeout(res, 1200));
    for (const [i, id] of ids.entries()) {
      const answer = data(answers[i]).respondToIllRequest as Ill;
      const history = await tsql<{ action: string }>(`select action from ill_history where request_id = $1 order by id`, [localId(id)]);
      const actions = history.map((h) => h.action);
      if (answer.__typename === 'IllRequest') {
        expect(actions).toEqual(['CREATE', 'RESPOND_WILL_SUPPLY']);
        expect(answer).toMatchObject({ requesterState: 'WILL_SUPPLY', lender: { code: 'BDI-PL' } });
      } else {
        expect(answer).toMatchObject({ __typename: 'IllegalTransitionError', allowedActions: [] });
        expect(actions).toEqual(['CREATE', 'TIME_OUT']);
      }
    }
  });

  test("past the lender's due date the request and the reader's loan become overdue", async () => {
    const r = await record(['BDI-PL']);
    const id = (data(await srv.gql(IllCreateDocument, { input: { recordId: r.recordId, cardNumber: 'TS-000001' } as never }, { token: tk.ts })).createIllRequest as Ill).id!;
    await srv.gql(IllShipDocument, { id, barcode: r.barcodes[0] }, { token: tk.pl });
    await srv.gql(IllReceiveDocument, { id }, { token: tk.ts });
    await tsql(`update ill_requests set due_at = now() - interval '1 day' where id = $1`, [localId(id)]);
    await tsql(`update loans set due_at = now() - interval '1 day' where ill_request_id = $1`, [localId(id)]);
    const x = await eventually('overdue', async () => {
      const v = data(await srv.gql(IllGetDocument, { id }, { token: tk.ts })).illRequest!;
      return v.requesterState === 'OVERDUE' ? v : null;
    });
    expect(x).toMatchObject({ supplierState: 'OVERDUE', iso18626Status: 'Overdue', needsAttention: true, statusText: 'Sách đã quá hạn: vui lòng trả lại.' });
    await eventually('loan overdue', async () => (await tsql<{ overdue: boolean }>(`select overdue from loans where ill_request_id = $1`, [localId(id)]))[0].overdue);
    // a late renewal brings it back
    await srv.gql(IllRequestRenewalDocument, { id }, { token: tk.ts });
    const renewed = data(await srv.gql(IllAnswerRenewalDocument, { id, approve: true }, { token: tk.pl })).answerIllRenewal as Ill;
    expect(renewed).toMatchObject({ requesterState: 'RECEIVED', supplierState: 'LOANED' });
    expect(await tsql(`select overdue from loans where ill_request_id = $1`, [localId(id)])).toEqual([{ overdue: false }]);
  });
});
