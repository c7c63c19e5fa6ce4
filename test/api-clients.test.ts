import {
  AccessApiClientsDocument,
  AccessAuditLogDocument,
  AccessCreateApiClientDocument,
  AccessMeDocument,
  AccessPatronContactDocument,
  AccessRevokeApiClientDocument,
  CircCheckoutDocument,
  CircLoansDocument,
  SearchDocument,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer, data } from './support/harness';
import { thrownCode } from './support/security';

/** API keys of partner systems, and the audit log read by administrators. */
const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
const tokens = { admin: '', plAdmin: '', pl: '', ts: '' };

beforeAll(async () => {
  dbUrl = await env.database('demo');
  api = await env.server({ dbUrl });
  [tokens.admin, tokens.plAdmin, tokens.pl, tokens.ts] = await Promise.all(['admin', 'admin.bdi-pl', 'librarian.bdi-pl', 'librarian.bdi-ts'].map((u) => api.login(u)));
});
afterAll(() => env.close());

type Permission = 'READ_HOLDINGS' | 'READ_PATRONS' | 'CIRCULATION' | 'RESOURCE_SHARING' | 'READ_EVENTS';

async function createKey(libraryCode: string, permissions: Permission[], token = tokens.plAdmin, name = 'Koha đối tác') {
  const r = data(await api.gql(AccessCreateApiClientDocument, { input: { libraryCode, name, permissions } }, { token })).createApiClient;
  if (r.__typename !== 'ApiClientCreated') throw new Error(JSON.stringify(r));
  return r;
}

const withKey = (key: string) => ({ headers: { 'x-api-key': key } });
const expectCode = (res: GqlResponse<unknown>, code: string) => expect(thrownCode(res)).toBe(code);

