import {
  CataloguingAddItemDocument,
  CataloguingCreateRecordDocument,
  CataloguingItemDocument,
  CataloguingLibrariesDocument,
  CataloguingLibraryDocument,
  CataloguingMergeRecordsDocument,
  CataloguingNodeDocument,
  CataloguingRecordDocument,
  CataloguingSearchDocument,
  CataloguingUpdateItemDocument,
  CataloguingUpdateRecordDocument,
  CataloguingWithdrawItemDocument,
  type AddItemInput,
  type CataloguingHoldingsFieldsFragment,
  type CataloguingLibrariesQuery,
  type CreateRecordInput,
  type ItemStatus,
  type LibraryFilter,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer } from './support/harness';

/**
 * Cataloguing: records, copies and holdings, merges, who may do what, the audit trail, the list of
 * member libraries. One server over one fresh demo database for the whole file; every test makes
 * the records and copies it changes, so the tests do not lean on one another.
 */

const env = new TestEnv();
let api: TestServer;
let db: string;

const STAFF = ['librarian.bdi-pl', 'librarian.bdi-ts', 'admin'] as const;
type Staff = (typeof STAFF)[number];
type Viewer = 'anonymous' | Staff;
const tokens = {} as Record<Staff, string>;
const accountIds = {} as Record<Staff, number>;

beforeAll(async () => {
  db = await env.database('demo');
  api = await env.server({ dbUrl: db });
  for (const u of STAFF) tokens[u] = await api.login(u);
  const rows = await env.sql<{ id: string; username: string }>(db, 'select id, username from accounts where username = any($1)', [[...STAFF]]);
  for (const r of rows) accountIds[r.username as Staff] = Number(r.id);
});
afterAll(() => env.close());

// ---------------------------------------------------------------------------------------------
// helpers

function by(viewer: Viewer): { token: string | null } {
  return { token: viewer === 'anonymous' ? null : tokens[viewer] };
}

/** The data of a response that must have no errors. */
function data<T>(res: GqlResponse<T>): T {
  expect(res.errors).toBeUndefined();
  expect(res.data).toBeTruthy();
  return res.data!;
}

/** Narrows a result union to the expected member (the whole value shows when it is another). */
function is<T extends { __typename: string }, N extends T['__typename']>(value: T | null | undefined, typename: N): Extract<T, { __typename: N }> {
  expect(value).toMatchObject({ __typename: typename });
  return value as Extract<T, { __typename: N }>;
}

/** `extensions.code` of the first error of a refused operation (which has no data). */
function thrownCode(res: GqlResponse<unknown>): unknown {
  expect(res.errors?.length).toBeGreaterThan(0);
  return res.errors![0].extensions?.code;
}

async function count(text: string, params: unknown[] = []): Promise<number> {
  return Number((await env.sql<{ n: string }>(db, `select count(*) n from (${text}) x`, params))[0].n);
}

async function lastAuditId(): Promise<number> {
  return Number((await env.sql<{ id: string | null }>(db, 'select max(id) id from audit_log'))[0].id ?? 0);
}

let seq = 0;
/** A barcode no demo copy has (demo barcodes are `<library code>-NNNNNN`). */
function newBarcode(prefix = 'CAT'): string {
  return `T-${prefix}-${String(++seq).padStart(4, '0')}`;
}

async function createRecord(input: CreateRecordInput, viewer: Staff = 'admin') {
  const res = await api.gql(CataloguingCreateRecordDocument, { input }, by(viewer));
  return is(data(res).createRecord, 'BibliographicRecord');
}

async function addCopy(recordId: string, libraryCode: string, viewer: Staff = 'admin', extra: Partial<AddItemInput> = {}) {
  const res = await api.gql(CataloguingAddItemDocument, { input: { recordId, libraryCode, barcode: newBarcode(), ...extra } }, by(viewer));
  return is(data(res).addItem, 'Item');
}

/** Holdings as a reader sees them: counts, then per library its counts and copies (barcode:status). */
function summary(r: CataloguingHoldingsFieldsFragment) {
  return {
    totalCount: r.totalCount,
    availableCount: r.availableCount,
    libraryCount: r.libraryCount,
    holdings: r.holdings.map((h) => ({
      library: h.library.code,
      totalCount: h.totalCount,
      availableCount: h.availableCount,
      copies: h.items.edges.map((e) => `${e.node.barcode}:${e.node.status}`),
    })),
  };
}

async function readRecord(id: string, viewer: Viewer = 'anonymous') {
  const r = data(await api.gql(CataloguingRecordDocument, { id }, by(viewer))).record;
  expect(r).not.toBeNull();
  return r!;
}

async function holdingsOf(id: string) {
  return summary(await readRecord(id));
}

/** Case and Vietnamese diacritics folded away, as the API's search does. */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** The global id of a record that does not exist (ids are opaque; the test knows how they are made). */
const UNKNOWN_RECORD_ID = Buffer.from('BibliographicRecord:987654321', 'utf8').toString('base64url');

// ---------------------------------------------------------------------------------------------

