import { print } from 'graphql';
import {
  AddItemDocument,
  CreateRecordDocument,
  LibrariesDocument,
  LoginDocument,
  NodeDocument,
  RecordDocument,
  SearchDocument,
  SearchWithHoldingsDocument,
  SecurityHoldingsItemsDocument,
  SecuritySearchTotalDocument,
  UpdateItemDocument,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer } from './support/harness';

/**
 * Hostile and clumsy input: every answer is a proper GraphQL error or a 4xx, never a 5xx or an
 * internal error, nothing is half-written, and the server keeps serving.
 */
const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let token: string;
/** A record held by BDI-PL, one of its BDI-PL copies, and that copy's barcode. */
let recordId: string;
let itemId: string;
let itemBarcode: string;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  api = await env.server({ dbUrl });
  token = await api.login('librarian.bdi-pl');
  const found = await api.gql(SearchWithHoldingsDocument, { query: 'truyen kieu', filter: { libraryCodes: ['BDI-PL'] }, first: 1 });
  recordId = found.data!.searchCatalog.edges[0].node.id;
  const items = await api.gql(SecurityHoldingsItemsDocument, { id: recordId, first: 1 });
  const holding = items.data!.record!.holdings.find((h) => h.library.code === 'BDI-PL')!;
  itemId = holding.items.edges[0].node.id;
  itemBarcode = holding.items.edges[0].node.barcode;
});
afterAll(() => env.close());

const gid = (raw: string) => Buffer.from(raw, 'utf8').toString('base64url');
const cursorOf = (value: unknown) => gid(JSON.stringify(value));

function expectRefused(res: GqlResponse<unknown>, code = 'BAD_USER_INPUT', field?: string): void {
  expect(res.status).toBeLessThan(500);
  expect(res.errors?.length).toBeGreaterThan(0);
  expect(res.errors![0].extensions?.code).toBe(code);
  if (field !== undefined) expect(res.errors![0].extensions?.field).toBe(field);
}

function expect4xx(res: { status: number }): void {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
}

const count = async (sql: string, params: unknown[] = []) => Number((await env.sql<{ n: string }>(dbUrl, sql, params))[0].n);

