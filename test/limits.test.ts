import fs from 'node:fs';
import path from 'node:path';
import { print } from 'graphql';
import { Client } from 'pg';
import { LimitsCheapDocument, LimitsDearDocument, LimitsUpdateItemDocument, SearchDocument } from './__generated__/operations';
import { GqlResponse, ROOT, TestEnv, TestServer, data } from './support/harness';
import { thrownCode } from './support/security';

/**
 * The limits with their defaults (README "Security and limits"): document shape, cost, rate
 * buckets (in memory and shared through Redis), timeouts, headers, CORS, CSRF, trusted documents.
 */
const env = new TestEnv();
afterAll(() => env.close());

/** Servers of this file run with the defaults, not the harness's raised limits. */
const DEFAULTS = { RATE_LIMIT_POINTS: undefined, RATE_LIMIT_REFILL_PER_SECOND: undefined, MAX_COST: undefined };

const nest = (field: string, depth: number, leaf: string) => `${`${field} { `.repeat(depth)}${leaf}${' }'.repeat(depth)}`;

function expectRefused(res: GqlResponse<unknown>, status: number, code: string, message: RegExp) {
  expect(res.status).toBe(status);
  expect(res.data ?? null).toBeNull();
  expect(res.errors![0]).toMatchObject({ extensions: { code } });
  expect(res.errors![0].message).toMatch(message);
}

describe('the shape of a document', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await env.server({ env: DEFAULTS });
  });

  test('depth: 12 levels run, 13 are refused', async () => {
    // library (1) + parent x10 + code (12)
    const ok = await api.post({ query: `{ library(code: "BDI-TS") { ${nest('parent', 10, 'code')} } }` });
    expect(ok.errors).toBeUndefined();
    expectRefused(await api.post({ query: `{ library(code: "BDI-TS") { ${nest('parent', 11, 'code')} } }` }), 400, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 12/i);
  });

  test('aliases: 15 run, 16 are refused', async () => {
    // (aliases of __typename are free)
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: library(code: "BDI-PL") { code }`).join(' ')} }`;
    expect((await api.post({ query: aliases(15) })).errors).toBeUndefined();
    expectRefused(await api.post({ query: aliases(16) }), 400, 'GRAPHQL_VALIDATION_FAILED', /aliases limit of 15/i);
  });

  test('directives: 50 run, 51 are refused', async () => {
    const directives = (n: number) => `{ ${'__typename @include(if: true) '.repeat(n)}}`;
    expect((await api.post({ query: directives(50) })).errors).toBeUndefined();
    expectRefused(await api.post({ query: directives(51) }), 400, 'GRAPHQL_VALIDATION_FAILED', /directives limit of 50/i);
  });

  test('tokens: more than 2,000 are refused while parsing', async () => {
    const query = `{ ${'a '.repeat(2000)}}`;
    expect(query.length).toBeLessThan(15_000);
    expectRefused(await api.post({ query }), 400, 'GRAPHQL_PARSE_FAILED', /more tha[nt] 2000 tokens/i);
  });

  test('size: a document over 15,000 characters is refused unread (413); one of 15,000 runs', async () => {
    const pad = (n: number) => `{ __typename }\n#${'x'.repeat(n - 16)}`;
    expect(pad(15_000)).toHaveLength(15_000);
    expect((await api.post({ query: pad(15_000) })).errors).toBeUndefined();
    expectRefused(await api.post({ query: pad(15_001) }), 413, 'QUERY_TOO_LARGE', /15001 characters; at most 15000/);
  });

  test('cost: lists cost by their first; over 5,000 points is refused before anything runs', async () => {
    // its own server: the tests above spent this address's bucket
    const fresh = await env.server({ env: DEFAULTS });
    // a page size the resolver refuses is not priced beyond 100
    const huge = await fresh.gql(SearchDocument, { first: 1_000_000 });
    expect(thrownCode(huge)).toBe('BAD_USER_INPUT');
    const ok = await fresh.gql(LimitsDearDocument, { first: 2 }, { token: await fresh.login('librarian.bdi-pl') });
    expect(ok.errors).toBeUndefined();
    expect((ok.extensions?.rateLimit as { cost: number }).cost).toBeGreaterThan(4000);
    expectRefused(await fresh.gql(LimitsDearDocument, { first: 3 }), 400, 'COST_LIMIT_EXCEEDED', /costs \d+ points; at most 5000/);
  });
});