describe('createRecord', () => {
  test('stores text in NFC whatever normal form the client sends', async () => {
    const nfc = {
      title: 'Truyện Kiều: bản khắc Liễu Văn Đường',
      author: 'Nguyễn Du',
      publisher: 'Nhà xuất bản Văn học',
      subject: 'Thơ Nôm',
    };
    const nfd = Object.fromEntries(Object.entries(nfc).map(([k, v]) => [k, v.normalize('NFD')])) as typeof nfc;
    expect(nfd.title).not.toBe(nfc.title); // the client really sends decomposed text

    const rec = await createRecord({
      title: nfd.title,
      contributors: [{ name: nfd.author }],
      publisher: nfd.publisher,
      subjects: [nfd.subject],
    });
    expect(rec.title).toBe(nfc.title);
    expect(rec.contributors).toEqual([{ name: nfc.author, role: 'author' }]);
    expect(rec.publisher).toBe(nfc.publisher);
    expect(rec.subjects).toEqual([nfc.subject]);

    const stored = await env.sql<{ title: string; publisher: string; contributors: { name: string }[]; subjects: string[] }>(
      db,
      'select title, publisher, contributors, subjects from bib_records where title = $1',
      [nfc.title],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ publisher: nfc.publisher, subjects: [nfc.subject] });
    expect(stored[0].contributors[0].name).toBe(nfc.author);
    expect(await count('select 1 from bib_records where title = $1', [nfd.title])).toBe(0);

    expect((await readRecord(rec.id)).title).toBe(nfc.title);
  });

  test('normalises ISBN-10 and hyphenated ISBN-13 to ISBN-13 digits, each once, and the ISSN to NNNN-NNNC', async () => {
    const rec = await createRecord({
      title: 'Tạp chí Thư viện Việt Nam (chuẩn hoá mã số)',
      format: 'SERIAL',
      isbns: ['0-306-40615-2', '978-0-306-40615-7', '978 3 16 148410 0', '080442957x', '9783161484100'],
      issn: '0000006x',
    });
    expect(rec.isbns).toEqual(['9780306406157', '9783161484100', '9780804429573']);
    expect(rec.issn).toBe('0000-006X');
    expect(rec.format).toBe('SERIAL');

    const stored = await env.sql<{ isbns: string[]; issn: string }>(db, 'select isbns, issn from bib_records where title = $1', [rec.title]);
    expect(stored).toEqual([{ isbns: ['9780306406157', '9783161484100', '9780804429573'], issn: '0000-006X' }]);

    // the ISBN-10 a reader types finds the record by its ISBN-13
    const hits = data(await api.gql(CataloguingSearchDocument, { query: '0306406152', first: 10 })).searchCatalog;
    expect(hits.edges.map((e) => e.node.id)).toContain(rec.id);
  });

  test('refuses an invalid ISBN with InvalidIsbnError and stores nothing', async () => {
    const before = await count('select 1 from bib_records');
    for (const bad of ['978-0-306-40615-8', '12345', '0-306-40615-X']) {
      const res = await api.gql(
        CataloguingCreateRecordDocument,
        { input: { title: 'Sách có ISBN sai', isbns: ['978-3-16-148410-0', bad] } },
        by('librarian.bdi-pl'),
      );
      const err = is(data(res).createRecord, 'InvalidIsbnError');
      expect(err.errorCode).toBe('INVALID_ISBN');
      expect(err.isbn).toBe(bad);
      expect(err.message).toContain(bad);
    }
    expect(await count('select 1 from bib_records')).toBe(before);
    expect(await count('select 1 from bib_records where title = $1', ['Sách có ISBN sai'])).toBe(0);
  });

  test('refuses an invalid ISSN with InvalidIssnError and stores nothing', async () => {
    const before = await count('select 1 from bib_records');
    const res = await api.gql(
      CataloguingCreateRecordDocument,
      { input: { title: 'Tạp chí có ISSN sai', format: 'SERIAL', issn: '0317-8472' } },
      by('librarian.bdi-ts'),
    );
    const err = is(data(res).createRecord, 'InvalidIssnError');
    expect(err.errorCode).toBe('INVALID_ISSN');
    expect(err.invalidIssn).toBe('0317-8472');
    expect(await count('select 1 from bib_records')).toBe(before);
  });
});

describe('updateRecord', () => {
  const full: CreateRecordInput = {
    title: 'Lịch sử Bình Định',
    subtitle: 'Từ thời tiền sử đến năm 1945',
    contributors: [{ name: 'Nguyễn Văn A' }, { name: 'Trần Thị B', role: 'editor' }],
    publisher: 'Nhà xuất bản Khoa học xã hội',
    place: 'Hà Nội',
    year: 2019,
    edition: 'Tái bản lần thứ 2',
    isbns: ['978-604-900-001-0'],
    language: 'vie',
    subjects: ['Lịch sử', 'Bình Định'],
    ddc: '959.754',
    description: 'Khảo cứu lịch sử địa phương.',
  };

  test('changes only the given fields; null clears an optional field', async () => {
    const created = await createRecord(full, 'librarian.bdi-ts');
    const { __typename: _t, ...original } = created;

    const r1 = is(
      data(await api.gql(CataloguingUpdateRecordDocument, { input: { id: created.id, title: 'Lịch sử tỉnh Bình Định', year: 2021 } }, by('librarian.bdi-pl')))
        .updateRecord,
      'BibliographicRecord',
    );
    const { __typename: _t1, ...after1 } = r1;
    expect(after1).toEqual({ ...original, title: 'Lịch sử tỉnh Bình Định', year: 2021 });

    const r2 = is(
      data(
        await api.gql(
          CataloguingUpdateRecordDocument,
          { input: { id: created.id, subtitle: null, publisher: null, year: null, contributors: null, isbns: ['0-8044-2957-X'] } },
          by('librarian.bdi-pl'),
        ),
      ).updateRecord,
      'BibliographicRecord',
    );
    const { __typename: _t2, ...after2 } = r2;
    expect(after2).toEqual({ ...after1, subtitle: null, publisher: null, year: null, contributors: [], isbns: ['9780804429573'] });

    // what a later reader sees is what the mutation answered
    const { totalCount: _a, availableCount: _b, libraryCount: _c, holdings: _d, ...read } = await readRecord(created.id);
    expect(read).toEqual(after2);
  });

  test('refuses an invalid ISBN and leaves the record as it was', async () => {
    const rec = await createRecord({ title: 'Ca dao Bình Định', isbns: ['978-604-900-002-7'] });
    const res = await api.gql(CataloguingUpdateRecordDocument, { input: { id: rec.id, title: 'Đổi tên', isbns: ['978-604-900-002-8'] } }, by('admin'));
    expect(is(data(res).updateRecord, 'InvalidIsbnError')).toMatchObject({ errorCode: 'INVALID_ISBN', isbn: '978-604-900-002-8' });
    expect(await readRecord(rec.id)).toMatchObject({ title: 'Ca dao Bình Định', isbns: ['9786049000027'] });
  });

  test('the title cannot be cleared', async () => {
    const rec = await createRecord({ title: 'Văn học dân gian Bình Định' });
    for (const title of [null, '   ']) {
      const res = await api.gql(CataloguingUpdateRecordDocument, { input: { id: rec.id, title } }, by('admin'));
      expect(thrownCode(res)).toBe('BAD_USER_INPUT');
    }
    expect((await readRecord(rec.id)).title).toBe('Văn học dân gian Bình Định');
  });

  test('an unknown id gives RecordNotFoundError', async () => {
    const res = await api.gql(CataloguingUpdateRecordDocument, { input: { id: UNKNOWN_RECORD_ID, title: 'Không có' } }, by('admin'));
    expect(is(data(res).updateRecord, 'RecordNotFoundError')).toMatchObject({ errorCode: 'RECORD_NOT_FOUND', recordId: UNKNOWN_RECORD_ID });
  });

  test('a malformed id, or the id of something else, is BAD_USER_INPUT', async () => {
    const lib = data(await api.gql(CataloguingLibraryDocument, { code: 'BDI-PL' })).library!;
    for (const id of ['not an id', '!!', '', lib.id]) {
      const res = await api.gql(CataloguingUpdateRecordDocument, { input: { id, title: 'X' } }, by('admin'));
      expect(res.data ?? null).toBeNull();
      expect(thrownCode(res)).toBe('BAD_USER_INPUT');
    }
  });
});