describe('page sizes', () => {
  test.each([101, 1000, -1])('first: %d is refused everywhere', async (first) => {
    expectRefused(await api.gql(SearchDocument, { query: 'lich su', first }), 'BAD_USER_INPUT', 'first');
    expectRefused(await api.gql(SearchDocument, { first }), 'BAD_USER_INPUT', 'first');
    expectRefused(await api.gql(LibrariesDocument, { first }), 'BAD_USER_INPUT', 'first');
    expectRefused(await api.gql(SecurityHoldingsItemsDocument, { id: recordId, first }), 'BAD_USER_INPUT', 'first');
  });

  test('first: 100 is accepted', async () => {
    const res = await api.gql(SearchDocument, { first: 100 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.searchCatalog.edges).toHaveLength(100);
  });

  test('numbers that are not GraphQL Ints are refused before anything runs', async () => {
    for (const first of [2 ** 31, 1e20, 1.5]) {
      const res = await api.gql(SearchDocument, { first });
      expect(res.status).toBe(400);
      expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('cursors', () => {
  let libraryCursor: string;
  let browseCursor: string;
  let searchCursor: string;
  let itemCursor: string;

  beforeAll(async () => {
    libraryCursor = (await api.gql(LibrariesDocument, { first: 2 })).data!.libraries.pageInfo.endCursor!;
    browseCursor = (await api.gql(SearchDocument, { first: 2 })).data!.searchCatalog.pageInfo.endCursor!;
    searchCursor = (await api.gql(SearchDocument, { query: 'lich su', first: 2 })).data!.searchCatalog.pageInfo.endCursor!;
    const items = await api.gql(SecurityHoldingsItemsDocument, { id: recordId, first: 1 });
    itemCursor = items.data!.record!.holdings[0].items.edges[0].cursor;
  });

  test('the real cursors page on', async () => {
    expect((await api.gql(LibrariesDocument, { first: 2, after: libraryCursor })).errors).toBeUndefined();
    expect((await api.gql(SearchDocument, { first: 2, after: browseCursor })).errors).toBeUndefined();
    expect((await api.gql(SearchDocument, { query: 'lich su', first: 2, after: searchCursor })).errors).toBeUndefined();
    expect((await api.gql(SecurityHoldingsItemsDocument, { id: recordId, first: 1, after: itemCursor })).errors).toBeUndefined();
  });

  const junk: [string, () => string][] = [
    ['random text', () => 'this is not a cursor!'],
    ['base64 of junk bytes', () => Buffer.from([0xff, 0x00, 0x13, 0x37, 0xfe]).toString('base64url')],
    ['base64 of JSON that is not a list', () => cursorOf({ after: 1 })],
    ['base64 of an empty list', () => cursorOf([])],
    ['base64 padding', () => 'WyJsaWIiXQ=='],
    ['2,500 characters', () => 'A'.repeat(2500)],
  ];

  test.each(junk)('%s is refused by every list', async (_name, make) => {
    const after = make();
    expectRefused(await api.gql(LibrariesDocument, { after }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { after }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { query: 'lich su', after }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SecurityHoldingsItemsDocument, { id: recordId, after }), 'BAD_USER_INPUT', 'after');
  });

  test('a cursor of another list is refused', async () => {
    expectRefused(await api.gql(SearchDocument, { after: libraryCursor }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { after: searchCursor }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { query: 'lich su', after: browseCursor }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { query: 'lich su', after: itemCursor }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(LibrariesDocument, { after: browseCursor }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SecurityHoldingsItemsDocument, { id: recordId, after: libraryCursor }), 'BAD_USER_INPUT', 'after');
  });

  test('a cursor of the right list with the wrong contents is refused', async () => {
    for (const c of [['lib', 5], ['lib', null], ['lib']]) {
      expectRefused(await api.gql(LibrariesDocument, { after: cursorOf(c) }), 'BAD_USER_INPUT', 'after');
    }
    for (const c of [['browse', 1, 2], ['browse', 'x'], ['browse', 'x', 'y'], ['browse', 'x', 1e20], ['browse', 'x', 1, 2]]) {
      expectRefused(await api.gql(SearchDocument, { after: cursorOf(c) }), 'BAD_USER_INPUT', 'after');
    }
    for (const c of [['search', 'high', 1], ['search', 1], ['search', 1, 1.5], ['search', null, 1]]) {
      expectRefused(await api.gql(SearchDocument, { query: 'lich su', after: cursorOf(c) }), 'BAD_USER_INPUT', 'after');
    }
    for (const c of [['item', 'abc'], ['item', -5], ['item', 1.5], ['item', 1e300], ['item', {}]]) {
      expectRefused(await api.gql(SecurityHoldingsItemsDocument, { id: recordId, after: cursorOf(c) }), 'BAD_USER_INPUT', 'after');
    }
  });

  test('a hand-made cursor holding a NUL character is refused, not sent to PostgreSQL', async () => {
    expectRefused(await api.gql(LibrariesDocument, { after: cursorOf(['lib', 'BDI\u0000']) }), 'BAD_USER_INPUT', 'after');
    expectRefused(await api.gql(SearchDocument, { after: cursorOf(['browse', 'a\u0000b', 1]) }), 'BAD_USER_INPUT', 'after');
  });
});

describe('ids', () => {
  const malformed: [string, string][] = [
    ['random text', 'not an id at all'],
    ['base64 of Foo:1', gid('Foo:1')],
    ['base64 of Item:abc', gid('Item:abc')],
    ['base64 of Item:0', gid('Item:0')],
    ['base64 of Item:-1', gid('Item:-1')],
    ['a number beyond any integer', gid('Item:99999999999999999999')],
    ['a number beyond the safe integers', gid('Item:9007199254740993')],
    ['the empty string', ''],
    ['a 5,000-character id', 'A'.repeat(5000)],
    ['a bare number', '12'],
    ['base64 with padding', Buffer.from('Item:1').toString('base64') + '='],
  ];

  test.each(malformed)('%s is refused by record, node and updateItem', async (_name, id) => {
    expectRefused(await api.gql(RecordDocument, { id }));
    expectRefused(await api.gql(NodeDocument, { id }));
    expectRefused(await api.gql(UpdateItemDocument, { input: { id, location: 'Kho 2' } }, { token }));
  });

  test('an id of the wrong type is refused where one type is expected', async () => {
    expectRefused(await api.gql(RecordDocument, { id: itemId }), 'BAD_USER_INPUT', 'id');
    expectRefused(await api.gql(UpdateItemDocument, { input: { id: recordId, location: 'Kho 2' } }, { token }), 'BAD_USER_INPUT', 'input.id');
    // node takes any type
    const node = await api.gql(NodeDocument, { id: itemId });
    expect(node.data!.node).toMatchObject({ __typename: 'Item', barcode: itemBarcode });
  });

  test('a well-formed id of nothing is simply not found', async () => {
    const ghostRecord = gid('BibliographicRecord:9007199254740991');
    const ghostItem = gid('Item:9007199254740991');
    const rec = await api.gql(RecordDocument, { id: ghostRecord });
    expect(rec.errors).toBeUndefined();
    expect(rec.data!.record).toBeNull();
    const node = await api.gql(NodeDocument, { id: ghostItem });
    expect(node.errors).toBeUndefined();
    expect(node.data!.node).toBeNull();
    const upd = await api.gql(UpdateItemDocument, { input: { id: ghostItem, location: 'Kho 2' } }, { token });
    expect(upd.errors).toBeUndefined();
    expect(upd.data!.updateItem).toMatchObject({ __typename: 'ItemNotFoundError', errorCode: 'ITEM_NOT_FOUND' });
  });
});

describe('library codes and filters', () => {
  test('an unknown library code in a search filter is refused, naming it', async () => {
    const res = await api.gql(SearchDocument, { query: 'lich su', filter: { libraryCodes: ['BDI-PL', 'bdi-nowhere'] } });
    expectRefused(res, 'BAD_USER_INPUT', 'filter.libraryCodes');
    expect(res.errors![0].message).toContain('BDI-NOWHERE');
  });

  test('a malformed library code is refused', async () => {
    for (const code of ["BDI-PL'; drop table items; --", '', ' ', 'x'.repeat(100), 'BDI\u0000PL']) {
      expectRefused(await api.gql(SearchDocument, { filter: { libraryCodes: [code] } }), 'BAD_USER_INPUT', 'filter.libraryCodes');
    }
  });

  test('more than 500 library codes are refused', async () => {
    const libraryCodes = Array.from({ length: 501 }, () => 'BDI-PL');
    expectRefused(await api.gql(SearchDocument, { filter: { libraryCodes } }), 'BAD_USER_INPUT', 'filter.libraryCodes');
  });

  test('an unknown parent library in the libraries filter is refused', async () => {
    expectRefused(await api.gql(LibrariesDocument, { filter: { parentCode: 'NO-SUCH' } }), 'BAD_USER_INPUT', 'parentCode');
  });

  test('malformed languages and years are refused', async () => {
    expectRefused(await api.gql(SearchDocument, { filter: { languages: ['english'] } }), 'BAD_USER_INPUT', 'filter.languages');
    expectRefused(await api.gql(SearchDocument, { filter: { yearFrom: -5 } }), 'BAD_USER_INPUT', 'filter.yearFrom');
    expectRefused(await api.gql(SearchDocument, { filter: { yearTo: 100000 } }), 'BAD_USER_INPUT', 'filter.yearTo');
  });
});

describe('text', () => {
  const createRecord = (title: string, extra: Record<string, unknown> = {}) =>
    api.gql(CreateRecordDocument, { input: { title, ...extra } }, { token });

  test('a 1,000,000-character string is refused (body limit or length check)', async () => {
    const res = await createRecord('x'.repeat(1_000_000));
    if (res.status === 413) {
      expect(res.errors![0].extensions?.code).toBe('BAD_REQUEST');
    } else {
      expectRefused(res, 'BAD_USER_INPUT', 'input.title');
    }
    expectRefused(await api.gql(SearchDocument, { query: 'x'.repeat(1_000_000) }), 'BAD_USER_INPUT', 'query');
  });

  test('a body over 1 MB is refused with 413', async () => {
    const res = await createRecord('x'.repeat(2_000_000));
    expect(res.status).toBe(413);
    expect(res.errors![0].extensions?.code).toBe('BAD_REQUEST');
    expect(res.errors![0].message).toMatch(/larger than/);
  });

  test('a 10,000-character title is refused, naming the field', async () => {
    const res = await createRecord('Sách '.repeat(2000));
    expectRefused(res, 'BAD_USER_INPUT', 'input.title');
    expect(res.errors![0].message).toContain('input.title');
  });

  test.each([
    ['NUL', 'Truyện\u0000Kiều'],
    ['SOH', 'Truyện\u0001Kiều'],
    ['an ANSI escape sequence', 'Truyện \u001b[2J Kiều'],
    ['DEL', 'Truyện\u007fKiều'],
  ])('a title with %s is refused', async (_name, title) => {
    expectRefused(await createRecord(title), 'BAD_USER_INPUT', 'input.title');
  });

  test('control characters in other fields are refused, naming them', async () => {
    expectRefused(await createRecord('Ổn', { contributors: [{ name: 'Nguyễn Du' }, { name: 'bad\u0002name' }] }), 'BAD_USER_INPUT', 'input.contributors[1].name');
    expectRefused(await createRecord('Ổn', { subtitle: 'a\u0000b' }), 'BAD_USER_INPUT', 'input.subtitle');
    expectRefused(await api.gql(SearchDocument, { query: 'lich\u0000su' }), 'BAD_USER_INPUT', 'query');
  });

  const rawCreate = (titleJson: string) =>
    api.post(
      `{"query":${JSON.stringify(print(CreateRecordDocument))},"variables":{"input":{"title":"${titleJson}"}}}`,
      { token },
    );

  test.each([
    ['a lone high surrogate', 'Truy\\ud800n Ki\\u1ec1u'],
    ['a lone low surrogate', 'Truy\\udc00n'],
    ['surrogates in the wrong order', '\\udc00\\ud800'],
  ])('%s ("\\ud800" in the JSON) is refused', async (_name, titleJson) => {
    expectRefused(await rawCreate(titleJson), 'BAD_USER_INPUT', 'input.title');
  });

  test('a proper surrogate pair (an emoji) is accepted', async () => {
    const res = await rawCreate('Th\\u01a1 \\ud83d\\udcda');
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ createRecord: { __typename: 'BibliographicRecord', title: 'Thơ 📚' } });
  });

  test('a lone surrogate in a search is refused', async () => {
    const res = await api.post(`{"query":${JSON.stringify(print(SearchDocument))},"variables":{"query":"truy\\ud800n"}}`);
    expectRefused(res, 'BAD_USER_INPUT', 'query');
  });

  test('raw invalid UTF-8 bytes in the body are not a server error', async () => {
    const inString = Buffer.concat([
      Buffer.from(`{"query":${JSON.stringify(print(SearchDocument))},"variables":{"query":"truy`),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88]),
      Buffer.from('n kieu"}}'),
    ]);
    const res = await api.post(inString);
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');

    const inStructure = Buffer.concat([Buffer.from('{"query":"{ __typename }"'), Buffer.from([0xff, 0xc0]), Buffer.from('}')]);
    expect4xx(await api.post(inStructure));

    const inUsername = Buffer.concat([
      Buffer.from(`{"query":${JSON.stringify(print(LoginDocument))},"variables":{"username":"adm`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('in","password":"x"}}'),
    ]);
    const login = await api.post<{ login: { __typename: string } }>(inUsername);
    expect(login.status).toBeLessThan(500);
    expect(login.data?.login.__typename).toBe('InvalidCredentialsError');
  });
});

describe('malformed requests', () => {
  test.each([
    ['cut short', '{"query": '],
    ['a trailing comma', '{"query": "{ __typename }",}'],
    ['single quotes', "{'query': '{ __typename }'}"],
    ['null', 'null'],
    ['a bare string', '"{ __typename }"'],
    ['empty', ''],
  ])('a body that is not a JSON object (%s) gets 400', async (_name, body) => {
    const res = await api.post(body);
    expect(res.status).toBe(400);
    expect(res.errors?.length).toBeGreaterThan(0);
  });

  test.each([
    ['no query', {}],
    ['a query that is not a string', { query: 42 }],
    ['variables that are not an object', { query: '{ __typename }', variables: 'x' }],
    ['variables that are a list', { query: '{ __typename }', variables: [1] }],
    ['an operation name that is not a string', { query: '{ __typename }', operationName: 5 }],
    ['a query that does not parse', { query: '{ searchCatalog(' }],
    ['an unknown field', { query: '{ nothingHere }' }],
    ['an unknown operation name', { query: 'query A { __typename }', operationName: 'B' }],
  ])('a GraphQL request with %s gets 400', async (_name, body) => {
    const res = await api.post(body);
    expect(res.status).toBe(400);
    expect(res.errors?.length).toBeGreaterThan(0);
    expect(res.errors![0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  test('a very deeply nested query is refused without harm', async () => {
    const depth = 5000;
    const query = `{ ${'searchCatalog { edges { node { holdings { library { parent { '.repeat(1)}${'parent { '.repeat(depth)}code${' }'.repeat(depth)} } } } } } } }`;
    const res = await api.post({ query });
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.length).toBeGreaterThan(0);
    expect(res.errors![0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  test.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=xyz'],
    ['JSON in a charset nobody speaks', 'application/json; charset=klingon'],
  ])('a JSON body sent as %s is refused with a 4xx', async (_name, contentType) => {
    const res = await api.post(JSON.stringify({ query: '{ __typename }' }), { headers: { 'content-type': contentType } });
    expect4xx(res);
  });

  test('a batched (array) body is refused', async () => {
    const res = await api.post([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect4xx(res);
    expect(res.data ?? null).toBeNull();
  });

  test('a mutation over GET is refused and changes nothing', async () => {
    const mutation = 'mutation { createRecord(input: { title: "Sent over GET" }) { __typename } }';
    const url = `${api.url}?query=${encodeURIComponent(mutation)}`;
    const preflighted = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(405);
    const simple = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect4xx(simple);
    expect(await count(`select count(*) n from bib_records where title = 'Sent over GET'`)).toBe(0);

    // queries over GET are fine
    const query = await fetch(`${api.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(query.status).toBe(200);
    expect(await query.json()).toMatchObject({ data: { __typename: 'Query' } });
  });
});

describe('SQL-looking input', () => {
  test.each([
    "'; drop table items; --",
    '" or 1=1 --',
    "lich su') or ('1'='1",
    '$$; delete from items; $$',
    '%',
    '\\',
    "Truyện Kiều'::text",
  ])('search for %p just searches', async (query) => {
    const itemsBefore = await count('select count(*) n from items');
    const res = await api.gql(SecuritySearchTotalDocument, { query, first: 5 });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data!.searchCatalog.totalCount).toBeGreaterThanOrEqual(0);
    expect(await count(`select count(*) n from pg_tables where tablename = 'items'`)).toBe(1);
    expect(await count('select count(*) n from items')).toBe(itemsBefore);
  });

  test('quotes and comment marks around words are just punctuation', async () => {
    for (const query of ["'truyen' 'kieu'", "truyen kieu'; --", '"truyen kieu" /* */']) {
      const res = await api.gql(SecuritySearchTotalDocument, { query, first: 5 });
      expect(res.errors).toBeUndefined();
      expect(res.data!.searchCatalog.edges.map((e) => e.node.title)).toContain('Truyện Kiều');
    }
  });

  test('library search treats % and _ literally', async () => {
    const all = await api.gql(LibrariesDocument, { first: 100 });
    expect(all.data!.libraries.totalCount).toBeGreaterThan(20);
    for (const query of ['%', "'; drop table libraries; --"]) {
      const res = await api.gql(LibrariesDocument, { filter: { query } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.libraries.totalCount).toBe(0);
    }
    expect(await count(`select count(*) n from libraries`)).toBe(all.data!.libraries.totalCount);
  });

  test('a SQL-looking username does not sign anyone in', async () => {
    const res = await api.gql(LoginDocument, { username: "admin'--", password: "' or '1'='1" });
    expect(res.data!.login.__typename).toBe('InvalidCredentialsError');
  });
});

describe('nothing half-written', () => {
  const state = async () => ({
    records: await count('select count(*) n from bib_records'),
    items: await count('select count(*) n from items'),
    audit: await count('select count(*) n from audit_log'),
  });

  test('a record with one valid and one invalid ISBN is not stored', async () => {
    const before = await state();
    const res = await api.gql(
      CreateRecordDocument,
      { input: { title: 'Nửa chừng', isbns: ['978-0-306-40615-7', '978-0-306-40615-8'] } },
      { token },
    );
    expect(res.data!.createRecord).toMatchObject({ __typename: 'InvalidIsbnError', errorCode: 'INVALID_ISBN', isbn: '978-0-306-40615-8' });
    expect(await state()).toEqual(before);
    expect(await count(`select count(*) n from bib_records where title = 'Nửa chừng' or '9780306406157' = any(isbns)`)).toBe(0);
  });

  test('a record with a bad contributor after a good one is not stored', async () => {
    const before = await state();
    expectRefused(
      await api.gql(CreateRecordDocument, { input: { title: 'Nửa chừng', contributors: [{ name: 'Khái Hưng' }, { name: '\u0007' }] } }, { token }),
      'BAD_USER_INPUT',
      'input.contributors[1].name',
    );
    expect(await state()).toEqual(before);
  });

  test('a copy of an unknown record is not stored', async () => {
    const before = await state();
    const res = await api.gql(
      AddItemDocument,
      { input: { recordId: gid('BibliographicRecord:987654321'), libraryCode: 'BDI-PL', barcode: 'HALF-0001' } },
      { token },
    );
    expect(res.data!.addItem).toMatchObject({ __typename: 'RecordNotFoundError', errorCode: 'RECORD_NOT_FOUND' });
    expect(await state()).toEqual(before);
    expect(await count(`select count(*) n from items where barcode = 'HALF-0001'`)).toBe(0);
  });

  test('a copy with bad notes, at an unknown library, or with a taken barcode is not stored', async () => {
    const before = await state();
    expectRefused(
      await api.gql(AddItemDocument, { input: { recordId, libraryCode: 'BDI-PL', barcode: 'HALF-0002', notes: 'ok\u0000' } }, { token }),
      'BAD_USER_INPUT',
      'input.notes',
    );
    const unknown = await api.gql(AddItemDocument, { input: { recordId, libraryCode: 'BDI-XX', barcode: 'HALF-0003' } }, { token });
    expect(unknown.data!.addItem).toMatchObject({ __typename: 'UnknownLibraryError', libraryCode: 'BDI-XX' });
    const taken = await api.gql(AddItemDocument, { input: { recordId, libraryCode: 'BDI-PL', barcode: itemBarcode } }, { token });
    expect(taken.data!.addItem).toMatchObject({ __typename: 'DuplicateBarcodeError', barcode: itemBarcode });
    expect(await state()).toEqual(before);
    expect(await count(`select count(*) n from items where barcode like 'HALF-%'`)).toBe(0);
  });

  test('a refused change to a copy leaves it as it was', async () => {
    const before = await env.sql(dbUrl, 'select * from items where barcode = $1', [itemBarcode]);
    expectRefused(
      await api.gql(UpdateItemDocument, { input: { id: itemId, location: 'Kho mới', notes: 'x'.repeat(3000) } }, { token }),
      'BAD_USER_INPUT',
      'input.notes',
    );
    expect(await env.sql(dbUrl, 'select * from items where barcode = $1', [itemBarcode])).toEqual(before);
  });
});

describe('after all that', () => {
  test('the server still serves normally and logged no internal error', async () => {
    expect(api.child.exitCode).toBeNull();
    const res = await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data!.searchCatalog.edges[0].node.title).toBe('Truyện Kiều');
    const me = await api.gql(LoginDocument, { username: 'admin', password: 'shelfnet-demo' });
    expect(me.data!.login.__typename).toBe('AuthPayload');
    const internal = api.logs.filter((l) => /"msg":"(internal error|request failed)"/.test(l));
    expect(internal).toEqual([]);
  });
});