describe('API clients', () => {
  test('a library admin creates a key for their library: shown once, stored as a hash, listed by prefix', async () => {
    const created = await createKey('BDI-PL', ['READ_HOLDINGS', 'READ_HOLDINGS']);
    expect(created.apiKey).toMatch(/^snk_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    expect(created.client).toMatchObject({ name: 'Koha đối tác', permissions: ['READ_HOLDINGS'], active: true, lastUsedAt: null, library: { code: 'BDI-PL' } });
    expect(created.apiKey.startsWith(created.client.keyPrefix)).toBe(true);
    const stored = await env.sql<Record<string, unknown>>(dbUrl, 'select * from api_clients where key_prefix = $1', [created.client.keyPrefix.slice(4)]);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(created.apiKey.slice(15));
    const listed = data(await api.gql(AccessApiClientsDocument, {}, { token: tokens.plAdmin })).apiClients.edges.map((e) => e.node);
    expect(listed.find((c) => c.id === created.client.id)).toMatchObject({ keyPrefix: created.client.keyPrefix, active: true });
    expect(JSON.stringify(listed)).not.toContain(created.apiKey);
  });

  test('who may create and list keys: library admins for their library, network admins for any', async () => {
    const byLibrarian = data(await api.gql(AccessCreateApiClientDocument, { input: { libraryCode: 'BDI-PL', name: 'x', permissions: ['READ_HOLDINGS'] } }, { token: tokens.pl })).createApiClient;
    expect(byLibrarian).toMatchObject({ __typename: 'NotPermittedError' });
    const otherLibrary = data(await api.gql(AccessCreateApiClientDocument, { input: { libraryCode: 'BDI-TS', name: 'x', permissions: ['READ_HOLDINGS'] } }, { token: tokens.plAdmin })).createApiClient;
    expect(otherLibrary).toMatchObject({ __typename: 'NotPermittedError' });
    const byNetworkAdmin = await createKey('BDI-TS', ['CIRCULATION'], tokens.admin, 'Tây Sơn kiosk');
    expect(byNetworkAdmin.client.library?.code).toBe('BDI-TS');
    expectCode(await api.gql(AccessCreateApiClientDocument, { input: { libraryCode: 'BDI-PL', name: 'x', permissions: ['READ_HOLDINGS'] } }), 'UNAUTHENTICATED');
    expectCode(await api.gql(AccessCreateApiClientDocument, { input: { libraryCode: 'BDI-PL', name: 'x', permissions: [] } }, { token: tokens.plAdmin }), 'BAD_USER_INPUT');
    // the PL admin does not see the TS key; the network admin sees both
    const plList = data(await api.gql(AccessApiClientsDocument, { libraryCode: 'BDI-TS' }, { token: tokens.plAdmin })).apiClients.edges;
    expect(plList).toEqual([]);
    const all = data(await api.gql(AccessApiClientsDocument, { first: 100 }, { token: tokens.admin })).apiClients.edges.map((e) => e.node.library?.code);
    expect(new Set(all)).toEqual(new Set(['BDI-PL', 'BDI-TS']));
    expectCode(await api.gql(AccessApiClientsDocument, {}, { token: tokens.pl }), 'FORBIDDEN');
  });

  test('a key works as X-API-Key or Bearer, only within its permissions, and records its last use', async () => {
    const { apiKey, client } = await createKey('BDI-PL', ['READ_HOLDINGS']);
    const me = data(await api.gql(AccessMeDocument, {}, withKey(apiKey))).me;
    expect(me).toEqual({ kind: 'API_CLIENT', account: null, patron: null });
    expect(data(await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 }, { token: apiKey })).searchCatalog.edges).toHaveLength(1);
    // no permission for desk lists or readers
    expectCode(await api.gql(CircLoansDocument, { filter: { libraryCode: 'BDI-PL' } }, withKey(apiKey)), 'FORBIDDEN');
    expectCode(await api.gql(AccessPatronContactDocument, { cardNumber: 'PL-000001' }, withKey(apiKey)), 'FORBIDDEN');
    const used = await env.sql<{ last_used_at: Date | null }>(dbUrl, 'select last_used_at from api_clients where key_prefix = $1', [client.keyPrefix.slice(4)]);
    expect(used[0].last_used_at).not.toBeNull();
  });

  test('a CIRCULATION key lends at its own library only; a READ_PATRONS key reads its own readers only', async () => {
    const circ = (await createKey('BDI-PL', ['CIRCULATION'])).apiKey;
    const copies = await env.sql<{ barcode: string; lib: string }>(
      dbUrl,
      `select distinct on (l.code) i.barcode, l.code lib from items i join libraries l on l.id = i.library_id
        where i.status = 'AVAILABLE' and i.loanable and l.code in ('BDI-PL', 'BDI-TS') order by l.code, i.id`,
    );
    const pl = copies.find((c) => c.lib === 'BDI-PL')!;
    const ts = copies.find((c) => c.lib === 'BDI-TS')!;
    const lent = data(await api.gql(CircCheckoutDocument, { barcode: pl.barcode, cardNumber: 'PL-000002' }, withKey(circ))).checkoutItem;
    expect(lent.__typename).toBe('Loan');
    const refused = data(await api.gql(CircCheckoutDocument, { barcode: ts.barcode, cardNumber: 'PL-000002' }, withKey(circ))).checkoutItem;
    expect(refused.__typename).toBe('NotPermittedError');
    const readers = (await createKey('BDI-PL', ['READ_PATRONS'])).apiKey;
    const own = data(await api.gql(AccessPatronContactDocument, { cardNumber: 'PL-000001' }, withKey(readers))).patron;
    expect(own).toMatchObject({ cardNumber: 'PL-000001', homeLibrary: { code: 'BDI-PL' } });
    // a reader of another library with no loan or hold here is not visible at all
    await env.sql(
      dbUrl,
      `insert into patrons (card_number, full_name, home_library_id, category, expires_on, phone, email)
       values ('TSK-000001', 'Võ Thị Sáu', (select id from libraries where code = 'BDI-TS'), 'ADULT', current_date + 365, '0905 000 111', 'sau@example.vn')`,
    );
    expect(data(await api.gql(AccessPatronContactDocument, { cardNumber: 'TSK-000001' }, withKey(readers))).patron).toBeNull();
  });

  test('a revoked key stops working at once; revoking is for admins of its library', async () => {
    const { apiKey, client } = await createKey('BDI-PL', ['READ_HOLDINGS']);
    expect(data(await api.gql(AccessMeDocument, {}, withKey(apiKey))).me?.kind).toBe('API_CLIENT');
    expect(data(await api.gql(AccessRevokeApiClientDocument, { id: client.id }, { token: tokens.pl })).revokeApiClient.__typename).toBe('NotPermittedError');
    expect(data(await api.gql(AccessRevokeApiClientDocument, { id: client.id }, { token: tokens.ts })).revokeApiClient.__typename).toBe('NotPermittedError');
    // an admin of another library does not learn the client exists
    await env.sql(
      dbUrl,
      `insert into accounts (username, password_hash, role, library_id, active)
       select 'admin.bdi-ts', password_hash, 'LIBRARY_ADMIN', (select id from libraries where code = 'BDI-TS'), true from accounts where username = 'admin.bdi-pl'
       on conflict (username) do nothing`,
    );
    const tsAdmin = await api.login('admin.bdi-ts');
    expect(data(await api.gql(AccessRevokeApiClientDocument, { id: client.id }, { token: tsAdmin })).revokeApiClient.__typename).toBe('ApiClientNotFoundError');
    const revoked = data(await api.gql(AccessRevokeApiClientDocument, { id: client.id }, { token: tokens.plAdmin })).revokeApiClient;
    expect(revoked).toMatchObject({ __typename: 'ApiClient', active: false, revokedAt: expect.any(String) });
    const after = await api.gql(AccessMeDocument, {}, withKey(apiKey));
    expect(after.status).toBe(401);
    expectCode(after, 'UNAUTHENTICATED');
    expectCode(await api.gql(AccessRevokeApiClientDocument, { id: 'bm90LWFuLWlk' }, { token: tokens.plAdmin }), 'BAD_USER_INPUT');
  });

  test('malformed, unknown and doubled credentials are refused with 401', async () => {
    const { apiKey } = await createKey('BDI-PL', ['READ_HOLDINGS']);
    const cases: Record<string, string>[] = [
      { 'x-api-key': 'snk_0000000000_' + 'A'.repeat(43) },
      { 'x-api-key': apiKey.slice(0, -1) + (apiKey.endsWith('A') ? 'B' : 'A') },
      { 'x-api-key': 'garbage' },
      { 'x-api-key': apiKey, authorization: `Bearer ${tokens.pl}` },
    ];
    for (const headers of cases) {
      const res = await api.gql(AccessMeDocument, {}, { headers });
      expect(res.status).toBe(401);
      expectCode(res, 'UNAUTHENTICATED');
    }
  });
});