describe('copies and holdings', () => {
  test('holdings counts follow adding, changing and withdrawing copies at once', async () => {
    const rec = await createRecord({ title: 'Võ cổ truyền Bình Định', subjects: ['Võ thuật'] }, 'librarian.bdi-pl');
    expect(await holdingsOf(rec.id)).toEqual({ totalCount: 0, availableCount: 0, libraryCount: 0, holdings: [] });

    const pl1 = await addCopy(rec.id, 'BDI-PL', 'librarian.bdi-pl', { location: 'Kho mở tầng 1', callNumber: '796.8 V400' });
    expect(pl1).toMatchObject({ status: 'AVAILABLE', location: 'Kho mở tầng 1', library: { code: 'BDI-PL' }, record: { id: rec.id } });
    const pl2 = await addCopy(rec.id, 'BDI-PL', 'librarian.bdi-pl');
    const ts1 = await addCopy(rec.id, 'bdi-ts', 'librarian.bdi-ts');
    expect(ts1.library.code).toBe('BDI-TS');
    expect(await holdingsOf(rec.id)).toEqual({
      totalCount: 3,
      availableCount: 3,
      libraryCount: 2,
      holdings: [
        { library: 'BDI-PL', totalCount: 2, availableCount: 2, copies: [`${pl1.barcode}:AVAILABLE`, `${pl2.barcode}:AVAILABLE`] },
        { library: 'BDI-TS', totalCount: 1, availableCount: 1, copies: [`${ts1.barcode}:AVAILABLE`] },
      ],
    });

    const damaged = await api.gql(CataloguingUpdateItemDocument, { input: { id: ts1.id, status: 'DAMAGED' } }, by('librarian.bdi-ts'));
    expect(is(data(damaged).updateItem, 'Item').status).toBe('DAMAGED');
    expect(await holdingsOf(rec.id)).toEqual({
      totalCount: 3,
      availableCount: 2,
      libraryCount: 2,
      holdings: [
        { library: 'BDI-PL', totalCount: 2, availableCount: 2, copies: [`${pl1.barcode}:AVAILABLE`, `${pl2.barcode}:AVAILABLE`] },
        { library: 'BDI-TS', totalCount: 1, availableCount: 0, copies: [`${ts1.barcode}:DAMAGED`] },
      ],
    });

    const withdrawn = await api.gql(CataloguingWithdrawItemDocument, { id: pl1.id, reason: 'Rách bìa' }, by('librarian.bdi-pl'));
    const w = is(data(withdrawn).withdrawItem, 'Item');
    expect(w.status).toBe('WITHDRAWN');
    expect(w.notes).toContain('Rách bìa');
    const afterWithdraw = {
      totalCount: 2,
      availableCount: 1,
      libraryCount: 2,
      holdings: [
        { library: 'BDI-PL', totalCount: 1, availableCount: 1, copies: [`${pl2.barcode}:AVAILABLE`] },
        { library: 'BDI-TS', totalCount: 1, availableCount: 0, copies: [`${ts1.barcode}:DAMAGED`] },
      ],
    };
    expect(await holdingsOf(rec.id)).toEqual(afterWithdraw);
    // search results show the same holdings
    const hits = data(await api.gql(CataloguingSearchDocument, { query: 'vo co truyen binh dinh', first: 20 })).searchCatalog;
    const hit = hits.edges.find((e) => e.node.id === rec.id);
    expect(hit).toBeDefined();
    expect(summary(hit!.node)).toEqual(afterWithdraw);

    // withdrawing the last copy of a library takes the library out of the holdings
    is(data(await api.gql(CataloguingWithdrawItemDocument, { id: ts1.id }, by('librarian.bdi-ts'))).withdrawItem, 'Item');
    expect(await holdingsOf(rec.id)).toEqual({
      totalCount: 1,
      availableCount: 1,
      libraryCount: 1,
      holdings: [{ library: 'BDI-PL', totalCount: 1, availableCount: 1, copies: [`${pl2.barcode}:AVAILABLE`] }],
    });

    // a withdrawn copy is kept for history, and cannot be withdrawn or changed again
    const kept = data(await api.gql(CataloguingItemDocument, { barcode: pl1.barcode })).item;
    expect(kept).toMatchObject({ status: 'WITHDRAWN', library: { code: 'BDI-PL' }, record: { id: rec.id } });
    const again = await api.gql(CataloguingWithdrawItemDocument, { id: pl1.id }, by('librarian.bdi-pl'));
    expect(is(data(again).withdrawItem, 'ItemNotWithdrawableError')).toMatchObject({ errorCode: 'ITEM_NOT_WITHDRAWABLE', status: 'WITHDRAWN' });
    const revive = await api.gql(CataloguingUpdateItemDocument, { input: { id: pl1.id, status: 'AVAILABLE' } }, by('librarian.bdi-pl'));
    expect(is(data(revive).updateItem, 'ItemNotWithdrawableError').status).toBe('WITHDRAWN');
    expect((await holdingsOf(rec.id)).totalCount).toBe(1);
  });

  test('a new copy may start in another shelf status: held, not available', async () => {
    const rec = await createRecord({ title: 'Hát bội Bình Định' });
    await addCopy(rec.id, 'BDI-AN', 'admin', { status: 'IN_PROCESSING' });
    expect(await holdingsOf(rec.id)).toMatchObject({ totalCount: 1, availableCount: 0, libraryCount: 1 });
    for (const status of ['WITHDRAWN', 'ON_LOAN'] as ItemStatus[]) {
      const res = await api.gql(CataloguingAddItemDocument, { input: { recordId: rec.id, libraryCode: 'BDI-AN', barcode: newBarcode(), status } }, by('admin'));
      expect(thrownCode(res)).toBe('BAD_USER_INPUT');
    }
    expect((await holdingsOf(rec.id)).totalCount).toBe(1);
  });

  test('a barcode is unique in the network, on addItem and on updateItem', async () => {
    const [{ barcode: taken }] = await env.sql<{ barcode: string }>(
      db,
      `select i.barcode from items i join libraries l on l.id = i.library_id where l.code = 'BDI-TS' order by i.id limit 1`,
    );
    const rec = await createRecord({ title: 'Mã vạch trùng' });
    const before = await count('select 1 from items');

    const add = await api.gql(CataloguingAddItemDocument, { input: { recordId: rec.id, libraryCode: 'BDI-PL', barcode: taken } }, by('librarian.bdi-pl'));
    expect(is(data(add).addItem, 'DuplicateBarcodeError')).toMatchObject({ errorCode: 'DUPLICATE_BARCODE', barcode: taken });
    expect(await count('select 1 from items')).toBe(before);

    const mine = await addCopy(rec.id, 'BDI-PL', 'librarian.bdi-pl');
    const upd = await api.gql(CataloguingUpdateItemDocument, { input: { id: mine.id, barcode: taken, location: 'Kho B' } }, by('librarian.bdi-pl'));
    expect(is(data(upd).updateItem, 'DuplicateBarcodeError')).toMatchObject({ errorCode: 'DUPLICATE_BARCODE', barcode: taken });
    // nothing of the refused change was kept
    expect(data(await api.gql(CataloguingItemDocument, { barcode: mine.barcode })).item).toMatchObject({ id: mine.id });
    expect(data(await api.gql(CataloguingItemDocument, { barcode: taken })).item!.library.code).toBe('BDI-TS');
    expect(await env.sql(db, 'select location from items where barcode = $1', [mine.barcode])).toEqual([{ location: null }]);

    // a free barcode is fine
    const renamed = newBarcode();
    const ok = await api.gql(CataloguingUpdateItemDocument, { input: { id: mine.id, barcode: renamed } }, by('librarian.bdi-pl'));
    expect(is(data(ok).updateItem, 'Item').barcode).toBe(renamed);
    expect(data(await api.gql(CataloguingItemDocument, { barcode: mine.barcode })).item).toBeNull();
  });

  test('an unknown library code gives UnknownLibraryError and stores nothing', async () => {
    const rec = await createRecord({ title: 'Thư viện không có' });
    const barcode = newBarcode();
    const res = await api.gql(CataloguingAddItemDocument, { input: { recordId: rec.id, libraryCode: 'BDI-XYZ', barcode } }, by('admin'));
    expect(is(data(res).addItem, 'UnknownLibraryError')).toMatchObject({ errorCode: 'UNKNOWN_LIBRARY', libraryCode: 'BDI-XYZ' });
    expect(await count('select 1 from items where barcode = $1', [barcode])).toBe(0);
  });

  test('a copy on loan cannot be withdrawn, nor its status set by hand', async () => {
    const stored = () => env.sql(db, 'select status, notes, updated_at from items where barcode = $1', [onLoan.barcode]);
    const [onLoan] = await env.sql<{ barcode: string }>(db, `select barcode from items where status = 'ON_LOAN' order by id limit 1`);
    expect(onLoan).toBeDefined();
    const before = await stored();
    const item = data(await api.gql(CataloguingItemDocument, { barcode: onLoan.barcode })).item!;
    expect(item.status).toBe('ON_LOAN');

    const res = await api.gql(CataloguingWithdrawItemDocument, { id: item.id, reason: 'Thử' }, by('admin'));
    const err = is(data(res).withdrawItem, 'ItemNotWithdrawableError');
    expect(err).toMatchObject({ errorCode: 'ITEM_NOT_WITHDRAWABLE', status: 'ON_LOAN' });

    const upd = await api.gql(CataloguingUpdateItemDocument, { input: { id: item.id, status: 'AVAILABLE' } }, by('admin'));
    expect(is(data(upd).updateItem, 'ItemNotWithdrawableError').status).toBe('ON_LOAN');

    expect(await stored()).toEqual(before);
  });

  test('updateItem cannot set a circulation status (ON_LOAN, IN_TRANSIT, ON_HOLD_SHELF, WITHDRAWN)', async () => {
    const rec = await createRecord({ title: 'Trạng thái lưu thông' });
    const copy = await addCopy(rec.id, 'BDI-PL', 'librarian.bdi-pl');
    for (const status of ['ON_LOAN', 'IN_TRANSIT', 'ON_HOLD_SHELF', 'WITHDRAWN'] as ItemStatus[]) {
      const res = await api.gql(CataloguingUpdateItemDocument, { input: { id: copy.id, status } }, by('librarian.bdi-pl'));
      expect(thrownCode(res)).toBe('BAD_USER_INPUT');
    }
    expect(data(await api.gql(CataloguingItemDocument, { barcode: copy.barcode })).item!.status).toBe('AVAILABLE');
    expect((await holdingsOf(rec.id)).availableCount).toBe(1);
  });

  test('item(barcode) and node(id) resolve copies, records and libraries', async () => {
    const [demo] = await env.sql<{ barcode: string; code: string; title: string }>(
      db,
      `select i.barcode, l.code, r.title from items i join libraries l on l.id = i.library_id join bib_records r on r.id = i.record_id
        where i.status = 'AVAILABLE' order by i.id limit 1`,
    );
    const item = data(await api.gql(CataloguingItemDocument, { barcode: demo.barcode })).item!;
    expect(item).toMatchObject({ barcode: demo.barcode, status: 'AVAILABLE', library: { code: demo.code }, record: { title: demo.title } });
    // surrounding spaces of a scanned barcode do not matter
    expect(data(await api.gql(CataloguingItemDocument, { barcode: ` ${demo.barcode} ` })).item?.id).toBe(item.id);

    const asNode = data(await api.gql(CataloguingNodeDocument, { id: item.id })).node;
    expect(asNode).toEqual({ __typename: 'Item', id: item.id, barcode: demo.barcode, status: 'AVAILABLE', library: { code: demo.code }, record: { id: item.record.id } });
    expect(data(await api.gql(CataloguingNodeDocument, { id: item.record.id })).node).toMatchObject({
      __typename: 'BibliographicRecord',
      id: item.record.id,
      title: demo.title,
    });
    expect(data(await api.gql(CataloguingNodeDocument, { id: item.library.id })).node).toMatchObject({
      __typename: 'Library',
      id: item.library.id,
      code: demo.code,
    });

    expect(data(await api.gql(CataloguingItemDocument, { barcode: 'NO-SUCH-COPY-1' })).item).toBeNull();
    expect(data(await api.gql(CataloguingNodeDocument, { id: UNKNOWN_RECORD_ID })).node).toBeNull();
    expect(data(await api.gql(CataloguingRecordDocument, { id: UNKNOWN_RECORD_ID })).record).toBeNull();
  });
});

