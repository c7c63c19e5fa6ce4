import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  CircAddItemDocument,
  CircAvailabilityDocument,
  CircCancelHoldDocument,
  CircCheckinDocument,
  CircCheckoutDocument,
  CircCreatePatronDocument,
  CircCreateRecordDocument,
  CircHoldQueueDocument,
  CircHoldShelfDocument,
  CircItemDocument,
  CircLoansDocument,
  CircLoginPatronDocument,
  CircMeDocument,
  CircNodeDocument,
  CircPatronDocument,
  CircPatronsDocument,
  CircPlaceHoldDocument,
  CircPolicyDocument,
  CircReceiveTransitDocument,
  CircDeskCheckinDocument,
  CircDeskCheckoutDocument,
  CircRenewDocument,
  CircSuspendHoldDocument,
  CircTransitsDocument,
  CircUpdateHoldPickupDocument,
  CircUpdatePatronDocument,
  type CreatePatronInput,
  type PatronCategory,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer } from './support/harness';

/*
 * Circulation (issue 3) through the API as a desk, a reader app and a partner see it: patrons and
 * privacy, checkout / checkin / transits, renewals, holds and their queue, "my account", desk lists,
 * availability in the catalog, bad input, and the audit + outbox rows every change leaves.
 *
 * One server and one demo database for the file. Each case makes its own titles, copies and patrons
 * (unique barcodes and card numbers), so cases do not see each other's loans and holds. Library rules
 * used by the cases are set once in beforeAll (see POLICIES). The scheduler is off in this process:
 * time-driven jobs are tested in circulation-concurrency.test.ts, and here they would add events and
 * audit rows while rows are counted.
 */

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
const tokens: Record<'pl' | 'plAdmin' | 'ts' | 'admin', string> = { pl: '', plAdmin: '', ts: '', admin: '' };

const PIN = '4321';
const TZ_OFFSET_MS = 7 * 3600_000; // Asia/Ho_Chi_Minh, no daylight saving

beforeAll(async () => {
  dbUrl = await env.database('demo');
  // rules of the cases: loan limit 2 for INSTITUTION patrons at BDI-PL; fines of 2,000 VND a day,
  // 21-day loans and 5 shelf days at BDI-TS; no holds for pickup at BDI-AN; 2 holds at most for pickup at BDI-QN
  await env.sql(
    dbUrl,
    `insert into circulation_policies (library_id, patron_category, format, loan_days, max_renewals, max_loans, max_holds,
                                       hold_shelf_days, holds_allowed, fine_per_day, renew_overdue_max_days)
     select l.id, x.category, null, x.loan_days, 2, x.max_loans, x.max_holds, x.shelf_days, x.holds_allowed, x.fine, 30
       from (values ('BDI-PL', 'INSTITUTION', 14, 2, 10, 7, true, 0),
                    ('BDI-TS', null, 21, 10, 10, 5, true, 2000),
                    ('BDI-AN', null, 14, 10, 10, 7, false, 0),
                    ('BDI-QN', null, 14, 10, 2, 7, true, 0))
            as x(code, category, loan_days, max_loans, max_holds, shelf_days, holds_allowed, fine)
       join libraries l on l.code = x.code`,
  );
  api = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0' } });
  [tokens.pl, tokens.plAdmin, tokens.ts, tokens.admin] = await Promise.all([
    api.login('librarian.bdi-pl'),
    api.login('admin.bdi-pl'),
    api.login('librarian.bdi-ts'),
    api.login('admin'),
  ]);
});
afterAll(() => env.close());

// ---------------------------------------------------------------------------------------------
// helpers