describe('rate buckets', () => {
  test('defaults: 1,000 points refilling at 50/s per viewer, the budget in extensions, RATE_LIMITED with Retry-After', async () => {
    const api = await env.server({ env: DEFAULTS });
    const first = await api.gql(LimitsCheapDocument, {});
    const budget = first.extensions?.rateLimit as { limit: number; remaining: number; cost: number };
    expect(budget).toMatchObject({ limit: 1000, cost: 5 });
    // 1,000 - 1 at the door - 4 more, give or take what refilled in between
    expect(budget.remaining).toBeGreaterThanOrEqual(995);
    expect(budget.remaining).toBeLessThanOrEqual(1000);
    expect(first.status).toBe(200);
    // a staff member spends their own bucket: an operation dearer than the bucket takes all of it
    const token = await api.login('librarian.bdi-pl');
    const dear = await api.gql(LimitsDearDocument, { first: 2 }, { token });
    expect(dear.errors).toBeUndefined();
    // all of it, less what refilled (50 points/s) between the take and the answer on a busy machine
    expect((dear.extensions?.rateLimit as { remaining: number }).remaining).toBeLessThanOrEqual(5);
    const res = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(LimitsDearDocument), variables: { first: 2 } }),
    });
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(20);
    const body = (await res.json()) as GqlResponse<unknown>;
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retry, limit: 1000 } });
    expect(body.errors![0].message).toMatch(/retry in \d+ s/);
    // anonymous callers (their own bucket, by address) are unaffected
    const other = await api.gql(LimitsCheapDocument, {});
    expect(other.errors).toBeUndefined();
    expect((other.extensions!.rateLimit as { remaining: number }).remaining).toBeGreaterThan(900);
  });

  test('refused documents cost 50 points each: a client that keeps sending them meets 429 at the door', async () => {
    const api = await env.server({ env: DEFAULTS });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await api.post({ query: `{ library(code: "BDI-TS") { ${nest('parent', 20, 'code')} } }` })).status);
    const first429 = statuses.indexOf(429);
    // 1,000 points pay for about 20 refusals (plus what refills meanwhile)
    expect(first429).toBeGreaterThanOrEqual(18);
    expect(statuses.slice(0, first429).every((st) => st === 400)).toBe(true);
    // from then on the bucket is in debt: refills pay for a refusal only now and then
    const after = statuses.slice(first429);
    expect(after.every((st) => st === 429 || st === 400)).toBe(true);
    expect(after.filter((st) => st === 429).length).toBeGreaterThan(after.length / 2);
  });

  test('a body costs a point per 10,000 bytes on top of its door point: 1 MB bodies meet 429 long before cheap ones', async () => {
    const api = await env.server({ env: DEFAULTS });
    const remaining = (r: GqlResponse<unknown>) => (r.extensions!.rateLimit as { remaining: number }).remaining;
    const small = await api.post({ query: '{ __typename }' });
    // the same operation with 600 kB of variables it does not use: 60 points more
    const big = await api.post({ query: '{ __typename }', variables: { pad: 'x'.repeat(600_000) } });
    expect(big.status).toBe(200);
    expect(big.errors).toBeUndefined();
    const drop = remaining(small) - remaining(big);
    expect(drop).toBeGreaterThanOrEqual(55);
    expect(drop).toBeLessThanOrEqual(62);
    // near-1 MB bodies: about ten of them empty the bucket, then the door refuses them unread
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await api.post({ query: '{ __typename }', variables: { pad: 'x'.repeat(990_000) } })).status);
    expect(statuses.slice(0, 8).every((st) => st === 200)).toBe(true);
    expect(statuses.slice(10)).toContain(429);
  });

  const tiny = { RATE_LIMIT_POINTS: '100', RATE_LIMIT_REFILL_PER_SECOND: '1', MAX_COST: undefined };
  const spend = async (api: TestServer) => {
    // ~100 points: the dear query takes the whole bucket
    const r = await api.gql(LimitsDearDocument, { first: 1 });
    expect(r.errors).toBeUndefined();
  };

  test('with REDIS_URL the bucket is shared by every API process', async () => {
    const dbUrl = await env.database('demo');
    const shared = { ...tiny, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `sn-test-${process.pid}-${Date.now()}:` };
    const one = await env.server({ dbUrl, env: shared });
    const two = await env.server({ dbUrl, env: shared });
    await spend(one);
    const refused = await two.gql(LimitsCheapDocument, {});
    expect(refused.status).toBe(429);
    expect(thrownCode(refused)).toBe('RATE_LIMITED');
  });

  test('without REDIS_URL each process keeps its own buckets', async () => {
    const dbUrl = await env.database('demo');
    const one = await env.server({ dbUrl, env: tiny });
    const two = await env.server({ dbUrl, env: tiny });
    await spend(one);
    expect((await one.gql(LimitsCheapDocument, {})).status).toBe(429);
    expect((await two.gql(LimitsCheapDocument, {})).status).toBe(200);
  });

  test('a Redis that cannot be reached does not take the API down: buckets fall back to the process', async () => {
    const api = await env.server({ env: { ...tiny, REDIS_URL: 'redis://127.0.0.1:1' } });
    await spend(api);
    expect((await api.gql(LimitsCheapDocument, {})).status).toBe(429);
    expect(api.logs.some((l) => /redis/.test(l) && /per process|this process only/.test(l))).toBe(true);
  });
});