describe('mergeRecords', () => {
  test('copies and ISBNs move to the survivor; old ids resolve to it; duplicates leave search', async () => {
    const survivor = await createRecord({ title: 'Đào Tấn toàn tập mergealpha', isbns: ['978-604-900-003-4'] });
    const dup1 = await createRecord({ title: 'Đào Tấn toàn tập mergealpha (bản trùng)', isbns: ['978-604-900-004-1'] });
    const dup2 = await createRecord({ title: 'Dao Tan toan tap mergealpha', isbns: ['978-604-900-005-8', '978-604-900-003-4'] });
    const s1 = await addCopy(survivor.id, 'BDI-PL');
    const d1a = await addCopy(dup1.id, 'BDI-PL');
    const d1b = await addCopy(dup1.id, 'BDI-TS');
    const d2a = await addCopy(dup2.id, 'BDI-AN', 'admin', { status: 'DAMAGED' });

    const before = data(await api.gql(CataloguingSearchDocument, { query: 'mergealpha', first: 10 })).searchCatalog;
    expect(before.totalCount).toBe(3);

    const res = await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: survivor.id, duplicateIds: [dup1.id, dup2.id] } }, by('admin'));
    const merged = is(data(res).mergeRecords, 'BibliographicRecord');
    const expectedHoldings = {
      totalCount: 4,
      availableCount: 3,
      libraryCount: 3,
      holdings: [
        { library: 'BDI-AN', totalCount: 1, availableCount: 0, copies: [`${d2a.barcode}:DAMAGED`] },
        { library: 'BDI-PL', totalCount: 2, availableCount: 2, copies: [`${s1.barcode}:AVAILABLE`, `${d1a.barcode}:AVAILABLE`] },
        { library: 'BDI-TS', totalCount: 1, availableCount: 1, copies: [`${d1b.barcode}:AVAILABLE`] },
      ],
    };
    expect(merged.id).toBe(survivor.id);
    expect(merged.title).toBe(survivor.title);
    expect([...merged.isbns].sort()).toEqual(['9786049000034', '9786049000041', '9786049000058']);
    expect(summary(merged)).toEqual(expectedHoldings);
    expect(await holdingsOf(survivor.id)).toEqual(expectedHoldings);

    for (const old of [dup1.id, dup2.id]) {
      const viaRecord = await readRecord(old);
      expect(viaRecord.id).toBe(survivor.id);
      expect(summary(viaRecord)).toEqual(expectedHoldings);
      expect(data(await api.gql(CataloguingNodeDocument, { id: old })).node).toMatchObject({
        __typename: 'BibliographicRecord',
        id: survivor.id,
        title: survivor.title,
      });
    }
    expect(data(await api.gql(CataloguingItemDocument, { barcode: d1b.barcode })).item!.record.id).toBe(survivor.id);

    const after = data(await api.gql(CataloguingSearchDocument, { query: 'mergealpha', first: 10 })).searchCatalog;
    expect(after.totalCount).toBe(1);
    expect(after.edges.map((e) => e.node.id)).toEqual([survivor.id]);
    // a duplicate's ISBN now finds the survivor, and only it
    const byIsbn = data(await api.gql(CataloguingSearchDocument, { query: '978-604-900-005-8', first: 10 })).searchCatalog;
    expect(byIsbn.edges.map((e) => e.node.id)).toEqual([survivor.id]);
  });

  test('a record cannot be merged into itself, nor an already merged record merged again', async () => {
    const a = await createRecord({ title: 'Hợp nhất sai A' });
    const b = await createRecord({ title: 'Hợp nhất sai B' });
    const c = await createRecord({ title: 'Hợp nhất sai C' });
    const copy = await addCopy(c.id, 'BDI-PL');

    const self = await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: a.id, duplicateIds: [a.id] } }, by('admin'));
    expect(is(data(self).mergeRecords, 'InvalidMergeError').errorCode).toBe('INVALID_MERGE');

    is(data(await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: a.id, duplicateIds: [b.id] } }, by('admin'))).mergeRecords, 'BibliographicRecord');
    const auditBefore = await lastAuditId();
    for (const input of [
      { survivorId: a.id, duplicateIds: [b.id] }, // b is already merged into a
      { survivorId: c.id, duplicateIds: [b.id] }, // b is already merged
      { survivorId: b.id, duplicateIds: [c.id] }, // the survivor is itself merged
    ]) {
      const res = await api.gql(CataloguingMergeRecordsDocument, { input }, by('admin'));
      expect(is(data(res).mergeRecords, 'InvalidMergeError').errorCode).toBe('INVALID_MERGE');
    }
    // c and its copy stay where they were
    expect((await readRecord(c.id)).id).toBe(c.id);
    expect(data(await api.gql(CataloguingItemDocument, { barcode: copy.barcode })).item!.record.id).toBe(c.id);
    expect(await lastAuditId()).toBe(auditBefore);
  });

  test('merges chain: an id merged twice over resolves to the last survivor, and new copies of an old id land there', async () => {
    const a = await createRecord({ title: 'Chuỗi hợp nhất A' });
    const b = await createRecord({ title: 'Chuỗi hợp nhất B' });
    const c = await createRecord({ title: 'Chuỗi hợp nhất C' });
    const copyOfA = await addCopy(a.id, 'BDI-QN');
    is(data(await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: b.id, duplicateIds: [a.id] } }, by('admin'))).mergeRecords, 'BibliographicRecord');
    is(data(await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: c.id, duplicateIds: [b.id] } }, by('admin'))).mergeRecords, 'BibliographicRecord');
    for (const old of [a.id, b.id]) expect((await readRecord(old)).id).toBe(c.id);
    expect(data(await api.gql(CataloguingItemDocument, { barcode: copyOfA.barcode })).item!.record.id).toBe(c.id);

    const late = await addCopy(a.id, 'BDI-QN');
    expect(late.record.id).toBe(c.id);
    expect(await holdingsOf(c.id)).toMatchObject({
      totalCount: 2,
      holdings: [{ library: 'BDI-QN', copies: [`${copyOfA.barcode}:AVAILABLE`, `${late.barcode}:AVAILABLE`] }],
    });
  });

  test('only a network administrator may merge', async () => {
    const a = await createRecord({ title: 'Quyền hợp nhất A' }, 'librarian.bdi-pl');
    const b = await createRecord({ title: 'Quyền hợp nhất B' }, 'librarian.bdi-pl');
    const copy = await addCopy(b.id, 'BDI-PL', 'librarian.bdi-pl');
    for (const viewer of ['librarian.bdi-pl', 'librarian.bdi-ts'] as const) {
      const res = await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: a.id, duplicateIds: [b.id] } }, by(viewer));
      expect(is(data(res).mergeRecords, 'NotPermittedError').errorCode).toBe('NOT_PERMITTED');
    }
    expect((await readRecord(b.id)).id).toBe(b.id);
    expect(data(await api.gql(CataloguingItemDocument, { barcode: copy.barcode })).item!.record.id).toBe(b.id);
  });
});