async function ok<T, V>(doc: TypedDocumentNode<T, V>, vars: V, token?: string | null): Promise<T> {
  const res = await api.gql(doc, vars, { token });
  if (res.errors || !res.data) throw new Error(`unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

/** The `extensions.code` of a thrown error (the operation must fail). */
async function thrownCode<T, V>(doc: TypedDocumentNode<T, V>, vars: V, token?: string | null): Promise<string> {
  const res: GqlResponse<T> = await api.gql(doc, vars, { token });
  expect(res.errors).toBeDefined();
  expect(res.status).toBeLessThan(500);
  return String(res.errors![0].extensions?.code);
}

/** Narrows a result union to one member, failing with the whole value when it is another. */
function as<T extends { __typename?: string }, N extends string>(value: T, typename: N): Extract<T, { __typename?: N }> {
  expect(value).toMatchObject({ __typename: typename });
  return value as Extract<T, { __typename?: N }>;
}

function localId(gid: string): number {
  return Number(Buffer.from(gid, 'base64url').toString('utf8').split(':')[1]);
}

/** yyyy-mm-dd of the library's local day (Asia/Ho_Chi_Minh) at `at`, plus days. */
function localDay(at: number, plusDays = 0): string {
  const d = new Date(at + TZ_OFFSET_MS);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString().slice(0, 10);
}

/** The last second of that local day, as a UTC instant (16:59:59Z). */
function endOfLocalDay(at: number, plusDays: number): string {
  return `${localDay(at, plusDays)}T16:59:59.000Z`;
}

/** A due date or shelf expiry: the end of the local day `days` after the day of the request. */
function expectEndOfDay(actual: string | null | undefined, before: number, after: number, days: number) {
  expect([endOfLocalDay(before, days), endOfLocalDay(after, days)]).toContain(new Date(actual!).toISOString());
}

const staffOf = (code: string) => (code === 'BDI-PL' ? tokens.pl : code === 'BDI-TS' ? tokens.ts : tokens.admin);

let seq = 0;
const uid = () => `${process.pid % 1000}${String(++seq).padStart(4, '0')}`;

async function newTitle(title = 'Sách thử lưu thông'): Promise<string> {
  const r = await ok(CircCreateRecordDocument, { input: { title: `${title} ${uid()}`, language: 'vie' } }, tokens.pl);
  return as(r.createRecord, 'BibliographicRecord').id;
}

async function newCopy(recordId: string, libraryCode: string, opts: { loanable?: boolean; lendable?: boolean; status?: 'AVAILABLE' | 'MISSING' | 'DAMAGED' } = {}) {
  const barcode = `CT-${libraryCode.replace(/^BDI-/, '')}-${uid()}`;
  const r = await ok(CircAddItemDocument, { input: { recordId, libraryCode, barcode, ...opts } }, staffOf(libraryCode));
  const item = as(r.addItem, 'Item');
  return { id: item.id, barcode };
}

async function newPatron(home = 'BDI-PL', category: PatronCategory = 'ADULT', extra: Partial<CreatePatronInput> = {}): Promise<string> {
  const cardNumber = `${home.replace(/^BDI-/, '')}T-${uid()}`;
  const r = await ok(
    CircCreatePatronDocument,
    { input: { cardNumber, fullName: `Bạn đọc ${cardNumber}`, homeLibraryCode: home, category, expiresOn: localDay(Date.now(), 365), pin: PIN, ...extra } },
    staffOf(home),
  );
  as(r.createPatron, 'Patron');
  return cardNumber;
}

async function patronToken(cardNumber: string, pin = PIN): Promise<string> {
  const r = await ok(CircLoginPatronDocument, { cardNumber, pin });
  return as(r.loginPatron, 'PatronAuthPayload').token;
}

async function checkout(barcode: string, cardNumber: string, token = tokens.pl) {
  return (await ok(CircCheckoutDocument, { barcode, cardNumber }, token)).checkoutItem;
}

async function lend(barcode: string, cardNumber: string, token = tokens.pl) {
  return as(await checkout(barcode, cardNumber, token), 'Loan');
}

async function checkin(barcode: string, token = tokens.pl, libraryCode?: string) {
  return (await ok(CircCheckinDocument, { barcode, libraryCode }, token)).checkinItem;
}

async function receive(barcode: string, token: string, libraryCode?: string) {
  return (await ok(CircReceiveTransitDocument, { barcode, libraryCode }, token)).receiveTransit;
}

async function placeHold(vars: { pickupLibraryCode: string; recordId?: string; itemId?: string; cardNumber?: string }, token = tokens.pl) {
  return (await ok(CircPlaceHoldDocument, vars, token)).placeHold;
}

async function hold(vars: { pickupLibraryCode: string; recordId?: string; itemId?: string; cardNumber?: string }, token = tokens.pl) {
  return as(await placeHold(vars, token), 'Hold');
}

async function itemStatus(barcode: string) {
  return (await ok(CircItemDocument, { barcode }))!.item!.status;
}

async function holdStatus(holdId: string) {
  const rows = await env.sql<{ status: string }>(dbUrl, 'select status from holds where id = $1', [localId(holdId)]);
  return rows[0].status;
}

async function myAccount(token: string, vars: { status?: 'ACTIVE' | 'OVERDUE'; historyFirst?: number; historyAfter?: string } = {}) {
  return (await ok(CircMeDocument, vars, token)).me!;
}

/** Moves a loan's due date to the end of the local day `days` ago (negative: in the future). */
async function dueDaysAgo(loanId: string, days: number) {
  await env.sql(
    dbUrl,
    `update loans set due_at = ((date_trunc('day', now() at time zone 'Asia/Ho_Chi_Minh') - make_interval(days => $2)
                                 + interval '1 day' - interval '1 second') at time zone 'Asia/Ho_Chi_Minh')
      where id = $1`,
    [localId(loanId), days],
  );
}

async function rowCounts(): Promise<Record<string, number>> {
  const rows = await env.sql<Record<string, string>>(
    dbUrl,
    `select (select count(*) from loans) loans, (select count(*) from holds) holds, (select count(*) from transits) transits,
            (select count(*) from patrons) patrons, (select count(*) from audit_log) audit, (select count(*) from events) events,
            (select count(*) from items where status <> 'AVAILABLE') items_out`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}

// ---------------------------------------------------------------------------------------------

describe('patrons', () => {
  test('staff of the home library register a patron; the card starts ACTIVE with the given details', async () => {
    const cardNumber = `PLT-${uid()}`;
    const r = await ok(
      CircCreatePatronDocument,
      {
        input: {
          cardNumber: cardNumber.toLowerCase(),
          fullName: '  Phạm Thị Hồng  ',
          homeLibraryCode: 'BDI-PL',
          category: 'STUDENT',
          expiresOn: '2030-06-30',
          dateOfBirth: '2008-02-29',
          email: 'hong@example.vn',
          phone: '0905 123 456',
          preferredLanguage: 'en',
          pin: '2468',
        },
      },
      tokens.pl,
    );
    expect(r.createPatron).toMatchObject({
      __typename: 'Patron',
      cardNumber,
      fullName: 'Phạm Thị Hồng',
      category: 'STUDENT',
      status: 'ACTIVE',
      blockReason: null,
      expiresOn: '2030-06-30',
      dateOfBirth: '2008-02-29',
      email: 'hong@example.vn',
      preferredLanguage: 'en',
      keepLoanHistory: true,
      homeLibrary: { code: 'BDI-PL' },
    });
    const login = await ok(CircLoginPatronDocument, { cardNumber, pin: '2468' });
    expect(login.loginPatron).toMatchObject({ __typename: 'PatronAuthPayload', patron: { cardNumber } });
  });

  test('staff of another library may not register a patron of BDI-PL; a network admin registers anywhere', async () => {
    const before = await rowCounts();
    const cardNumber = `PLT-${uid()}`;
    const input = { cardNumber, fullName: 'Đỗ Văn Tài', homeLibraryCode: 'BDI-PL', category: 'ADULT' as const, expiresOn: '2030-01-01' };
    const refused = await ok(CircCreatePatronDocument, { input }, tokens.ts);
    expect(refused.createPatron).toMatchObject({ __typename: 'NotPermittedError', errorCode: 'NOT_PERMITTED' });
    expect(await rowCounts()).toEqual(before);

    const byAdmin = await ok(CircCreatePatronDocument, { input: { ...input, homeLibraryCode: 'BDI-AN' } }, tokens.admin);
    expect(byAdmin.createPatron).toMatchObject({ __typename: 'Patron', cardNumber, homeLibrary: { code: 'BDI-AN' } });
    const unknown = await ok(CircCreatePatronDocument, { input: { ...input, cardNumber: `PLT-${uid()}`, homeLibraryCode: 'BDI-XX' } }, tokens.admin);
    expect(unknown.createPatron).toMatchObject({ __typename: 'UnknownLibraryError', errorCode: 'UNKNOWN_LIBRARY' });
  });

  test('a card number already used (in any letter case) is refused with DuplicateCardNumberError', async () => {
    const r = await ok(
      CircCreatePatronDocument,
      { input: { cardNumber: 'pl-000001', fullName: 'Người Trùng Thẻ', homeLibraryCode: 'BDI-PL', category: 'ADULT', expiresOn: '2030-01-01' } },
      tokens.pl,
    );
    expect(r.createPatron).toMatchObject({ __typename: 'DuplicateCardNumberError', errorCode: 'DUPLICATE_CARD_NUMBER', cardNumber: 'PL-000001' });
    const rows = await env.sql(dbUrl, `select 1 from patrons where full_name = 'Người Trùng Thẻ'`);
    expect(rows).toHaveLength(0);
  });

  test.each([
    ['an impossible expiry date', { expiresOn: '2030-02-30' }],
    ['an expiry date that is not a date', { expiresOn: 'next year' }],
    ['a malformed date of birth', { dateOfBirth: '29/02/2008' }],
    ['a date of birth in the future', { dateOfBirth: '2099-01-01' }],
    ['an e-mail without a domain', { email: 'hong@' }],
    ['a PIN with letters', { pin: '12a4' }],
    ['a PIN too short', { pin: '123' }],
    ['a malformed card number', { cardNumber: 'x' }],
    ['a card number with spaces', { cardNumber: 'PL 123 456' }],
    ['an unknown language', { preferredLanguage: 'fr' }],
    ['an empty name', { fullName: '   ' }],
  ])('createPatron with %s is BAD_USER_INPUT and stores nothing', async (_what, change) => {
    const before = await rowCounts();
    const input = { cardNumber: `PLT-${uid()}`, fullName: 'Hồ Thị Lan', homeLibraryCode: 'BDI-PL', category: 'ADULT' as const, expiresOn: '2030-01-01', ...change };
    expect(await thrownCode(CircCreatePatronDocument, { input }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await rowCounts()).toEqual(before);
  });

  test('updatePatron blocks with a reason and unblocks; only staff of the home library may', async () => {
    const card = await newPatron('BDI-PL');
    const blocked = await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: true, blockReason: 'Làm mất sách chưa bồi thường' } }, tokens.pl);
    expect(blocked.updatePatron).toMatchObject({ __typename: 'Patron', status: 'BLOCKED', blockReason: 'Làm mất sách chưa bồi thường' });

    // staff of another library: the patron is not theirs to see, let alone change
    const other = await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: false } }, tokens.ts);
    expect(other.updatePatron).toMatchObject({ __typename: 'PatronNotFoundError', errorCode: 'PATRON_NOT_FOUND' });
    expect(await thrownCode(CircUpdatePatronDocument, { input: { cardNumber: card, dateOfBirth: '2099-12-31' } }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.pl)).patron).toMatchObject({ status: 'BLOCKED' });

    const unblocked = await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: false } }, tokens.plAdmin);
    expect(unblocked.updatePatron).toMatchObject({ __typename: 'Patron', status: 'ACTIVE', blockReason: null });
  });

  test('loginPatron: the right PIN gives a token for "me"; a wrong PIN or unknown card is InvalidCredentialsError', async () => {
    const good = await ok(CircLoginPatronDocument, { cardNumber: 'PL-000001', pin: '1234' });
    const payload = as(good.loginPatron, 'PatronAuthPayload');
    expect(payload.patron).toMatchObject({ cardNumber: 'PL-000001', fullName: 'Nguyễn Văn An' });
    expect(new Date(payload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await myAccount(payload.token);
    expect(me).toMatchObject({ kind: 'PATRON', patron: { cardNumber: 'PL-000001' } });

    // card numbers are not case-sensitive
    expect((await ok(CircLoginPatronDocument, { cardNumber: ' pl-000001 ', pin: '1234' })).loginPatron).toMatchObject({ __typename: 'PatronAuthPayload' });
    for (const [cardNumber, pin] of [['PL-000001', '9999'], ['PL-000001', ''], ['NO-SUCH-CARD', '1234'], ['TS-000001', '12345']]) {
      const bad = await ok(CircLoginPatronDocument, { cardNumber, pin });
      expect(bad.loginPatron).toMatchObject({ __typename: 'InvalidCredentialsError', errorCode: 'INVALID_CREDENTIALS' });
    }
  });

  test('a blocked patron cannot sign in, even with the right PIN', async () => {
    const card = await newPatron('BDI-PL');
    await patronToken(card);
    await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: true, blockReason: 'Quá hạn nhiều lần' } }, tokens.pl);
    const r = await ok(CircLoginPatronDocument, { cardNumber: card, pin: PIN });
    expect(r.loginPatron).toMatchObject({ __typename: 'InvalidCredentialsError', errorCode: 'INVALID_CREDENTIALS' });
  });

  test('a patron sees their own account only: patron(cardNumber) of another is null, me shows theirs', async () => {
    const mine = await newPatron('BDI-PL');
    const theirs = await newPatron('BDI-PL');
    const token = await patronToken(mine);
    expect((await ok(CircPatronDocument, { cardNumber: mine }, token)).patron).toMatchObject({ cardNumber: mine });
    expect((await ok(CircPatronDocument, { cardNumber: theirs }, token)).patron).toBeNull();
    expect((await ok(CircPatronDocument, { cardNumber: 'PL-000001' }, token)).patron).toBeNull();
    expect((await myAccount(token)).patron).toMatchObject({ cardNumber: mine });
    // nor their loans and holds by id
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const theirLoan = await lend(copy.barcode, theirs);
    const theirHold = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: await newPatron('BDI-PL') });
    const theirId = (await ok(CircPatronDocument, { cardNumber: theirs }, tokens.pl)).patron!.id;
    for (const id of [theirLoan.id, theirHold.id, theirId]) expect((await ok(CircNodeDocument, { id }, token)).node).toBeNull();
    expect((await ok(CircNodeDocument, { id: theirLoan.id }, await patronToken(theirs))).node).toMatchObject({ __typename: 'Loan' });
    // and patrons cannot list patrons
    expect(await thrownCode(CircPatronsDocument, { query: 'nguyen' }, token)).toBe('FORBIDDEN');
    expect(await thrownCode(CircPatronDocument, { cardNumber: mine }, null)).toBe('UNAUTHENTICATED');
  });

  test('staff of BDI-TS do not see a BDI-PL patron until that patron waits for a hold at BDI-TS', async () => {
    const card = await newPatron('BDI-PL');
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.ts)).patron).toBeNull();
    expect((await ok(CircPatronsDocument, { query: card }, tokens.ts)).patrons.edges).toHaveLength(0);
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.pl)).patron).toMatchObject({ cardNumber: card });

    const rec = await newTitle();
    await newCopy(rec, 'BDI-PL');
    await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS', cardNumber: card });
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.ts)).patron).toMatchObject({ cardNumber: card });
    expect((await ok(CircPatronsDocument, { query: card }, tokens.ts)).patrons.edges.map((e) => e.node.cardNumber)).toEqual([card]);
  });

  test('staff of BDI-TS see a BDI-PL patron while they borrow at BDI-TS, not after the return', async () => {
    const card = await newPatron('BDI-PL');
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-TS');
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.ts)).patron).toBeNull();
    await lend(copy.barcode, card, tokens.ts);
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.ts)).patron).toMatchObject({ cardNumber: card, homeLibrary: { code: 'BDI-PL' } });
    // once the copy is back, BDI-TS has no business with this reader any more
    await checkin(copy.barcode, tokens.ts);
    expect((await ok(CircPatronDocument, { cardNumber: card }, tokens.ts)).patron).toBeNull();
  });

  test('patrons(query) finds by name without diacritics, within the patrons the staff member may see', async () => {
    const pl = await ok(CircPatronsDocument, { query: 'nguyen van an', first: 100 }, tokens.pl);
    const cards = pl.patrons.edges.map((e) => e.node.cardNumber);
    expect(cards).toContain('PL-000001');
    for (const e of pl.patrons.edges) {
      const folded = e.node.fullName.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase();
      expect(folded).toEqual(expect.stringContaining('nguyen'));
    }
    // exactly the matching patrons BDI-PL staff may see: home there, or a loan or active hold there
    const visibleAt = async (code: string) =>
      (
        await env.sql<{ card_number: string }>(
          dbUrl,
          `select p.card_number from patrons p, libraries l where l.code = $1 and p.search_text like '%nguyen%' and p.search_text like '%van%' and p.search_text like '%an%'
              and (p.home_library_id = l.id or exists (select 1 from loans x where x.patron_id = p.id and x.library_id = l.id and x.returned_at is null)
                   or exists (select 1 from holds h where h.patron_id = p.id and h.pickup_library_id = l.id
                              and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP')))
            order by 1`,
          [code],
        )
      ).map((r) => r.card_number);
    expect(cards).toEqual(await visibleAt('BDI-PL'));

    const ts = await ok(CircPatronsDocument, { query: 'nguyen van an', first: 100 }, tokens.ts);
    expect(ts.patrons.edges.map((e) => e.node.cardNumber)).toEqual(await visibleAt('BDI-TS'));
    // by card number, in any letter case
    const byCard = await ok(CircPatronsDocument, { query: 'pl-000001' }, tokens.pl);
    expect(byCard.patrons.edges.map((e) => e.node.cardNumber)).toEqual(['PL-000001']);
    // with diacritics, the same patron
    const exact = await ok(CircPatronsDocument, { query: 'Nguyễn Văn An', first: 100 }, tokens.pl);
    expect(exact.patrons.edges.map((e) => e.node.cardNumber)).toContain('PL-000001');
  });
});

describe('checkoutItem', () => {
  test('lends a copy: due at the end of the local day N days ahead (N from the policy), ON_LOAN at once', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const policy = (await ok(CircPolicyDocument, { libraryCode: 'BDI-PL', category: 'ADULT', format: 'BOOK' })).circulationPolicy;
    const availability = (await ok(CircAvailabilityDocument, { id: rec })).record!;
    expect(availability.availableCount).toBe(2);

    const t0 = Date.now();
    const loan = await lend(copy.barcode, card);
    const t1 = Date.now();
    expect(loan).toMatchObject({ status: 'ACTIVE', renewals: 0, returnedAt: null, library: { code: 'BDI-PL' }, patron: { cardNumber: card } });
    expect(loan.item).toMatchObject({ barcode: copy.barcode, status: 'ON_LOAN' });
    expectEndOfDay(loan.dueAt, t0, t1, policy.loanDays);
    expect(new Date(loan.dueAt).toISOString()).toMatch(/T16:59:59\.000Z$/);

    expect(await itemStatus(copy.barcode)).toBe('ON_LOAN');
    const after = (await ok(CircAvailabilityDocument, { id: rec })).record!;
    expect(after.availableCount).toBe(1);
    expect(after.holdings.find((h) => h.library.code === 'BDI-PL')).toMatchObject({ totalCount: 2, availableCount: 1 });
  });

  test('the loan period comes from the lending library policy (BDI-TS lends for 21 days)', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-TS');
    const card = await newPatron('BDI-TS');
    const t0 = Date.now();
    const loan = await lend(copy.barcode, card, tokens.ts);
    expectEndOfDay(loan.dueAt, t0, Date.now(), 21);
  });

  test('ITEM_NOT_FOUND for a barcode no copy has', async () => {
    const card = await newPatron('BDI-PL');
    expect(await checkout('CT-NO-SUCH-COPY', card)).toMatchObject({ __typename: 'ItemNotFoundError', errorCode: 'ITEM_NOT_FOUND' });
  });

  test('ITEM_NOT_LOANABLE for a reference copy', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL', { loanable: false });
    const card = await newPatron('BDI-PL');
    expect(await checkout(copy.barcode, card)).toMatchObject({ __typename: 'ItemNotLoanableError', errorCode: 'ITEM_NOT_LOANABLE' });
    expect(await itemStatus(copy.barcode)).toBe('AVAILABLE');
  });

  test('ITEM_NOT_AVAILABLE tells the current status (on loan, missing)', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const missing = await newCopy(rec, 'BDI-PL', { status: 'MISSING' });
    const [a, b] = [await newPatron('BDI-PL'), await newPatron('BDI-PL')];
    await lend(copy.barcode, a);
    expect(await checkout(copy.barcode, b)).toMatchObject({ __typename: 'ItemNotAvailableError', errorCode: 'ITEM_NOT_AVAILABLE', itemStatus: 'ON_LOAN' });
    expect(await checkout(missing.barcode, b)).toMatchObject({ __typename: 'ItemNotAvailableError', errorCode: 'ITEM_NOT_AVAILABLE', itemStatus: 'MISSING' });
  });

  test('ITEM_ON_HOLD_FOR_OTHER for a copy waiting on the hold shelf for someone else', async () => {
    // demo: BDI-PL-000393 waits on the BDI-PL hold shelf for PL-000001
    expect(await itemStatus('BDI-PL-000393')).toBe('ON_HOLD_SHELF');
    const card = await newPatron('BDI-PL');
    expect(await checkout('BDI-PL-000393', card)).toMatchObject({ __typename: 'ItemOnHoldForOtherError', errorCode: 'ITEM_ON_HOLD_FOR_OTHER' });
    expect(await itemStatus('BDI-PL-000393')).toBe('ON_HOLD_SHELF');
  });

  test('PATRON_NOT_FOUND for a card no patron has', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    expect(await checkout(copy.barcode, 'PL-999999')).toMatchObject({ __typename: 'PatronNotFoundError', errorCode: 'PATRON_NOT_FOUND' });
    expect(await itemStatus(copy.barcode)).toBe('AVAILABLE');
  });

  test('PATRON_BLOCKED with the reason', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: true, blockReason: 'Nợ phí' } }, tokens.pl);
    expect(await checkout(copy.barcode, card)).toMatchObject({ __typename: 'PatronBlockedError', errorCode: 'PATRON_BLOCKED', reason: 'Nợ phí' });
  });

  test('PATRON_EXPIRED once the card passed its expiry date; a new expiry date lets them borrow again', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    await env.sql(dbUrl, `update patrons set expires_on = current_date - 3 where card_number = $1`, [card]);
    const expiresOn = (await env.sql<{ d: string }>(dbUrl, `select to_char(expires_on, 'YYYY-MM-DD') d from patrons where card_number = $1`, [card]))[0].d;
    expect(await checkout(copy.barcode, card)).toMatchObject({ __typename: 'PatronExpiredError', errorCode: 'PATRON_EXPIRED', expiresOn });
    await ok(CircUpdatePatronDocument, { input: { cardNumber: card, expiresOn: localDay(Date.now(), 200) } }, tokens.pl);
    await lend(copy.barcode, card);
  });

  test('LOAN_LIMIT_REACHED at the limit of the policy (2 for INSTITUTION at BDI-PL)', async () => {
    const rec = await newTitle();
    const copies = [await newCopy(rec, 'BDI-PL'), await newCopy(rec, 'BDI-PL'), await newCopy(rec, 'BDI-PL')];
    const card = await newPatron('BDI-PL', 'INSTITUTION');
    expect((await ok(CircPolicyDocument, { libraryCode: 'BDI-PL', category: 'INSTITUTION' })).circulationPolicy).toMatchObject({ maxLoans: 2, librarySpecific: true });
    await lend(copies[0].barcode, card);
    await lend(copies[1].barcode, card);
    expect(await checkout(copies[2].barcode, card)).toMatchObject({ __typename: 'LoanLimitReachedError', errorCode: 'LOAN_LIMIT_REACHED', limit: 2 });
    expect(await itemStatus(copies[2].barcode)).toBe('AVAILABLE');
    // a return makes room
    await checkin(copies[0].barcode);
    await lend(copies[2].barcode, card);
  });

  test('NOT_PERMITTED for the desk of another library; the copy stays on the shelf', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-TS');
    const before = await rowCounts();
    expect(await checkout(copy.barcode, card, tokens.ts)).toMatchObject({ __typename: 'NotPermittedError', errorCode: 'NOT_PERMITTED' });
    expect(await itemStatus(copy.barcode)).toBe('AVAILABLE');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('checkinItem and transits', () => {
  test('a copy returned at its own library goes back on the shelf', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const loan = await lend(copy.barcode, card);
    const out = as(await checkin(copy.barcode), 'CheckinOutcome');
    expect(out).toMatchObject({
      action: 'RESHELVE',
      overdueDays: 0,
      fineVnd: 0,
      item: { barcode: copy.barcode, status: 'AVAILABLE' },
      loan: { id: loan.id, overdueDays: 0, fineVnd: 0, checkinLibrary: { code: 'BDI-PL' } },
      hold: null,
      transit: null,
    });
    expect(out.loan!.returnedAt).not.toBeNull();
    expect(await itemStatus(copy.barcode)).toBe('AVAILABLE');
  });

  test('a desk scan is one SQL statement: checkout and ordinary check-in, with their events and audit rows', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const out = await api.gql(CircDeskCheckoutDocument, { barcode: copy.barcode, cardNumber: card }, { token: tokens.pl });
    expect(out.errors).toBeUndefined();
    expect(out.data!.checkoutItem).toMatchObject({ __typename: 'Loan', item: { barcode: copy.barcode, status: 'ON_LOAN', record: { title: expect.any(String) } } });
    expect(out.extensions?.sqlStatements).toBe(1);
    const back = await api.gql(CircDeskCheckinDocument, { barcode: copy.barcode }, { token: tokens.pl });
    expect(back.errors).toBeUndefined();
    expect(back.data!.checkinItem).toMatchObject({ __typename: 'CheckinOutcome', action: 'RESHELVE', overdueDays: 0, item: { barcode: copy.barcode, status: 'AVAILABLE' } });
    expect(back.extensions?.sqlStatements).toBe(1);
    const item = await env.sql<{ id: string }>(dbUrl, 'select id from items where barcode = $1', [copy.barcode]);
    const loanId = localId(as(out.data!.checkoutItem, 'Loan').id);
    const events = await env.sql<{ type: string; payload: Record<string, unknown> }>(
      dbUrl,
      `select type, payload from events where (entity = 'Item' and entity_id = $1) or (entity = 'Loan' and entity_id = $2) order by seq`,
      [item[0].id, loanId],
    );
    expect(events.map((e) => [e.type, e.payload.after ?? null])).toEqual([
      ['loan.created', null],
      ['item.status_changed', 'ON_LOAN'],
      ['loan.returned', null],
      ['item.status_changed', 'AVAILABLE'],
    ]);
    const audits = await env.sql<{ action: string; before: unknown; after: Record<string, unknown> }>(
      dbUrl,
      `select action, before, after from audit_log where (entity = 'Loan' and entity_id = $2) or (entity = 'Item' and entity_id = $1 and action = 'checkinItem') order by id`,
      [item[0].id, loanId],
    );
    expect(audits).toMatchObject([
      { action: 'checkoutItem', before: { itemStatus: 'AVAILABLE' }, after: { itemStatus: 'ON_LOAN' } },
      { action: 'checkinItem', before: { itemStatus: 'ON_LOAN' }, after: { itemStatus: 'AVAILABLE', action: 'RESHELVE', loanId: Number(loanId) } },
    ]);
  });

  test('a copy returned at another library travels home; receiveTransit at the owner reshelves it', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    await lend(copy.barcode, card);

    const out = as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome');
    expect(out).toMatchObject({
      action: 'TRANSIT',
      destinationLibrary: { code: 'BDI-PL' },
      item: { status: 'IN_TRANSIT' },
      loan: { checkinLibrary: { code: 'BDI-TS' } },
      transit: { reason: 'RETURN_HOME', receivedAt: null, fromLibrary: { code: 'BDI-TS' }, toLibrary: { code: 'BDI-PL' } },
    });
    const incoming = (await ok(CircTransitsDocument, { libraryCode: 'BDI-PL', direction: 'INCOMING', first: 100 }, tokens.pl)).transits;
    expect(incoming.find((t) => t.item.barcode === copy.barcode)).toMatchObject({ id: out.transit!.id, fromLibrary: { code: 'BDI-TS' } });
    const outgoing = (await ok(CircTransitsDocument, { libraryCode: 'BDI-TS', direction: 'OUTGOING', first: 100 }, tokens.ts)).transits;
    expect(outgoing.map((t) => t.item.barcode)).toContain(copy.barcode);

    // scanned again at the sending library or received at the wrong one: it keeps travelling
    expect(await receive(copy.barcode, tokens.ts)).toMatchObject({ __typename: 'NoTransitError', errorCode: 'NO_TRANSIT' });
    expect(await itemStatus(copy.barcode)).toBe('IN_TRANSIT');

    const home = as(await receive(copy.barcode, tokens.pl), 'CheckinOutcome');
    expect(home).toMatchObject({ action: 'RESHELVE', item: { status: 'AVAILABLE' } });
    const after = (await ok(CircTransitsDocument, { libraryCode: 'BDI-PL', direction: 'INCOMING', first: 100 }, tokens.pl)).transits;
    expect(after.map((t) => t.item.barcode)).not.toContain(copy.barcode);
    // and nothing is left to receive
    expect(await receive(copy.barcode, tokens.pl)).toMatchObject({ errorCode: 'NO_TRANSIT' });
  });

  test('with a hold waiting for pickup here, the copy goes on the hold shelf; only that patron may borrow it', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const [borrower, waiter, other] = [await newPatron('BDI-PL'), await newPatron('BDI-PL'), await newPatron('BDI-PL')];
    await lend(copy.barcode, borrower);
    const waiterToken = await patronToken(waiter);
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, waiterToken);
    expect(h).toMatchObject({ status: 'WAITING', queuePosition: 1 });

    const t0 = Date.now();
    const out = as(await checkin(copy.barcode), 'CheckinOutcome');
    expect(out).toMatchObject({
      action: 'HOLD_SHELF',
      destinationLibrary: { code: 'BDI-PL' },
      item: { status: 'ON_HOLD_SHELF' },
      hold: { id: h.id, status: 'READY_FOR_PICKUP', patron: { cardNumber: waiter } },
      transit: null,
    });
    expectEndOfDay(out.hold!.shelfExpiresAt, t0, Date.now(), 7);
    const shelf = (await ok(CircHoldShelfDocument, { libraryCode: 'BDI-PL' }, tokens.pl)).holdShelf;
    expect(shelf.find((s) => s.id === h.id)).toMatchObject({ status: 'READY_FOR_PICKUP', capturedItem: { barcode: copy.barcode }, patron: { cardNumber: waiter } });
    expect((await myAccount(waiterToken)).holds).toEqual([expect.objectContaining({ id: h.id, status: 'READY_FOR_PICKUP', queuePosition: null })]);

    expect(await checkout(copy.barcode, other)).toMatchObject({ __typename: 'ItemOnHoldForOtherError', errorCode: 'ITEM_ON_HOLD_FOR_OTHER' });
    const loan = await lend(copy.barcode, waiter);
    expect(loan.item.status).toBe('ON_LOAN');
    expect(await holdStatus(h.id)).toBe('FULFILLED');
    expect((await myAccount(waiterToken)).holds).toEqual([]);
    expect((await ok(CircHoldShelfDocument, { libraryCode: 'BDI-PL' }, tokens.pl)).holdShelf.map((s) => s.id)).not.toContain(h.id);
  });

  test('with a hold for pickup elsewhere, the copy travels there; the pickup desk lends it to that patron', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const [borrower, waiter, other] = [await newPatron('BDI-PL'), await newPatron('BDI-TS'), await newPatron('BDI-TS')];
    await lend(copy.barcode, borrower);
    const waiterToken = await patronToken(waiter);
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, waiterToken);

    const out = as(await checkin(copy.barcode), 'CheckinOutcome');
    expect(out).toMatchObject({
      action: 'TRANSIT',
      destinationLibrary: { code: 'BDI-TS' },
      item: { status: 'IN_TRANSIT' },
      hold: { id: h.id, status: 'IN_TRANSIT' },
      transit: { reason: 'HOLD', fromLibrary: { code: 'BDI-PL' }, toLibrary: { code: 'BDI-TS' } },
    });
    const incoming = (await ok(CircTransitsDocument, { libraryCode: 'BDI-TS', direction: 'INCOMING' }, tokens.ts)).transits;
    expect(incoming.find((t) => t.item.barcode === copy.barcode)).toMatchObject({ reason: 'HOLD' });

    const t0 = Date.now();
    const arrived = as(await receive(copy.barcode, tokens.ts), 'CheckinOutcome');
    expect(arrived).toMatchObject({ action: 'HOLD_SHELF', item: { status: 'ON_HOLD_SHELF' }, hold: { id: h.id, status: 'READY_FOR_PICKUP' } });
    expectEndOfDay(arrived.hold!.shelfExpiresAt, t0, Date.now(), 5); // BDI-TS keeps holds 5 days
    expect((await ok(CircHoldShelfDocument, { libraryCode: 'BDI-TS' }, tokens.ts)).holdShelf.map((s) => s.id)).toContain(h.id);

    expect(await checkout(copy.barcode, other, tokens.ts)).toMatchObject({ errorCode: 'ITEM_ON_HOLD_FOR_OTHER' });
    // the owner's desk does not lend from another library's hold shelf
    expect(await checkout(copy.barcode, waiter, tokens.pl)).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    const loan = await lend(copy.barcode, waiter, tokens.ts);
    expect(loan).toMatchObject({ library: { code: 'BDI-TS' }, patron: { cardNumber: waiter } });
    expect(await holdStatus(h.id)).toBe('FULFILLED');
    expect((await myAccount(waiterToken)).holds).toEqual([]);
  });

  test('a copy in transit checked in (instead of received) at its destination is received there', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await lend(copy.barcode, await newPatron('BDI-PL'));
    expect(as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome')).toMatchObject({ action: 'TRANSIT' });
    // scanned again at BDI-TS by mistake: it keeps travelling
    expect(await checkin(copy.barcode, tokens.ts)).toMatchObject({ __typename: 'NoTransitError', errorCode: 'NO_TRANSIT' });
    expect(as(await checkin(copy.barcode, tokens.pl), 'CheckinOutcome')).toMatchObject({ action: 'RESHELVE', loan: null, item: { status: 'AVAILABLE' } });
    const open = await env.sql(dbUrl, 'select 1 from transits where item_id = $1 and received_at is null', [localId(copy.id)]);
    expect(open).toHaveLength(0);
  });

  test('a hold cancelled while its copy travels: on arrival the copy serves the next hold, or goes home', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await lend(copy.barcode, await newPatron('BDI-PL'));
    const first = await patronToken(await newPatron('BDI-TS'));
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, first);
    expect(as(await checkin(copy.barcode), 'CheckinOutcome')).toMatchObject({ action: 'TRANSIT', hold: { id: h.id, status: 'IN_TRANSIT' } });
    expect((await ok(CircCancelHoldDocument, { holdId: h.id }, first)).cancelHold).toMatchObject({ status: 'CANCELLED' });
    expect(await itemStatus(copy.barcode)).toBe('IN_TRANSIT');
    // nobody else waits: received at BDI-TS, the copy travels home
    const arrived = as(await receive(copy.barcode, tokens.ts), 'CheckinOutcome');
    expect(arrived).toMatchObject({ action: 'TRANSIT', hold: null, destinationLibrary: { code: 'BDI-PL' }, transit: { reason: 'RETURN_HOME' } });
    expect(await holdStatus(h.id)).toBe('CANCELLED');
  });

  test('an overdue return records overdue days and the fine (3 local days × 2,000 VND); finesOwed shows it', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-TS');
    const card = await newPatron('BDI-TS');
    const token = await patronToken(card);
    const loan = await lend(copy.barcode, card, tokens.ts);
    await dueDaysAgo(loan.id, 3);
    expect((await myAccount(token)).finesOwed).toBe(0);
    expect((await myAccount(token, { status: 'OVERDUE' })).loans.map((l) => l.id)).toEqual([loan.id]);

    const out = as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome');
    expect(out).toMatchObject({ action: 'RESHELVE', overdueDays: 3, fineVnd: 6000, loan: { id: loan.id, overdueDays: 3, fineVnd: 6000 } });
    const me = await myAccount(token);
    expect(me.finesOwed).toBe(6000);
    expect(me.loans).toEqual([]);
  });

  test('a return on the due date itself is not overdue', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-TS');
    const card = await newPatron('BDI-TS');
    const loan = await lend(copy.barcode, card, tokens.ts);
    await dueDaysAgo(loan.id, 0);
    expect(as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome')).toMatchObject({ overdueDays: 0, fineVnd: 0 });
  });

  test('checking in a copy that is not out is refused with its status; an unknown barcode is ITEM_NOT_FOUND', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL', { status: 'DAMAGED' });
    expect(await checkin(copy.barcode)).toMatchObject({ __typename: 'ItemNotCheckedOutError', errorCode: 'ITEM_NOT_CHECKED_OUT', itemStatus: 'DAMAGED' });
    expect(await checkin('CT-NO-SUCH-COPY')).toMatchObject({ __typename: 'ItemNotFoundError', errorCode: 'ITEM_NOT_FOUND' });
  });
});

describe('renewLoan', () => {
  async function loanOf(opts: { home?: string } = {}) {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron(opts.home ?? 'BDI-PL');
    const loan = await lend(copy.barcode, card);
    return { rec, copy, card, loan };
  }

  test('staff of the lending library and the patron renew; the new due date counts from the renewal date', async () => {
    const { card, loan } = await loanOf();
    await dueDaysAgo(loan.id, -2); // due in two days
    const t0 = Date.now();
    const byStaff = as((await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan, 'Loan');
    expect(byStaff).toMatchObject({ id: loan.id, renewals: 1, status: 'ACTIVE' });
    expectEndOfDay(byStaff.dueAt, t0, Date.now(), 14);

    await dueDaysAgo(loan.id, -5);
    const token = await patronToken(card);
    const t1 = Date.now();
    const byPatron = as((await ok(CircRenewDocument, { loanId: loan.id }, token)).renewLoan, 'Loan');
    expect(byPatron).toMatchObject({ renewals: 2 });
    expectEndOfDay(byPatron.dueAt, t1, Date.now(), 14);
    expect((await myAccount(token)).loans).toEqual([expect.objectContaining({ id: loan.id, renewals: 2, dueAt: byPatron.dueAt })]);
  });

  test('RENEWAL_LIMIT_REACHED after the renewals the policy allows', async () => {
    const { loan } = await loanOf();
    const policy = (await ok(CircPolicyDocument, { libraryCode: 'BDI-PL', category: 'ADULT' })).circulationPolicy;
    for (let i = 1; i <= policy.maxRenewals; i++) {
      expect((await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan).toMatchObject({ __typename: 'Loan', renewals: i });
    }
    const refused = (await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan;
    expect(refused).toMatchObject({ __typename: 'RenewalLimitReachedError', errorCode: 'RENEWAL_LIMIT_REACHED', limit: policy.maxRenewals });
  });

  test('HOLD_PENDING when another patron waits for the title', async () => {
    const { rec, loan } = await loanOf();
    const waiter = await newPatron('BDI-PL');
    await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: waiter });
    const before = (await ok(CircNodeDocument, { id: loan.id }, tokens.pl)).node;
    const r = (await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan;
    expect(r).toMatchObject({ __typename: 'HoldPendingError', errorCode: 'HOLD_PENDING' });
    expect((await ok(CircNodeDocument, { id: loan.id }, tokens.pl)).node).toEqual(before);
  });

  test('OVERDUE_TOO_LONG for a loan overdue longer than the policy allows (30 days)', async () => {
    const { loan } = await loanOf();
    await dueDaysAgo(loan.id, 30);
    const stillOk = (await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan;
    expect(stillOk).toMatchObject({ __typename: 'Loan', renewals: 1, status: 'ACTIVE' });
    await dueDaysAgo(loan.id, 31);
    const r = (await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan;
    expect(r).toMatchObject({ __typename: 'OverdueTooLongError', errorCode: 'OVERDUE_TOO_LONG', daysOverdue: 31 });
  });

  test('PATRON_BLOCKED for a blocked patron, by staff and by the patron', async () => {
    const { card, loan } = await loanOf();
    const token = await patronToken(card);
    await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: true, blockReason: 'Chưa trả sách' } }, tokens.pl);
    expect((await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan).toMatchObject({ errorCode: 'PATRON_BLOCKED', reason: 'Chưa trả sách' });
    expect((await ok(CircRenewDocument, { loanId: loan.id }, token)).renewLoan).toMatchObject({ errorCode: 'PATRON_BLOCKED' });
  });

  test('another patron, or staff of another library, cannot renew my loan (LoanNotFoundError); nothing changes', async () => {
    const { loan } = await loanOf();
    const stranger = await patronToken(await newPatron('BDI-PL'));
    expect((await ok(CircRenewDocument, { loanId: loan.id }, stranger)).renewLoan).toMatchObject({ __typename: 'LoanNotFoundError', errorCode: 'LOAN_NOT_FOUND' });
    expect((await ok(CircRenewDocument, { loanId: loan.id }, tokens.ts)).renewLoan).toMatchObject({ __typename: 'LoanNotFoundError', errorCode: 'LOAN_NOT_FOUND' });
    const rows = await env.sql<{ renewals: number }>(dbUrl, 'select renewals from loans where id = $1', [localId(loan.id)]);
    expect(rows[0].renewals).toBe(0);
  });

  test('a returned loan cannot be renewed', async () => {
    const { copy, loan } = await loanOf();
    await checkin(copy.barcode);
    expect((await ok(CircRenewDocument, { loanId: loan.id }, tokens.pl)).renewLoan).toMatchObject({ errorCode: 'LOAN_NOT_FOUND' });
  });
});

describe('holds', () => {
  /** A title whose only copy is on loan, so holds wait. */
  async function busyTitle(libraryCode = 'BDI-PL') {
    const rec = await newTitle();
    const copy = await newCopy(rec, libraryCode);
    const borrower = await newPatron(libraryCode);
    const loan = await lend(copy.barcode, borrower, staffOf(libraryCode));
    return { rec, copy, borrower, loan };
  }

  test('three patrons queue for a title at positions 1, 2, 3 (one by themself, two placed by staff)', async () => {
    const { rec } = await busyTitle();
    const [a, b, c] = [await newPatron('BDI-PL'), await newPatron('BDI-PL'), await newPatron('BDI-TS')];
    const ha = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, await patronToken(a));
    const hb = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: b }, tokens.pl);
    const hc = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS', cardNumber: c }, tokens.ts);
    expect([ha.queuePosition, hb.queuePosition, hc.queuePosition]).toEqual([1, 2, 3]);
    expect(ha).toMatchObject({ status: 'WAITING', record: { id: rec }, item: null, pickupLibrary: { code: 'BDI-PL' }, patron: { cardNumber: a } });

    const queue = (await ok(CircHoldQueueDocument, { recordId: rec }, tokens.pl)).holdQueue;
    expect(queue.map((h) => [h.id, h.queuePosition])).toEqual([[ha.id, 1], [hb.id, 2], [hc.id, 3]]);
    const mine = (await myAccount(await patronToken(c))).holds;
    expect(mine).toEqual([expect.objectContaining({ id: hc.id, queuePosition: 3, pickupLibrary: { code: 'BDI-TS' } })]);
  });

  test('an item-level hold is filled by that copy only', async () => {
    const rec = await newTitle();
    const wanted = await newCopy(rec, 'BDI-PL');
    const otherCopy = await newCopy(rec, 'BDI-PL');
    const [x, y, waiter] = [await newPatron('BDI-PL'), await newPatron('BDI-PL'), await newPatron('BDI-PL')];
    await lend(wanted.barcode, x);
    await lend(otherCopy.barcode, y);
    const h = await hold({ itemId: wanted.id, pickupLibraryCode: 'BDI-PL', cardNumber: waiter });
    expect(h).toMatchObject({ status: 'WAITING', queuePosition: 1, item: { barcode: wanted.barcode }, record: { id: rec } });

    expect(as(await checkin(otherCopy.barcode), 'CheckinOutcome')).toMatchObject({ action: 'RESHELVE' });
    expect(await holdStatus(h.id)).toBe('WAITING');
    expect(as(await checkin(wanted.barcode), 'CheckinOutcome')).toMatchObject({ action: 'HOLD_SHELF', hold: { id: h.id } });
  });

  test('a copy that may not leave its library fills only holds for pickup there', async () => {
    const rec = await newTitle();
    // not lendable to other libraries; and a commune library that does not lend to the network
    const local = await newCopy(rec, 'BDI-PL', { lendable: false });
    const commune = await newCopy(rec, 'BDI-TS-BTH');
    await lend(local.barcode, await newPatron('BDI-PL'));
    await lend(commune.barcode, await newPatron('BDI-PL'), tokens.admin);
    const atTs = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS', cardNumber: await newPatron('BDI-TS') }, tokens.ts);
    const atPl = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: await newPatron('BDI-PL') });

    // the first hold waits for pickup at BDI-TS: the BDI-PL reference-only copy serves the second
    expect(as(await checkin(local.barcode), 'CheckinOutcome')).toMatchObject({ action: 'HOLD_SHELF', hold: { id: atPl.id }, destinationLibrary: { code: 'BDI-PL' } });
    // the commune copy returned at BDI-TS itself still goes home
    const back = as(await checkin(commune.barcode, tokens.ts), 'CheckinOutcome');
    expect(back).toMatchObject({ action: 'TRANSIT', hold: null, destinationLibrary: { code: 'BDI-TS-BTH' }, transit: { reason: 'RETURN_HOME' } });
    expect(await holdStatus(atTs.id)).toBe('WAITING');
  });

  test('HOLDS_NOT_ALLOWED where the policy forbids holds (pickup at BDI-AN)', async () => {
    const { rec } = await busyTitle();
    const card = await newPatron('BDI-PL');
    // signing in is audited itself: before counting
    const token = await patronToken(card);
    const before = await rowCounts();
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-AN' }, token)).toMatchObject({
      __typename: 'HoldsNotAllowedError',
      errorCode: 'HOLDS_NOT_ALLOWED',
    });
    expect(await rowCounts()).toEqual(before);
  });

  test('HOLD_LIMIT_REACHED at the policy limit (2 holds for pickup at BDI-QN)', async () => {
    const titles = [await busyTitle(), await busyTitle(), await busyTitle()];
    const token = await patronToken(await newPatron('BDI-PL'));
    await hold({ recordId: titles[0].rec, pickupLibraryCode: 'BDI-QN' }, token);
    await hold({ recordId: titles[1].rec, pickupLibraryCode: 'BDI-QN' }, token);
    expect(await placeHold({ recordId: titles[2].rec, pickupLibraryCode: 'BDI-QN' }, token)).toMatchObject({
      __typename: 'HoldLimitReachedError',
      errorCode: 'HOLD_LIMIT_REACHED',
      limit: 2,
    });
  });

  test('ALREADY_ON_LOAN_TO_PATRON when the patron has a copy of the title', async () => {
    const { rec, borrower } = await busyTitle();
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, await patronToken(borrower))).toMatchObject({
      __typename: 'AlreadyOnLoanToPatronError',
      errorCode: 'ALREADY_ON_LOAN_TO_PATRON',
    });
  });

  test('DUPLICATE_HOLD for a second active hold on the same title (title- or copy-level)', async () => {
    const { rec, copy } = await busyTitle();
    const token = await patronToken(await newPatron('BDI-PL'));
    await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, token);
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, token)).toMatchObject({ __typename: 'DuplicateHoldError', errorCode: 'DUPLICATE_HOLD' });
    expect(await placeHold({ itemId: copy.id, pickupLibraryCode: 'BDI-PL' }, token)).toMatchObject({ errorCode: 'DUPLICATE_HOLD' });
  });

  test('a patron places holds for themself only; staff of another library cannot hold for a patron not theirs', async () => {
    const { rec } = await busyTitle();
    const [me, other] = [await newPatron('BDI-PL'), await newPatron('BDI-PL')];
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: other }, await patronToken(me))).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: other }, tokens.ts)).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await thrownCode(CircPlaceHoldDocument, { recordId: rec, pickupLibraryCode: 'BDI-PL' }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-XX', cardNumber: other })).toMatchObject({ errorCode: 'UNKNOWN_LIBRARY' });
  });

  test('cancelHold: the holds behind move up; a cancelled hold cannot be cancelled again', async () => {
    const { rec } = await busyTitle();
    const tokensOf = [await patronToken(await newPatron('BDI-PL')), await patronToken(await newPatron('BDI-PL')), await patronToken(await newPatron('BDI-PL'))];
    const holds = [];
    for (const t of tokensOf) holds.push(await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, t));

    const cancelled = (await ok(CircCancelHoldDocument, { holdId: holds[0].id }, tokensOf[0])).cancelHold;
    expect(cancelled).toMatchObject({ __typename: 'Hold', status: 'CANCELLED', queuePosition: null });
    const queue = (await ok(CircHoldQueueDocument, { recordId: rec }, tokens.pl)).holdQueue;
    expect(queue.map((h) => [h.id, h.queuePosition])).toEqual([[holds[1].id, 1], [holds[2].id, 2]]);
    expect((await myAccount(tokensOf[2])).holds[0].queuePosition).toBe(2);
    expect((await myAccount(tokensOf[0])).holds).toEqual([]);

    expect((await ok(CircCancelHoldDocument, { holdId: holds[0].id }, tokensOf[0])).cancelHold).toMatchObject({
      __typename: 'HoldNotChangeableError',
      errorCode: 'HOLD_NOT_CHANGEABLE',
      holdStatus: 'CANCELLED',
    });
    // someone else's hold is not found for another patron
    expect((await ok(CircCancelHoldDocument, { holdId: holds[1].id }, tokensOf[2])).cancelHold).toMatchObject({ errorCode: 'HOLD_NOT_FOUND' });
    expect(await holdStatus(holds[1].id)).toBe('WAITING');
  });

  test('updateHoldPickupLibrary moves a waiting hold only', async () => {
    const { rec, copy } = await busyTitle();
    const token = await patronToken(await newPatron('BDI-PL'));
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, token);
    const moved = (await ok(CircUpdateHoldPickupDocument, { holdId: h.id, pickupLibraryCode: 'BDI-TS' }, token)).updateHoldPickupLibrary;
    expect(moved).toMatchObject({ __typename: 'Hold', status: 'WAITING', pickupLibrary: { code: 'BDI-TS' }, queuePosition: 1 });
    expect((await ok(CircUpdateHoldPickupDocument, { holdId: h.id, pickupLibraryCode: 'BDI-ZZ' }, token)).updateHoldPickupLibrary).toMatchObject({ errorCode: 'UNKNOWN_LIBRARY' });

    // the copy comes back at BDI-TS: the hold is on the shelf there and can no longer move
    expect(as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome')).toMatchObject({ action: 'HOLD_SHELF', destinationLibrary: { code: 'BDI-TS' } });
    const refused = (await ok(CircUpdateHoldPickupDocument, { holdId: h.id, pickupLibraryCode: 'BDI-PL' }, token)).updateHoldPickupLibrary;
    expect(refused).toMatchObject({ __typename: 'HoldNotChangeableError', errorCode: 'HOLD_NOT_CHANGEABLE', holdStatus: 'READY_FOR_PICKUP' });
  });

  test('a suspended hold is skipped and keeps its place; cancelling a ready hold passes the copy on, then home', async () => {
    const { rec, copy } = await busyTitle('BDI-PL');
    const cards = [await newPatron('BDI-PL'), await newPatron('BDI-TS'), await newPatron('BDI-TS')];
    const tk = [await patronToken(cards[0]), await patronToken(cards[1]), await patronToken(cards[2])];
    const h1 = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, tk[0]);
    const h2 = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, tk[1]);
    const h3 = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, tk[2]);
    const until = new Date(Date.now() + 10 * 86400_000).toISOString();
    const suspended = (await ok(CircSuspendHoldDocument, { holdId: h1.id, until }, tk[0])).suspendHold;
    expect(suspended).toMatchObject({ __typename: 'Hold', status: 'WAITING', queuePosition: 1 });
    expect(new Date((suspended as { suspendedUntil: string }).suspendedUntil).toISOString()).toBe(until);

    // returned at BDI-TS: the suspended first hold is skipped, the second is ready there
    const out = as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome');
    expect(out).toMatchObject({ action: 'HOLD_SHELF', hold: { id: h2.id, status: 'READY_FOR_PICKUP' }, item: { status: 'ON_HOLD_SHELF' } });
    expect((await myAccount(tk[0])).holds).toEqual([expect.objectContaining({ id: h1.id, status: 'WAITING', queuePosition: 1 })]);
    expect((await myAccount(tk[2])).holds).toEqual([expect.objectContaining({ id: h3.id, status: 'WAITING', queuePosition: 2 })]);

    // the second patron cancels: the copy goes to the third (still skipping the suspended one)
    expect((await ok(CircCancelHoldDocument, { holdId: h2.id }, tk[1])).cancelHold).toMatchObject({ status: 'CANCELLED' });
    expect(await holdStatus(h3.id)).toBe('READY_FOR_PICKUP');
    expect((await myAccount(tk[2])).holds).toEqual([expect.objectContaining({ id: h3.id, status: 'READY_FOR_PICKUP', capturedItem: { barcode: copy.barcode, status: 'ON_HOLD_SHELF' } })]);
    expect(await holdStatus(h1.id)).toBe('WAITING');

    // BDI-TS staff cancel the third: only the suspended hold is left, so the copy travels home to BDI-PL
    expect((await ok(CircCancelHoldDocument, { holdId: h3.id }, tokens.ts)).cancelHold).toMatchObject({ status: 'CANCELLED' });
    expect(await itemStatus(copy.barcode)).toBe('IN_TRANSIT');
    const incoming = (await ok(CircTransitsDocument, { libraryCode: 'BDI-PL', direction: 'INCOMING', first: 100 }, tokens.pl)).transits;
    expect(incoming.find((t) => t.item.barcode === copy.barcode)).toMatchObject({ reason: 'RETURN_HOME', fromLibrary: { code: 'BDI-TS' } });
    expect(await holdStatus(h1.id)).toBe('WAITING');

    // resumed, the first hold is filled by the next return
    expect((await ok(CircSuspendHoldDocument, { holdId: h1.id, until: null }, tk[0])).suspendHold).toMatchObject({ suspendedUntil: null });
    expect(as(await receive(copy.barcode, tokens.pl), 'CheckinOutcome')).toMatchObject({ action: 'TRANSIT', hold: { id: h1.id }, destinationLibrary: { code: 'BDI-TS' } });
  });

  test('suspendHold with a time in the past or not a time is BAD_USER_INPUT; only WAITING holds suspend', async () => {
    const { rec } = await busyTitle();
    const token = await patronToken(await newPatron('BDI-PL'));
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, token);
    expect(await thrownCode(CircSuspendHoldDocument, { holdId: h.id, until: new Date(Date.now() - 3600_000).toISOString() }, token)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircSuspendHoldDocument, { holdId: h.id, until: 'next tuesday' }, token)).toBe('BAD_USER_INPUT');
    expect(await holdStatus(h.id)).toBe('WAITING');
    const rows = await env.sql<{ suspended_until: Date | null }>(dbUrl, 'select suspended_until from holds where id = $1', [localId(h.id)]);
    expect(rows[0].suspended_until).toBeNull();
    await ok(CircCancelHoldDocument, { holdId: h.id }, token);
    expect((await ok(CircSuspendHoldDocument, { holdId: h.id, until: new Date(Date.now() + 86400_000).toISOString() }, token)).suspendHold).toMatchObject({
      errorCode: 'HOLD_NOT_CHANGEABLE',
    });
  });
});

describe('my account and desk lists', () => {
  test('me.loans by status: OVERDUE and ACTIVE; me.holds with queue position and pickup library', async () => {
    const rec1 = await newTitle();
    const rec2 = await newTitle();
    const c1 = await newCopy(rec1, 'BDI-PL');
    const c2 = await newCopy(rec2, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const token = await patronToken(card);
    const late = await lend(c1.barcode, card);
    const onTime = await lend(c2.barcode, card);
    await dueDaysAgo(late.id, 2);

    const all = await myAccount(token);
    expect(all.loans.map((l) => [l.id, l.status])).toEqual([[late.id, 'OVERDUE'], [onTime.id, 'ACTIVE']]);
    expect((await myAccount(token, { status: 'OVERDUE' })).loans.map((l) => l.id)).toEqual([late.id]);
    expect((await myAccount(token, { status: 'ACTIVE' })).loans.map((l) => l.id)).toEqual([onTime.id]);

    const busy = await newTitle();
    const busyCopy = await newCopy(busy, 'BDI-TS');
    await lend(busyCopy.barcode, await newPatron('BDI-TS'), tokens.ts);
    await hold({ recordId: busy, pickupLibraryCode: 'BDI-TS', cardNumber: await newPatron('BDI-TS') }, tokens.ts);
    const h = await hold({ recordId: busy, pickupLibraryCode: 'BDI-TS' }, token);
    const holds = (await myAccount(token)).holds;
    expect(holds).toEqual([expect.objectContaining({ id: h.id, status: 'WAITING', queuePosition: 2, pickupLibrary: { code: 'BDI-TS' } })]);

    // staff have no patron account
    expect(await myAccount(tokens.pl)).toMatchObject({ kind: 'STAFF', patron: null, loans: [], holds: [], finesOwed: 0 });
  });

  test('loanHistory pages through returned loans, newest first; open loans are not in it', async () => {
    const card = await newPatron('BDI-PL');
    const token = await patronToken(card);
    const barcodes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const copy = await newCopy(await newTitle(), 'BDI-PL');
      await lend(copy.barcode, card);
      await checkin(copy.barcode);
      barcodes.push(copy.barcode);
    }
    const open = await newCopy(await newTitle(), 'BDI-PL');
    await lend(open.barcode, card);

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = (await myAccount(token, { historyFirst: 2, historyAfter: after })).loanHistory;
      pages++;
      seen.push(...page.edges.map((e) => e.node.item.barcode));
      expect(page.edges.every((e) => e.node.returnedAt !== null)).toBe(true);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual([...barcodes].reverse());
  });

  test('a patron who opts out of history: returned loans are anonymised in the database and leave the history', async () => {
    const card = await newPatron('BDI-PL');
    const token = await patronToken(card);
    const kept = await newCopy(await newTitle(), 'BDI-PL');
    await lend(kept.barcode, card);
    await checkin(kept.barcode);

    const opted = await ok(CircUpdatePatronDocument, { input: { cardNumber: card, keepLoanHistory: false } }, tokens.pl);
    expect(opted.updatePatron).toMatchObject({ keepLoanHistory: false });
    const copy = await newCopy(await newTitle(), 'BDI-PL');
    const loan = await lend(copy.barcode, card);
    const out = as(await checkin(copy.barcode), 'CheckinOutcome');
    expect(out.loan).toMatchObject({ id: loan.id });

    const rows = await env.sql<{ patron_id: string | null; returned_at: Date | null }>(dbUrl, 'select patron_id, returned_at from loans where id = $1', [localId(loan.id)]);
    expect(rows[0].patron_id).toBeNull();
    expect(rows[0].returned_at).not.toBeNull();
    const history = (await myAccount(token, { historyFirst: 10 })).loanHistory.edges.map((e) => e.node.item.barcode);
    expect(history).toEqual([kept.barcode]);
    const staffView = (await ok(CircNodeDocument, { id: loan.id }, tokens.pl)).node;
    expect(staffView).toMatchObject({ __typename: 'Loan', id: loan.id });
  });

  test('loans(filter) for a desk: pages by due date without gaps, overdue and dueBefore filters', async () => {
    // a few loans of our own at BDI-TS, one of them overdue
    const card = await newPatron('BDI-TS');
    const own: string[] = [];
    for (let i = 0; i < 3; i++) {
      const copy = await newCopy(await newTitle(), 'BDI-TS');
      own.push((await lend(copy.barcode, card, tokens.ts)).id);
    }
    await dueDaysAgo(own[0], 4);
    const ts = (await env.sql<{ id: string }>(dbUrl, `select id from libraries where code = 'BDI-TS'`))[0].id;
    const open = await env.sql<{ id: string; overdue: boolean }>(dbUrl, `select id, due_at < now() overdue from loans where library_id = $1 and returned_at is null`, [ts]);

    async function walk(filter: { libraryCode: string; overdue?: boolean; dueBefore?: string }) {
      const nodes: { id: string; dueAt: string; library: { code: string } }[] = [];
      let after: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page = (await ok(CircLoansDocument, { filter, first: 2, after }, tokens.ts)).loans;
        nodes.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
      return nodes;
    }
    const all = await walk({ libraryCode: 'BDI-TS' });
    expect(all.map((l) => localId(l.id)).sort((a, b) => a - b)).toEqual(open.map((r) => Number(r.id)).sort((a, b) => a - b));
    expect(all.every((l) => l.library.code === 'BDI-TS')).toBe(true);
    const dues = all.map((l) => new Date(l.dueAt).getTime());
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(all.map((l) => l.id)).toEqual(expect.arrayContaining(own));

    const overdue = await walk({ libraryCode: 'BDI-TS', overdue: true });
    expect(overdue.map((l) => localId(l.id)).sort()).toEqual(open.filter((r) => r.overdue).map((r) => Number(r.id)).sort());
    expect(overdue.map((l) => l.id)).toContain(own[0]);
    const notYet = await walk({ libraryCode: 'BDI-TS', overdue: false });
    expect(notYet.length + overdue.length).toBe(all.length);

    const cut = new Date(Date.now() + 10 * 86400_000).toISOString();
    const dueSoon = await walk({ libraryCode: 'BDI-TS', dueBefore: cut });
    expect(dueSoon.length).toBe(all.filter((l) => l.dueAt < cut).length);
    expect(dueSoon.every((l) => new Date(l.dueAt).getTime() < Date.parse(cut))).toBe(true);

    // another library's desk list is not for BDI-TS staff; a network admin sees any
    expect(await thrownCode(CircLoansDocument, { filter: { libraryCode: 'BDI-PL' } }, tokens.ts)).toBe('FORBIDDEN');
    expect((await ok(CircLoansDocument, { filter: { libraryCode: 'BDI-TS' }, first: 100 }, tokens.admin)).loans.edges.length).toBe(all.length);
  });

  test('holdShelf and transits are for the staff of that library', async () => {
    expect(await thrownCode(CircHoldShelfDocument, { libraryCode: 'BDI-PL' }, tokens.ts)).toBe('FORBIDDEN');
    expect(await thrownCode(CircTransitsDocument, { libraryCode: 'BDI-PL', direction: 'INCOMING' }, tokens.ts)).toBe('FORBIDDEN');
    expect(await thrownCode(CircHoldShelfDocument, { libraryCode: 'BDI-PL' }, null)).toBe('UNAUTHENTICATED');
    // the demo shelf of BDI-PL holds the copy waiting for PL-000001
    const shelf = (await ok(CircHoldShelfDocument, { libraryCode: 'BDI-PL' }, tokens.pl)).holdShelf;
    expect(shelf.find((h) => h.capturedItem?.barcode === 'BDI-PL-000393')).toMatchObject({ status: 'READY_FOR_PICKUP', patron: { cardNumber: 'PL-000001' } });
    const expiries = shelf.map((h) => h.shelfExpiresAt!);
    expect(expiries).toEqual([...expiries].sort());
  });

  test('circulationPolicy: the network default where a library set nothing, the library rule where it did', async () => {
    const def = (await ok(CircPolicyDocument, { libraryCode: 'BDI-HN', category: 'ADULT' })).circulationPolicy;
    expect(def).toEqual({
      librarySpecific: false,
      loanDays: 14,
      maxRenewals: 2,
      maxLoans: 10,
      maxHolds: 10,
      holdShelfDays: 7,
      holdsAllowed: true,
      finePerDay: 0,
      renewOverdueMaxDays: 30,
    });
    const ts = (await ok(CircPolicyDocument, { libraryCode: 'BDI-TS', category: 'CHILD', format: 'VIDEO' })).circulationPolicy;
    expect(ts).toMatchObject({ librarySpecific: true, loanDays: 21, finePerDay: 2000, holdShelfDays: 5 });
    expect((await ok(CircPolicyDocument, { libraryCode: 'BDI-PL', category: 'INSTITUTION' })).circulationPolicy).toMatchObject({ librarySpecific: true, maxLoans: 2 });
    expect((await ok(CircPolicyDocument, { libraryCode: 'BDI-PL', category: 'ADULT' })).circulationPolicy).toMatchObject({ librarySpecific: false, maxLoans: 10 });
    expect(await thrownCode(CircPolicyDocument, { libraryCode: 'NOPE-LIB', category: 'ADULT' })).toBe('BAD_USER_INPUT');
  });
});

describe('availability in the catalog follows circulation at once', () => {
  test('record and holdings counts drop at checkout, stay down in transit, and come back on the shelf', async () => {
    const rec = await newTitle();
    const a = await newCopy(rec, 'BDI-PL');
    await newCopy(rec, 'BDI-PL');
    await newCopy(rec, 'BDI-TS');
    const counts = async () => {
      const r = (await ok(CircAvailabilityDocument, { id: rec })).record!;
      const by = Object.fromEntries(r.holdings.map((h) => [h.library.code, h.availableCount]));
      return { all: r.availableCount, pl: by['BDI-PL'], ts: by['BDI-TS'] };
    };
    expect(await counts()).toEqual({ all: 3, pl: 2, ts: 1 });
    await lend(a.barcode, await newPatron('BDI-PL'));
    expect(await counts()).toEqual({ all: 2, pl: 1, ts: 1 });
    await checkin(a.barcode, tokens.ts); // travels home
    expect(await counts()).toEqual({ all: 2, pl: 1, ts: 1 });
    await receive(a.barcode, tokens.pl);
    expect(await counts()).toEqual({ all: 3, pl: 2, ts: 1 });
  });
});

describe('bad input and desks of other libraries', () => {
  test('malformed barcodes, cards and ids are BAD_USER_INPUT and write nothing', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const before = await rowCounts();
    expect(await thrownCode(CircCheckoutDocument, { barcode: 'not a barcode!', cardNumber: card }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircCheckoutDocument, { barcode: '', cardNumber: card }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircCheckoutDocument, { barcode: copy.barcode, cardNumber: 'x' }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircCheckoutDocument, { barcode: copy.barcode, cardNumber: "PL-1'; drop table loans; --" }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircCheckinDocument, { barcode: 'x'.repeat(200) }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircRenewDocument, { loanId: 'not-an-id' }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircRenewDocument, { loanId: rec }, tokens.pl)).toBe('BAD_USER_INPUT'); // a record's id
    expect(await thrownCode(CircCancelHoldDocument, { holdId: Buffer.from('Hold:abc').toString('base64url') }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircPlaceHoldDocument, { recordId: copy.id, pickupLibraryCode: 'BDI-PL', cardNumber: card }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircPlaceHoldDocument, { recordId: rec, itemId: copy.id, pickupLibraryCode: 'BDI-PL', cardNumber: card }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircPlaceHoldDocument, { pickupLibraryCode: 'BDI-PL', cardNumber: card }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircLoansDocument, { filter: { libraryCode: 'BDI-PL', dueBefore: '31/12/2030' } }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircLoansDocument, { filter: { libraryCode: 'BDI-PL' }, after: 'bm90LWEtY3Vyc29y' }, tokens.pl)).toBe('BAD_USER_INPUT');
    expect(await rowCounts()).toEqual(before);
  });

  test('unknown copies, cards, loans and holds give typed errors, not exceptions', async () => {
    const card = await newPatron('BDI-PL');
    expect(await checkout('CT-UNKNOWN-1', card)).toMatchObject({ errorCode: 'ITEM_NOT_FOUND' });
    expect(await checkin('CT-UNKNOWN-1')).toMatchObject({ errorCode: 'ITEM_NOT_FOUND' });
    expect(await receive('CT-UNKNOWN-1', tokens.pl)).toMatchObject({ errorCode: 'ITEM_NOT_FOUND' });
    const ghostLoan = Buffer.from('Loan:987654321').toString('base64url');
    const ghostHold = Buffer.from('Hold:987654321').toString('base64url');
    expect((await ok(CircRenewDocument, { loanId: ghostLoan }, tokens.pl)).renewLoan).toMatchObject({ errorCode: 'LOAN_NOT_FOUND' });
    expect((await ok(CircCancelHoldDocument, { holdId: ghostHold }, tokens.pl)).cancelHold).toMatchObject({ errorCode: 'HOLD_NOT_FOUND' });
    expect((await ok(CircSuspendHoldDocument, { holdId: ghostHold, until: null }, tokens.pl)).suspendHold).toMatchObject({ errorCode: 'HOLD_NOT_FOUND' });
    expect(await placeHold({ recordId: Buffer.from('BibliographicRecord:987654321').toString('base64url'), pickupLibraryCode: 'BDI-PL', cardNumber: card })).toMatchObject({
      errorCode: 'RECORD_NOT_FOUND',
    });
    expect(await placeHold({ itemId: Buffer.from('Item:987654321').toString('base64url'), pickupLibraryCode: 'BDI-PL', cardNumber: card })).toMatchObject({
      errorCode: 'ITEM_NOT_FOUND',
    });
    expect(await placeHold({ recordId: await newTitle(), pickupLibraryCode: 'BDI-PL', cardNumber: 'PL-999998' })).toMatchObject({ errorCode: 'PATRON_NOT_FOUND' });
  });

  test('desk work needs a staff sign-in: anonymous callers must sign in, signed-in patrons are forbidden', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const patron = await patronToken(card);
    const before = await rowCounts();
    expect(await thrownCode(CircCheckoutDocument, { barcode: copy.barcode, cardNumber: card }, null)).toBe('UNAUTHENTICATED');
    expect(await thrownCode(CircCheckinDocument, { barcode: copy.barcode }, null)).toBe('UNAUTHENTICATED');
    expect(await thrownCode(CircCheckoutDocument, { barcode: copy.barcode, cardNumber: card }, patron)).toBe('FORBIDDEN');
    expect(await thrownCode(CircCheckinDocument, { barcode: copy.barcode }, patron)).toBe('FORBIDDEN');
    expect(await thrownCode(CircReceiveTransitDocument, { barcode: copy.barcode }, patron)).toBe('FORBIDDEN');
    expect(await thrownCode(CircHoldQueueDocument, { recordId: rec }, patron)).toBe('FORBIDDEN');
    expect(await thrownCode(CircLoansDocument, { filter: { libraryCode: 'BDI-PL' } }, patron)).toBe('FORBIDDEN');
    const input = { cardNumber: `PLT-${uid()}`, fullName: 'Tự Đăng Ký', homeLibraryCode: 'BDI-PL', category: 'ADULT' as const, expiresOn: '2030-01-01' };
    expect(await thrownCode(CircCreatePatronDocument, { input }, patron)).toBe('FORBIDDEN');
    expect(await thrownCode(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: false } }, patron)).toBe('FORBIDDEN');
    expect(await rowCounts()).toEqual(before);
  });

  test('BDI-TS staff cannot lend or renew for the BDI-PL desk, but may check a BDI-PL copy in at BDI-TS', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    let before = await rowCounts();
    expect(await checkout(copy.barcode, card, tokens.ts)).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await rowCounts()).toEqual(before);

    const loan = await lend(copy.barcode, card);
    before = await rowCounts();
    expect((await ok(CircRenewDocument, { loanId: loan.id }, tokens.ts)).renewLoan).toMatchObject({ errorCode: 'LOAN_NOT_FOUND' });
    // naming another library's desk is refused too
    expect(await checkin(copy.barcode, tokens.ts, 'BDI-PL')).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await receive(copy.barcode, tokens.ts, 'BDI-PL')).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await rowCounts()).toEqual(before);
    expect(await itemStatus(copy.barcode)).toBe('ON_LOAN');

    expect(as(await checkin(copy.barcode, tokens.ts), 'CheckinOutcome')).toMatchObject({ action: 'TRANSIT', loan: { id: loan.id, checkinLibrary: { code: 'BDI-TS' } } });
  });

  test('a network admin must name the desk library to check in', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await lend(copy.barcode, await newPatron('BDI-PL'));
    const before = await rowCounts();
    expect(await thrownCode(CircCheckinDocument, { barcode: copy.barcode }, tokens.admin)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircCheckinDocument, { barcode: copy.barcode, libraryCode: 'NOPE-LIB' }, tokens.admin)).toBe('BAD_USER_INPUT');
    expect(await thrownCode(CircReceiveTransitDocument, { barcode: copy.barcode }, tokens.admin)).toBe('BAD_USER_INPUT');
    expect(await rowCounts()).toEqual(before);
    expect(as(await checkin(copy.barcode, tokens.admin, 'BDI-PL'), 'CheckinOutcome')).toMatchObject({ action: 'RESHELVE', loan: { checkinLibrary: { code: 'BDI-PL' } } });
  });
});

describe('audit and outbox', () => {
  interface Row {
    xmin: string;
  }

  /** Audit rows and events of one object, with the id of the transaction that wrote each. */
  async function trail(entity: string, id: number) {
    const audit = await env.sql<Row & { action: string; actor_account_id: string | null; actor_patron_id: string | null; library_id: string; before: unknown; after: unknown }>(
      dbUrl,
      `select xmin::text, action, actor_account_id, actor_patron_id, library_id, before, after from audit_log where entity = $1 and entity_id = $2 order by id`,
      [entity, id],
    );
    const events = await env.sql<Row & { type: string; seq: string; payload: Record<string, unknown> }>(
      dbUrl,
      `select xmin::text, type, seq, payload from events where entity = $1 and entity_id = $2 order by seq`,
      [entity, id],
    );
    return { audit, events };
  }

  const libraryId = async (code: string) => (await env.sql<{ id: string }>(dbUrl, 'select id from libraries where code = $1', [code]))[0].id;
  const accountId = async (username: string) => (await env.sql<{ id: string }>(dbUrl, 'select id from accounts where username = $1', [username]))[0].id;

  test('a checkout writes the loan, an audit row and loan.created + item.status_changed events in one transaction', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const loan = await lend(copy.barcode, await newPatron('BDI-PL'));
    const loanRow = await env.sql<Row>(dbUrl, 'select xmin::text from loans where id = $1', [localId(loan.id)]);
    const { audit, events } = await trail('Loan', localId(loan.id));
    expect(audit).toEqual([
      expect.objectContaining({ action: 'checkoutItem', actor_account_id: await accountId('librarian.bdi-pl'), library_id: await libraryId('BDI-PL'), xmin: loanRow[0].xmin }),
    ]);
    expect(audit[0].before).toEqual({ itemStatus: 'AVAILABLE' });
    expect(audit[0].after).toMatchObject({ itemStatus: 'ON_LOAN' });
    expect(events).toEqual([expect.objectContaining({ type: 'loan.created', xmin: loanRow[0].xmin })]);
    const itemEvents = await trail('Item', localId(copy.id));
    expect(itemEvents.events.filter((e) => e.xmin === loanRow[0].xmin)).toEqual([expect.objectContaining({ type: 'item.status_changed', payload: expect.objectContaining({ before: 'AVAILABLE', after: 'ON_LOAN' }) })]);
  });

  test('a checkin writes its audit row and loan.returned event in one transaction', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const loan = await lend(copy.barcode, await newPatron('BDI-PL'));
    await checkin(copy.barcode, tokens.ts);
    const returned = await trail('Loan', localId(loan.id));
    const returnEvent = returned.events.find((e) => e.type === 'loan.returned')!;
    expect(returnEvent).toBeDefined();
    const item = await trail('Item', localId(copy.id));
    const checkinAudit = item.audit.filter((a) => a.action === 'checkinItem');
    expect(checkinAudit).toEqual([expect.objectContaining({ xmin: returnEvent.xmin, actor_account_id: await accountId('librarian.bdi-ts'), library_id: await libraryId('BDI-TS') })]);
    expect(checkinAudit[0].before).toEqual({ itemStatus: 'ON_LOAN' });
    expect(checkinAudit[0].after).toMatchObject({ itemStatus: 'IN_TRANSIT', action: 'TRANSIT' });
    const loanRow = await env.sql<Row>(dbUrl, 'select xmin::text from loans where id = $1', [localId(loan.id)]);
    expect(loanRow[0].xmin).toBe(returnEvent.xmin);
    const transitEvents = await env.sql<Row>(dbUrl, `select xmin::text from events where type = 'transit.started' and (payload->>'itemId')::bigint = $1`, [localId(copy.id)]);
    expect(transitEvents).toEqual([{ xmin: returnEvent.xmin }]);
  });

  test('a hold placed by a patron writes an audit row naming the patron and a hold.placed event in one transaction', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await lend(copy.barcode, await newPatron('BDI-PL'));
    const card = await newPatron('BDI-PL');
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-TS' }, await patronToken(card));
    const holdRow = await env.sql<Row>(dbUrl, 'select xmin::text from holds where id = $1', [localId(h.id)]);
    const patronId = (await env.sql<{ id: string }>(dbUrl, 'select id from patrons where card_number = $1', [card]))[0].id;
    const { audit, events } = await trail('Hold', localId(h.id));
    expect(audit).toEqual([expect.objectContaining({ action: 'placeHold', actor_account_id: null, actor_patron_id: patronId, library_id: await libraryId('BDI-TS'), xmin: holdRow[0].xmin })]);
    expect(events).toEqual([expect.objectContaining({ type: 'hold.placed', xmin: holdRow[0].xmin })]);
  });

  test('renewals and cancellations write an audit row and an event in one transaction; patron changes are audited', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const loan = await lend(copy.barcode, card);
    await ok(CircRenewDocument, { loanId: loan.id }, await patronToken(card));
    const renewed = await trail('Loan', localId(loan.id));
    const renewAudit = renewed.audit.find((a) => a.action === 'renewLoan')!;
    expect(renewAudit).toBeDefined();
    expect(renewed.events.filter((e) => e.type === 'loan.renewed').map((e) => e.xmin)).toEqual([renewAudit.xmin]);

    const waiter = await patronToken(await newPatron('BDI-PL'));
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, waiter);
    await ok(CircCancelHoldDocument, { holdId: h.id }, waiter);
    const cancelled = await trail('Hold', localId(h.id));
    const cancelAudit = cancelled.audit.find((a) => a.action === 'cancelHold')!;
    expect(cancelled.events.filter((e) => e.type === 'hold.cancelled').map((e) => e.xmin)).toEqual([cancelAudit.xmin]);

    await ok(CircUpdatePatronDocument, { input: { cardNumber: card, blocked: true, blockReason: 'Kiểm kê' } }, tokens.plAdmin);
    const patronId = Number((await env.sql<{ id: string }>(dbUrl, 'select id from patrons where card_number = $1', [card]))[0].id);
    const patronTrail = await trail('Patron', patronId);
    // sign-ins are audited too (loginPatron); the changes are these two
    const changes = patronTrail.audit.filter((a) => !String(a.action).startsWith('login'));
    expect(changes.map((a) => a.action)).toEqual(['createPatron', 'updatePatron']);
    expect(changes[1]).toMatchObject({ actor_account_id: await accountId('admin.bdi-pl'), before: { status: 'ACTIVE' }, after: { status: 'BLOCKED' } });
  });

  test('receiving a transit, suspending a hold and moving its pickup each pair an audit row with an event', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    await lend(copy.barcode, await newPatron('BDI-PL'));
    const token = await patronToken(await newPatron('BDI-PL'));
    const h = await hold({ recordId: rec, pickupLibraryCode: 'BDI-PL' }, token);
    await ok(CircSuspendHoldDocument, { holdId: h.id, until: new Date(Date.now() + 86400_000).toISOString() }, token);
    await ok(CircUpdateHoldPickupDocument, { holdId: h.id, pickupLibraryCode: 'BDI-TS' }, token);
    await checkin(copy.barcode, tokens.ts);
    await receive(copy.barcode, tokens.pl);

    const holdTrail = await trail('Hold', localId(h.id));
    for (const [action, type] of [['suspendHold', 'hold.suspended'], ['updateHoldPickupLibrary', 'hold.pickup_changed']]) {
      const a = holdTrail.audit.find((r) => r.action === action)!;
      expect(a).toBeDefined();
      expect(holdTrail.events.filter((e) => e.type === type).map((e) => e.xmin)).toEqual([a.xmin]);
    }
    const received = (await trail('Item', localId(copy.id))).audit.find((a) => a.action === 'receiveTransit')!;
    expect(received).toMatchObject({ library_id: await libraryId('BDI-PL') });
    const events = await env.sql<{ type: string }>(dbUrl, 'select type from events where xmin::text = $1 order by seq', [received.xmin]);
    expect(events.map((e) => e.type)).toEqual(['transit.received', 'item.status_changed']);
  });

  test('audit rows cannot be changed or deleted', async () => {
    await expect(env.sql(dbUrl, `update audit_log set action = 'tampered' where id = (select max(id) from audit_log)`)).rejects.toThrow(/immutable/);
    await expect(env.sql(dbUrl, `delete from audit_log where id = (select max(id) from audit_log)`)).rejects.toThrow(/immutable/);
  });

  test('refused operations write neither an audit row nor an event', async () => {
    const rec = await newTitle();
    const copy = await newCopy(rec, 'BDI-PL');
    const card = await newPatron('BDI-PL');
    const other = await newPatron('BDI-PL');
    await lend(copy.barcode, card);
    const before = await rowCounts();
    expect(await checkout(copy.barcode, other)).toMatchObject({ errorCode: 'ITEM_NOT_AVAILABLE' });
    expect(await checkout(copy.barcode, other, tokens.ts)).toMatchObject({ errorCode: 'NOT_PERMITTED' });
    expect(await checkout('CT-UNKNOWN-2', other)).toMatchObject({ errorCode: 'ITEM_NOT_FOUND' });
    expect(await placeHold({ recordId: rec, pickupLibraryCode: 'BDI-PL', cardNumber: card })).toMatchObject({ errorCode: 'ALREADY_ON_LOAN_TO_PATRON' });
    expect(await rowCounts()).toEqual(before);
  });
});