describe('timeouts', () => {
  let dbUrl: string;
  let itemId: string;
  let lock: Client;

  beforeAll(async () => {
    dbUrl = await env.database('demo');
    const [row] = await env.sql<{ id: string }>(dbUrl, `select id from items where status = 'AVAILABLE' order by id limit 1`);
    itemId = Buffer.from(`Item:${row.id}`).toString('base64url');
  });

  /** Holds the copy's row in a transaction of our own, so a change to it waits. */
  async function holdRow(): Promise<() => Promise<void>> {
    lock = new Client({ connectionString: dbUrl });
    await lock.connect();
    await lock.query('begin');
    await lock.query(`select 1 from items where id = $1 for update`, [Buffer.from(itemId, 'base64url').toString().split(':')[1]]);
    return async () => {
      await lock.query('rollback');
      await lock.end();
    };
  }

  test('a statement that runs past STATEMENT_TIMEOUT_MS is stopped by PostgreSQL: TIMEOUT, not an internal error', async () => {
    const api = await env.server({ dbUrl, env: { STATEMENT_TIMEOUT_MS: '300' } });
    const token = await api.login('librarian.bdi-pl');
    const release = await holdRow();
    let res: GqlResponse<unknown>;
    try {
      res = await api.gql(LimitsUpdateItemDocument, { id: itemId, location: 'Kho chờ' }, { token });
    } finally {
      await release();
    }
    expect(res.status).toBeLessThan(500);
    expect(thrownCode(res)).toBe('TIMEOUT');
    expect(JSON.stringify(res.errors)).not.toMatch(/statement|canceling|sql|items/i);
    const again = data(await api.gql(LimitsUpdateItemDocument, { id: itemId, location: 'Kho mở' }, { token }));
    expect(again.updateItem).toMatchObject({ __typename: 'Item', location: 'Kho mở' });
    // the default on a server started without the setting
    const plain = await env.server({ dbUrl, env: { LOG_LEVEL: 'info' } });
    expect(plain.logs.join('\n')).not.toMatch(/statement timeout/);
  });

  test('a request not answered within REQUEST_TIMEOUT_MS gets 503 TIMEOUT; the server goes on serving', async () => {
    const api = await env.server({ dbUrl, env: { REQUEST_TIMEOUT_MS: '1500', STATEMENT_TIMEOUT_MS: '4000' } });
    const token = await api.login('librarian.bdi-pl');
    const release = await holdRow();
    let status = 0;
    let body: GqlResponse<unknown>;
    try {
      const res = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(LimitsUpdateItemDocument), variables: { id: itemId, location: 'Kho chậm' } }),
      });
      status = res.status;
      expect(res.headers.get('retry-after')).toBe('1');
      body = (await res.json()) as GqlResponse<unknown>;
    } finally {
      await release();
    }
    expect(status).toBe(503);
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'TIMEOUT' } });
    expect(data(await api.gql(LimitsCheapDocument, {})).libraries.edges).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 3000));
    expect(api.logs.filter((l) => /"msg":"(internal error|request failed)"/.test(l))).toEqual([]);
  });
});