describe('permissions', () => {
  type Outcome = 'done' | 'NotPermittedError' | 'UNAUTHENTICATED';
  type Operation = 'createRecord' | 'updateRecord' | 'mergeRecords' | 'addItem' | 'updateItem' | 'withdrawItem';
  const VIEWERS: Viewer[] = ['anonymous', 'librarian.bdi-pl', 'librarian.bdi-ts', 'admin'];

  // rows: operation; columns: anonymous, owning library's staff, another library's staff, network admin
  const EXPECTED: Record<Operation, [Outcome, Outcome, Outcome, Outcome]> = {
    createRecord: ['UNAUTHENTICATED', 'done', 'done', 'done'],
    updateRecord: ['UNAUTHENTICATED', 'done', 'done', 'done'],
    mergeRecords: ['UNAUTHENTICATED', 'NotPermittedError', 'NotPermittedError', 'done'],
    addItem: ['UNAUTHENTICATED', 'done', 'NotPermittedError', 'done'], // at BDI-PL
    updateItem: ['UNAUTHENTICATED', 'done', 'NotPermittedError', 'done'], // a BDI-PL copy
    withdrawItem: ['UNAUTHENTICATED', 'done', 'NotPermittedError', 'done'], // a BDI-PL copy
  };

  interface Attempt {
    /** Sends the mutation; returns the response and the union value of its field. */
    send(token: string | null): Promise<{ res: GqlResponse<unknown>; result: { __typename: string; errorCode?: string } | null | undefined }>;
    successType: string;
    /** Whether the change is in the database. */
    applied(): Promise<boolean>;
  }

  let n = 0;
  let shared: { id: string };
  beforeAll(async () => {
    shared = await createRecord({ title: 'Bản ghi thử quyền' });
  });

  /** Each attempt is prepared by the network admin on fresh objects, so each cell stands alone. */
  const PREPARE: Record<Operation, () => Promise<Attempt>> = {
    async createRecord() {
      const title = `Quyền tạo bản ghi ${++n}`;
      return {
        successType: 'BibliographicRecord',
        async send(token) {
          const res = await api.gql(CataloguingCreateRecordDocument, { input: { title } }, { token });
          return { res, result: res.data?.createRecord };
        },
        applied: async () => (await count('select 1 from bib_records where title = $1', [title])) === 1,
      };
    },
    async updateRecord() {
      const rec = await createRecord({ title: `Quyền sửa bản ghi ${++n}` });
      return {
        successType: 'BibliographicRecord',
        async send(token) {
          const res = await api.gql(CataloguingUpdateRecordDocument, { input: { id: rec.id, subtitle: 'Đã sửa' } }, { token });
          return { res, result: res.data?.updateRecord };
        },
        applied: async () => (await count(`select 1 from bib_records where title = $1 and subtitle = 'Đã sửa'`, [rec.title])) === 1,
      };
    },
    async mergeRecords() {
      const a = await createRecord({ title: `Quyền hợp nhất ${++n} A` });
      const b = await createRecord({ title: `Quyền hợp nhất ${n} B` });
      return {
        successType: 'BibliographicRecord',
        async send(token) {
          const res = await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: a.id, duplicateIds: [b.id] } }, { token });
          return { res, result: res.data?.mergeRecords };
        },
        applied: async () => (await count('select 1 from bib_records where title = $1 and merged_into_id is not null', [b.title])) === 1,
      };
    },
    async addItem() {
      const barcode = newBarcode('PERM');
      return {
        successType: 'Item',
        async send(token) {
          const res = await api.gql(CataloguingAddItemDocument, { input: { recordId: shared.id, libraryCode: 'BDI-PL', barcode } }, { token });
          return { res, result: res.data?.addItem };
        },
        applied: async () => (await count('select 1 from items where barcode = $1', [barcode])) === 1,
      };
    },
    async updateItem() {
      const copy = await addCopy(shared.id, 'BDI-PL');
      return {
        successType: 'Item',
        async send(token) {
          const res = await api.gql(CataloguingUpdateItemDocument, { input: { id: copy.id, location: 'Kho đã chuyển', status: 'MISSING' } }, { token });
          return { res, result: res.data?.updateItem };
        },
        applied: async () =>
          (await count(`select 1 from items where barcode = $1 and (location is not null or status <> 'AVAILABLE')`, [copy.barcode])) === 1,
      };
    },
    async withdrawItem() {
      const copy = await addCopy(shared.id, 'BDI-PL');
      return {
        successType: 'Item',
        async send(token) {
          const res = await api.gql(CataloguingWithdrawItemDocument, { id: copy.id, reason: 'Thanh lý' }, { token });
          return { res, result: res.data?.withdrawItem };
        },
        applied: async () => (await count(`select 1 from items where barcode = $1 and status <> 'AVAILABLE'`, [copy.barcode])) === 1,
      };
    },
  };

  const cells = (Object.keys(EXPECTED) as Operation[]).flatMap((op) => VIEWERS.map((viewer, i) => [op, viewer, EXPECTED[op][i]] as const));

  test.each(cells)('%s by %s: %s', async (op, viewer, outcome) => {
    const attempt = await PREPARE[op]();
    const auditBefore = await lastAuditId();
    const { res, result } = await attempt.send(by(viewer).token);
    if (outcome === 'UNAUTHENTICATED') {
      expect(res.data ?? null).toBeNull();
      expect(thrownCode(res)).toBe('UNAUTHENTICATED');
    } else {
      expect(res.errors).toBeUndefined();
      if (outcome === 'done') expect(result).toMatchObject({ __typename: attempt.successType });
      else expect(result).toMatchObject({ __typename: 'NotPermittedError', errorCode: 'NOT_PERMITTED' });
    }
    expect(await attempt.applied()).toBe(outcome === 'done');
    // a refused mutation leaves no trace in the audit log; one that succeeded leaves one row
    expect(await count('select 1 from audit_log where id > $1', [auditBefore])).toBe(outcome === 'done' ? 1 : 0);
  });

  test('anonymous readers may search and read records, copies, holdings and libraries', async () => {
    const search = data(await api.gql(CataloguingSearchDocument, { query: 'truyen kieu', first: 5 })).searchCatalog;
    expect(search.totalCount).toBeGreaterThan(0);
    const held = search.edges.find((e) => e.node.totalCount > 0);
    expect(held).toBeDefined();
    const record = await readRecord(held!.node.id, 'anonymous');
    expect(record.holdings.length).toBe(record.libraryCount);
    const barcode = record.holdings[0].items.edges[0].node.barcode;
    expect(data(await api.gql(CataloguingItemDocument, { barcode })).item).toMatchObject({ barcode, record: { id: record.id } });
    const libs = data(await api.gql(CataloguingLibrariesDocument, { first: 100 })).libraries;
    expect(libs.totalCount).toBe(await count('select 1 from libraries'));
    expect(data(await api.gql(CataloguingLibraryDocument, { code: 'BDI-PL' })).library).toMatchObject({ code: 'BDI-PL' });
  });
});