describe('auditLog', () => {
  test('library admins read their library’s entries; network admins every entry; filters and pages work', async () => {
    const { client } = await createKey('BDI-PL', ['READ_HOLDINGS']);
    await createKey('BDI-TS', ['READ_HOLDINGS'], tokens.admin, 'TS key');
    const pl = data(await api.gql(AccessAuditLogDocument, { first: 100 }, { token: tokens.plAdmin })).auditLog.edges.map((e) => e.node);
    expect(pl.length).toBeGreaterThan(0);
    expect(pl.every((e) => e.library?.code === 'BDI-PL')).toBe(true);
    const created = pl.find((e) => e.action === 'createApiClient' && (e.after as { keyPrefix?: string }).keyPrefix === client.keyPrefix);
    expect(created).toMatchObject({ actorKind: 'STAFF', actor: 'admin.bdi-pl', entity: 'ApiClient' });
    // newest first
    const ats = pl.map((e) => Date.parse(e.at));
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);

    const logins = data(await api.gql(AccessAuditLogDocument, { filter: { action: 'login', actor: 'librarian.bdi-pl' } }, { token: tokens.plAdmin })).auditLog.edges;
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((e) => e.node.action === 'login' && e.node.actor === 'librarian.bdi-pl')).toBe(true);

    const ts = data(await api.gql(AccessAuditLogDocument, { filter: { libraryCode: 'BDI-TS' } }, { token: tokens.admin })).auditLog.edges;
    expect(ts.some((e) => e.node.action === 'createApiClient' && e.node.actor === 'admin')).toBe(true);
    const future = data(await api.gql(AccessAuditLogDocument, { filter: { from: new Date(Date.now() + 3600_000).toISOString() } }, { token: tokens.admin })).auditLog.edges;
    expect(future).toEqual([]);

    // pages: walking with after returns every entry once
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } } = data(
        await api.gql(AccessAuditLogDocument, { first: 7, after }, { token: tokens.plAdmin }),
      ).auditLog;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(pl.length);
  });

  test('others are refused: a library admin for another library, librarians, patrons, anonymous', async () => {
    expectCode(await api.gql(AccessAuditLogDocument, { filter: { libraryCode: 'BDI-TS' } }, { token: tokens.plAdmin }), 'FORBIDDEN');
    expectCode(await api.gql(AccessAuditLogDocument, {}, { token: tokens.pl }), 'FORBIDDEN');
    expectCode(await api.gql(AccessAuditLogDocument, {}), 'UNAUTHENTICATED');
    const patron = await api.post<{ loginPatron: { token: string } }>({ query: 'mutation { loginPatron(cardNumber: "PL-000001", pin: "1234") { ... on PatronAuthPayload { token } } }' });
    expectCode(await api.gql(AccessAuditLogDocument, {}, { token: patron.data!.loginPatron.token }), 'FORBIDDEN');
  });
});