describe('HTTP: headers, CORS, CSRF', () => {
  let api: TestServer;
  beforeAll(async () => {
    api = await env.server({ env: { CORS_ORIGINS: 'https://app.example.vn,https://thuvien.example.vn' } });
  });

  test('API answers carry security headers and a policy that lets nothing load', async () => {
    const res = await fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  test('GraphiQL gets a policy allowing its own scripts and its one inline script (by hash)', async () => {
    const res = await fetch(api.url, { headers: { accept: 'text/html' } });
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  test('CORS: listed origins may call, others get no CORS headers', async () => {
    const pre = (origin: string) =>
      fetch(api.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    const ok = await pre('https://app.example.vn');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.vn');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const evil = await pre('https://evil.example.com');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // by default no origin is allowed
    const plain = await env.server();
    const none = await fetch(plain.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.vn', 'access-control-request-method': 'POST' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('CSRF: a GET without a preflight-forcing header is refused (Apollo csrfPrevention)', async () => {
    const res = await fetch(`${api.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Cross-Site Request Forgery/i);
  });

  test('field suggestions can be turned on in production by config', async () => {
    const prod = await env.server({ env: { NODE_ENV: 'production', JWT_SECRET: 'limits-production-secret-0123456789-abcdef', FIELD_SUGGESTIONS: 'true' } });
    const res = await prod.post({ query: '{ searchCatalg(query: "x") { totalCount } }' });
    expect(res.errors![0].message).toMatch(/did you mean/i);
  });
});

describe('trusted documents', () => {
  const MANIFEST = path.join(ROOT, 'test', '__generated__', 'trusted', 'persisted-documents.json');
  let api: TestServer;
  let searchId: string;
  let searchText: string;

  beforeAll(async () => {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    [searchId, searchText] = Object.entries(manifest).find(([, text]) => text.startsWith('query Search('))!;
    api = await env.server({ env: { TRUSTED_DOCUMENTS_FILE: MANIFEST, TRUSTED_DOCUMENTS_ONLY: 'true' } });
  });

  test('anonymous clients run manifest documents by id (or exact text), not ad-hoc ones', async () => {
    const byId = await api.post<{ searchCatalog: { edges: unknown[] } }>({ documentId: searchId, variables: { query: 'truyen kieu', first: 1 } });
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.searchCatalog.edges).toHaveLength(1);
    const byApq = await api.post({ extensions: { persistedQuery: { version: 1, sha256Hash: searchId.replace('sha256:', '') } }, variables: { first: 1 } });
    expect(byApq.errors).toBeUndefined();
    const byText = await api.post({ query: searchText, variables: { first: 1 } });
    expect(byText.errors).toBeUndefined();
    expectRefused(await api.post({ query: '{ libraries(first: 1) { totalCount } }' }), 400, 'TRUSTED_DOCUMENT_REQUIRED', /only trusted documents/);
    expectRefused(await api.post({ documentId: 'sha256:0000' }), 400, 'PERSISTED_QUERY_NOT_FOUND', /No trusted document/);
  });

  test('patrons too; staff may still send ad-hoc queries', async () => {
    const loginId = Object.entries(JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, string>).find(([, t]) => t.startsWith('mutation Login('))![0];
    const login = await api.post<{ login: { token: string } }>({ documentId: loginId, variables: { username: 'librarian.bdi-pl', password: 'shelfnet-demo' } });
    const token = login.data!.login.token;
    expect(token).toBeTruthy();
    const adHoc = await api.post({ query: '{ libraries(first: 1) { totalCount } }' }, { token });
    expect(adHoc.errors).toBeUndefined();
    const pin = Object.entries(JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, string>).find(([, t]) => t.startsWith('mutation CircLoginPatron('))![0];
    const p = await api.post<{ loginPatron: { token: string } }>({ documentId: pin, variables: { cardNumber: 'PL-000001', pin: '1234' } });
    const patronToken = p.data!.loginPatron.token;
    expectRefused(await api.post({ query: '{ me { kind } }' }, { token: patronToken }), 400, 'TRUSTED_DOCUMENT_REQUIRED', /trusted/);
  });
});