describe('audit log', () => {
  test('every successful mutation writes one row naming who did what to which object', async () => {
    const from = await lastAuditId();
    const lib = async (code: string) => Number((await env.sql<{ id: string }>(db, 'select id from libraries where code = $1', [code]))[0].id);
    const recId = async (title: string) => Number((await env.sql<{ id: string }>(db, 'select id from bib_records where title = $1', [title]))[0].id);
    const itemId = async (barcode: string) => Number((await env.sql<{ id: string }>(db, 'select id from items where barcode = $1', [barcode]))[0].id);

    const rec = await createRecord({ title: 'Nhật ký kiểm toán' }, 'librarian.bdi-ts');
    const other = await createRecord({ title: 'Nhật ký kiểm toán (trùng)' }, 'librarian.bdi-pl');
    is(data(await api.gql(CataloguingUpdateRecordDocument, { input: { id: rec.id, edition: 'In lần 2' } }, by('librarian.bdi-pl'))).updateRecord, 'BibliographicRecord');
    const copy = await addCopy(rec.id, 'BDI-PL', 'librarian.bdi-pl');
    is(data(await api.gql(CataloguingUpdateItemDocument, { input: { id: copy.id, location: 'Kho A' } }, by('librarian.bdi-pl'))).updateItem, 'Item');
    const copy2 = await addCopy(other.id, 'BDI-TS', 'librarian.bdi-ts');
    is(data(await api.gql(CataloguingWithdrawItemDocument, { id: copy.id, reason: 'Mất trang' }, by('admin'))).withdrawItem, 'Item');
    is(data(await api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: rec.id, duplicateIds: [other.id] } }, by('admin'))).mergeRecords, 'BibliographicRecord');

    const rows = await env.sql<{ actor_account_id: string; library_id: string | null; action: string; entity: string; entity_id: string }>(
      db,
      'select actor_account_id, library_id, action, entity, entity_id from audit_log where id > $1 order by id',
      [from],
    );
    const [recDb, otherDb, copyDb, copy2Db, pl, ts] = await Promise.all([
      recId(rec.title),
      recId(other.title),
      itemId(copy.barcode),
      itemId(copy2.barcode),
      lib('BDI-PL'),
      lib('BDI-TS'),
    ]);
    expect(otherDb).not.toBe(recDb);
    expect(
      rows.map((r) => ({
        actor: Number(r.actor_account_id),
        action: r.action,
        entity: r.entity,
        entityId: Number(r.entity_id),
      })),
    ).toEqual([
      { actor: accountIds['librarian.bdi-ts'], action: 'createRecord', entity: 'BibliographicRecord', entityId: recDb },
      { actor: accountIds['librarian.bdi-pl'], action: 'createRecord', entity: 'BibliographicRecord', entityId: otherDb },
      { actor: accountIds['librarian.bdi-pl'], action: 'updateRecord', entity: 'BibliographicRecord', entityId: recDb },
      { actor: accountIds['librarian.bdi-pl'], action: 'addItem', entity: 'Item', entityId: copyDb },
      { actor: accountIds['librarian.bdi-pl'], action: 'updateItem', entity: 'Item', entityId: copyDb },
      { actor: accountIds['librarian.bdi-ts'], action: 'addItem', entity: 'Item', entityId: copy2Db },
      { actor: accountIds.admin, action: 'withdrawItem', entity: 'Item', entityId: copyDb },
      { actor: accountIds.admin, action: 'mergeRecords', entity: 'BibliographicRecord', entityId: recDb },
    ]);
    // changes to copies are filed under the owning library, whoever made them
    expect(rows.filter((r) => r.entity === 'Item').map((r) => Number(r.library_id))).toEqual([pl, pl, ts, pl]);
  });

  test('a refused mutation writes none', async () => {
    const rec = await createRecord({ title: 'Không được ghi nhật ký' });
    const copy = await addCopy(rec.id, 'BDI-PL');
    const [{ barcode: onLoan }] = await env.sql<{ barcode: string }>(db, `select barcode from items where status = 'ON_LOAN' order by id desc limit 1`);
    const onLoanId = data(await api.gql(CataloguingItemDocument, { barcode: onLoan })).item!.id;
    const from = await lastAuditId();

    const refusals: Promise<GqlResponse<unknown>>[] = [];
    const send = (p: Promise<GqlResponse<unknown>>) => refusals.push(p);
    send(api.gql(CataloguingCreateRecordDocument, { input: { title: 'Khách' } }, by('anonymous')));
    send(api.gql(CataloguingCreateRecordDocument, { input: { title: 'ISBN sai', isbns: ['9780306406158'] } }, by('admin')));
    send(api.gql(CataloguingUpdateRecordDocument, { input: { id: rec.id, issn: '1234-5678' } }, by('admin')));
    send(api.gql(CataloguingUpdateRecordDocument, { input: { id: UNKNOWN_RECORD_ID, title: 'X' } }, by('admin')));
    send(api.gql(CataloguingAddItemDocument, { input: { recordId: rec.id, libraryCode: 'BDI-PL', barcode: copy.barcode } }, by('admin')));
    send(api.gql(CataloguingAddItemDocument, { input: { recordId: rec.id, libraryCode: 'BDI-PL', barcode: newBarcode() } }, by('librarian.bdi-ts')));
    send(api.gql(CataloguingUpdateItemDocument, { input: { id: copy.id, location: 'Kho khác' } }, by('librarian.bdi-ts')));
    send(api.gql(CataloguingUpdateItemDocument, { input: { id: copy.id, status: 'ON_LOAN' } }, by('admin')));
    send(api.gql(CataloguingWithdrawItemDocument, { id: copy.id }, by('librarian.bdi-ts')));
    send(api.gql(CataloguingWithdrawItemDocument, { id: onLoanId }, by('admin')));
    send(api.gql(CataloguingMergeRecordsDocument, { input: { survivorId: rec.id, duplicateIds: [rec.id] } }, by('admin')));
    for (const res of await Promise.all(refusals)) {
      // each was refused: a thrown error or an error result
      const value = res.data ? Object.values(res.data as Record<string, { __typename: string }>)[0] : null;
      if (value) expect(value.__typename).toMatch(/Error$/);
      else expect(res.errors?.length).toBeGreaterThan(0);
    }
    expect(await count('select 1 from audit_log where id > $1', [from])).toBe(0);
  });
});

describe('libraries', () => {
  async function walk(filter: LibraryFilter | null, first: number) {
    const codes: string[] = [];
    const totals = new Set<number>();
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: CataloguingLibrariesQuery['libraries'] = data(await api.gql(CataloguingLibrariesDocument, { filter, first, after })).libraries;
      expect(res.edges.length).toBeLessThanOrEqual(first);
      expect(res.pageInfo.hasPreviousPage).toBe(false);
      totals.add(res.totalCount);
      codes.push(...res.edges.map((e) => e.node.code));
      if (!res.pageInfo.hasNextPage) break;
      expect(res.edges).toHaveLength(first);
      after = res.pageInfo.endCursor;
    }
    expect(totals.size).toBe(1);
    return { codes, totalCount: [...totals][0] };
  }

  const codesWhere = async (where: string, params: unknown[] = []) =>
    (await env.sql<{ code: string }>(db, `select l.code from libraries l left join libraries p on p.id = l.parent_id ${where} order by l.code`, params)).map(
      (r) => r.code,
    );

  test('walking the pages returns every library once, in code order, and totalCount matches', async () => {
    const all = await codesWhere('');
    expect(all).toHaveLength(23);
    const walked = await walk(null, 5);
    expect(walked.codes).toEqual(all);
    expect(new Set(walked.codes).size).toBe(walked.codes.length);
    expect(walked.totalCount).toBe(23);
    const onePage = data(await api.gql(CataloguingLibrariesDocument, { first: 100 })).libraries;
    expect(onePage.edges.map((e) => e.node.code)).toEqual(all);
    expect(onePage.pageInfo.hasNextPage).toBe(false);
  });

  test('kinds filter', async () => {
    const districts = await walk({ kinds: ['DISTRICT'] }, 4);
    expect(districts.codes).toEqual(await codesWhere(`where l.kind = 'DISTRICT'`));
    expect(districts.codes).toHaveLength(11);
    expect(districts.totalCount).toBe(11);

    const res = data(await api.gql(CataloguingLibrariesDocument, { filter: { kinds: ['COMMUNE', 'SCHOOL'] }, first: 100 })).libraries;
    expect(new Set(res.edges.map((e) => e.node.kind))).toEqual(new Set(['COMMUNE', 'SCHOOL']));
    expect(res.edges.map((e) => e.node.code)).toEqual(await codesWhere(`where l.kind in ('COMMUNE', 'SCHOOL')`));
    expect(res.totalCount).toBe(res.edges.length);
  });

  test('parentCode lists the direct children of a library', async () => {
    const ts = data(await api.gql(CataloguingLibrariesDocument, { filter: { parentCode: 'BDI-TS' }, first: 100 })).libraries;
    expect(ts.edges.map((e) => e.node.code)).toEqual(['BDI-TS-BTH', 'BDI-TS-QT']);
    expect(ts.edges.every((e) => e.node.parent?.code === 'BDI-TS')).toBe(true);
    expect(ts.totalCount).toBe(2);

    const pl = await walk({ parentCode: 'BDI-PL' }, 5);
    expect(pl.codes).toEqual(await codesWhere(`where p.code = 'BDI-PL'`));
    expect(pl.codes).toHaveLength(12);
    expect(pl.totalCount).toBe(12);

    const schoolsOfQn = data(await api.gql(CataloguingLibrariesDocument, { filter: { parentCode: 'BDI-QN', kinds: ['SCHOOL'] } })).libraries;
    expect(schoolsOfQn.edges.map((e) => e.node.code)).toEqual(['BDI-QN-LQD', 'BDI-QN-QHQN']);
    expect(schoolsOfQn.totalCount).toBe(2);

    const leaf = data(await api.gql(CataloguingLibrariesDocument, { filter: { parentCode: 'BDI-TS-QT' } })).libraries;
    expect(leaf).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
  });

  test('query matches words of code, name and address with or without diacritics', async () => {
    const everyone = data(await api.gql(CataloguingLibrariesDocument, { first: 100 })).libraries.edges.map((e) => e.node);
    const expected = everyone
      .filter((l) => ['tay', 'son'].every((w) => fold(`${l.code} ${l.name} ${l.address ?? ''}`).includes(w)))
      .map((l) => l.code);
    expect(expected).toContain('BDI-TS');

    for (const query of ['tay son', 'Tây Sơn', 'TÂY SƠN', 'son tay']) {
      const res = data(await api.gql(CataloguingLibrariesDocument, { filter: { query }, first: 100 })).libraries;
      expect(res.edges.map((e) => e.node.code)).toEqual(expected);
      expect(res.totalCount).toBe(expected.length);
    }
    const district = data(await api.gql(CataloguingLibrariesDocument, { filter: { query: 'tay son', kinds: ['DISTRICT'] } })).libraries;
    expect(district.edges.map((e) => e.node)).toEqual([expect.objectContaining({ code: 'BDI-TS', name: 'Thư viện huyện Tây Sơn' })]);

    // nothing matches a word no library has; LIKE wildcards are taken literally
    for (const query of ['zzzkhongco', '%', '_', 'tay%son']) {
      const none = data(await api.gql(CataloguingLibrariesDocument, { filter: { query } })).libraries;
      expect(none).toMatchObject({ totalCount: 0, edges: [] });
    }
  });

  test('library(code) finds a known library and is null for an unknown code', async () => {
    const ts = data(await api.gql(CataloguingLibraryDocument, { code: 'BDI-TS' })).library;
    expect(ts).toMatchObject({ code: 'BDI-TS', name: 'Thư viện huyện Tây Sơn', kind: 'DISTRICT', parent: { code: 'BDI-PL' } });
    expect(data(await api.gql(CataloguingLibraryDocument, { code: 'BDI-PL' })).library).toMatchObject({ kind: 'PROVINCIAL', parent: null });
    expect(data(await api.gql(CataloguingLibraryDocument, { code: 'BDI-ZZ' })).library).toBeNull();
  });
});

describe('concurrent cataloguing', () => {
  test('ten parallel addItem calls with the same new barcode: one copy, nine DuplicateBarcodeError', async () => {
    const rec = await createRecord({ title: 'Mã vạch tranh chấp' });
    const barcode = newBarcode('RACE');
    const from = await lastAuditId();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.gql(
          CataloguingAddItemDocument,
          { input: { recordId: rec.id, libraryCode: 'BDI-PL', barcode, location: `Quầy ${i + 1}` } },
          by(i % 2 ? 'admin' : 'librarian.bdi-pl'),
        ),
      ),
    );
    const values = results.map((r) => data(r).addItem);
    const created = values.filter((v) => v.__typename === 'Item');
    const refused = values.filter((v) => v.__typename === 'DuplicateBarcodeError');
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r).toMatchObject({ errorCode: 'DUPLICATE_BARCODE', barcode });

    expect(await count('select 1 from items where barcode = $1', [barcode])).toBe(1);
    expect(await holdingsOf(rec.id)).toMatchObject({ totalCount: 1, availableCount: 1, libraryCount: 1 });
    expect(data(await api.gql(CataloguingItemDocument, { barcode })).item!.id).toBe((created[0] as { id: string }).id);
    expect(await count(`select 1 from audit_log where id > $1`, [from])).toBe(1);
  });
});
