import { spawn } from 'node:child_process';
import path from 'node:path';
import { print } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { DEFAULT_DEV_SECRET } from '../src/config';
import { LoginDocument, MeDocument, SearchDocument, SecurityStaffAccountDocument } from './__generated__/operations';
import { DEMO_PASSWORD, GqlResponse, ROOT, TestEnv, TestServer } from './support/harness';

const env = new TestEnv();
afterAll(() => env.close());

/** The secret the main server of this file signs with, so the tests can forge tokens as an attacker who knew it would. */
const SECRET = 'auth-test-secret-0123456789-abcdefghijklmnop';
const TTL_SECONDS = 600;

const DEMO_ACCOUNTS = [
  { username: 'admin', role: 'NETWORK_ADMIN', library: null },
  { username: 'librarian.bdi-pl', role: 'LIBRARIAN', library: 'BDI-PL' },
  { username: 'admin.bdi-pl', role: 'LIBRARY_ADMIN', library: 'BDI-PL' },
  { username: 'librarian.bdi-ts', role: 'LIBRARIAN', library: 'BDI-TS' },
] as const;

interface JwtOptions {
  secret: string;
  claims: Record<string, unknown>;
  sub: string;
  /** Seconds since the epoch. */
  exp: number;
  iat?: number;
  iss?: string;
  aud?: string;
}

/**
 * Signs an HS256 token with `jose`, as any client holding a secret could. jose is ESM-only, which
 * jest's module system cannot load, so it runs in a short node process.
 */
function signJwt(o: JwtOptions): Promise<string> {
  const script = `
    const { SignJWT } = require('jose');
    const o = JSON.parse(process.argv[1]);
    new SignJWT(o.claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(o.sub)
      .setIssuer(o.iss ?? 'shelfnet')
      .setAudience(o.aud ?? 'shelfnet-api')
      .setIssuedAt(o.iat ?? Math.floor(Date.now() / 1000))
      .setExpirationTime(o.exp)
      .sign(new TextEncoder().encode(o.secret))
      .then((t) => process.stdout.write(t));`;
  return run(process.execPath, ['-e', script, JSON.stringify(o)], { PATH: process.env.PATH }).then((r) => {
    if (r.code !== 0) throw new Error(`signing failed: ${r.stderr}`);
    return r.stdout;
  });
}

function run(cmd: string, args: string[], envVars: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: envVars, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    // 'close' (not 'exit'): all output has been read
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Polls a condition for up to 5 s (output of a child process arrives on its own schedule). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  return check();
}

function expectUnauthenticated(res: GqlResponse<unknown>): void {
  expect(res.status).toBe(401);
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.errors![0].message).toMatch(/sign in|bearer/i);
}

/** Runs one operation over WebSocket and resolves with its result (rejects with the close event if refused). */
function wsExecute<T>(client: Client, query: string, variables?: Record<string, unknown>): Promise<FormattedExecutionResult<T, unknown>> {
  return new Promise((resolve, reject) => {
    let result: FormattedExecutionResult<T, unknown> | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (r) => (result = r),
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
      },
    );
  });
}

function wsClient(api: TestServer, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: api.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

describe('signing in and tokens', () => {
  let api: TestServer;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await env.database('demo');
    api = await env.server({ dbUrl, env: { JWT_SECRET: SECRET, TOKEN_TTL_SECONDS: String(TTL_SECONDS) } });
  });

  describe('login', () => {
    test.each(DEMO_ACCOUNTS)('$username gets a token for its role and library', async ({ username, role, library }) => {
      const before = Date.now();
      const res = await api.gql(LoginDocument, { username, password: DEMO_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      const login = res.data!.login;
      if (login.__typename !== 'AuthPayload') throw new Error(`login refused: ${JSON.stringify(login)}`);
      expect(login.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const expiresAt = Date.parse(login.expiresAt);
      expect(expiresAt).toBeGreaterThan(before);
      // the configured lifetime, not more
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL_SECONDS * 1000 + 1000);
      expect(login.account).toMatchObject({ username, role, library: library ? { code: library } : null });

      const me = await api.gql(MeDocument, {}, { token: login.token });
      expect(me.status).toBe(200);
      expect(me.errors).toBeUndefined();
      expect(me.data!.me).toEqual({
        kind: 'STAFF',
        account: { id: login.account.id, username, role, displayName: expect.anything(), library: library ? { code: library } : null },
      });
    });

    test('sign-ins at once queue for the password hash (half the cores at a time) and all get their tokens', async () => {
      const names = [...DEMO_ACCOUNTS, ...DEMO_ACCOUNTS].map((a) => a.username);
      const answers = await Promise.all(names.map((username) => api.gql(LoginDocument, { username, password: DEMO_PASSWORD })));
      expect(answers.map((r) => r.data?.login.__typename)).toEqual(names.map(() => 'AuthPayload'));
      expect(answers.map((r) => (r.data!.login as { account: { username: string } }).account.username)).toEqual(names);
    });

    test('the username is not case- or space-sensitive', async () => {
      const res = await api.gql(LoginDocument, { username: '  Librarian.BDI-PL ', password: DEMO_PASSWORD });
      expect(res.data!.login).toMatchObject({ __typename: 'AuthPayload', account: { username: 'librarian.bdi-pl' } });
    });

    test('wrong password, unknown user and a disabled account get the same answer', async () => {
      const answers = [];
      await env.sql(dbUrl, `update accounts set active = false where username = 'librarian.bdi-ts'`);
      try {
        for (const [username, password] of [
          ['admin', 'not-the-password'],
          ['admin', ''],
          ['no.such.user', DEMO_PASSWORD],
          ['x', DEMO_PASSWORD], // not even a valid username
          ['librarian.bdi-ts', DEMO_PASSWORD], // right password, disabled account
        ]) {
          const res = await api.gql(LoginDocument, { username, password });
          expect(res.status).toBe(200);
          expect(res.errors).toBeUndefined();
          answers.push(res.data!.login);
        }
      } finally {
        await env.sql(dbUrl, `update accounts set active = true where username = 'librarian.bdi-ts'`);
      }
      for (const a of answers) {
        expect(a).toEqual({
          __typename: 'InvalidCredentialsError',
          errorCode: 'INVALID_CREDENTIALS',
          message: answers[0].__typename === 'InvalidCredentialsError' ? answers[0].message : 'unexpected',
        });
      }
      // re-enabled, the same password works again
      await expect(api.login('librarian.bdi-ts')).resolves.toEqual(expect.any(String));
    });

    test('an absurdly long password is refused as bad input, not hashed', async () => {
      const res = await api.gql(LoginDocument, { username: 'admin', password: 'p'.repeat(5000) });
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('me', () => {
    test('without a token `me` is null and public queries work', async () => {
      const me = await api.gql(MeDocument, {});
      expect(me.status).toBe(200);
      expect(me.errors).toBeUndefined();
      expect(me.data!.me).toBeNull();
      const search = await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 });
      expect(search.errors).toBeUndefined();
      expect(search.data!.searchCatalog.edges).toHaveLength(1);
    });

    test('a staff account is visible through node() to itself and network admins only', async () => {
      const librarian = await api.login('librarian.bdi-pl');
      const own = (await api.gql(MeDocument, {}, { token: librarian })).data!.me!.account!;
      const other = (await api.gql(MeDocument, {}, { token: await api.login('librarian.bdi-ts') })).data!.me!.account!;
      const admin = await api.login('admin');

      const self = await api.gql(SecurityStaffAccountDocument, { id: own.id }, { token: librarian });
      expect(self.data!.node).toEqual({ __typename: 'StaffAccount', id: own.id, username: 'librarian.bdi-pl', role: 'LIBRARIAN' });
      const colleague = await api.gql(SecurityStaffAccountDocument, { id: other.id }, { token: librarian });
      expect(colleague.errors).toBeUndefined();
      expect(colleague.data!.node).toBeNull();
      const anonymous = await api.gql(SecurityStaffAccountDocument, { id: own.id });
      expect(anonymous.data!.node).toBeNull();
      const byAdmin = await api.gql(SecurityStaffAccountDocument, { id: other.id }, { token: admin });
      expect(byAdmin.data!.node).toMatchObject({ username: 'librarian.bdi-ts' });
    });
  });

  describe('token problems: 401 UNAUTHENTICATED, never a silent downgrade to anonymous', () => {
    let adminId: string;
    const claimsOf = (over: Record<string, unknown> = {}) => ({ kind: 'STAFF', usr: 'admin', role: 'NETWORK_ADMIN', lib: null, ...over });

    beforeAll(async () => {
      adminId = String((await env.sql<{ id: string }>(dbUrl, `select id from accounts where username = 'admin'`))[0].id);
    });

    test('a token signed here with the server secret works (so the refusals below are about what they change)', async () => {
      const token = await signJwt({ secret: SECRET, claims: claimsOf(), sub: adminId, exp: nowSeconds() + 300 });
      const me = await api.gql(MeDocument, {}, { token });
      expect(me.errors).toBeUndefined();
      expect(me.data!.me?.account?.username).toBe('admin');
    });

    test('an altered token (one character of the signature flipped)', async () => {
      const token = await api.login('librarian.bdi-pl');
      const sigStart = token.lastIndexOf('.') + 1;
      const i = sigStart + 10; // inside the signature, away from the last character's padding bits
      const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(altered).not.toBe(token);
      expectUnauthenticated(await api.gql(MeDocument, {}, { token: altered }));
      // the original still works
      expect((await api.gql(MeDocument, {}, { token })).data!.me?.account?.username).toBe('librarian.bdi-pl');
    });

    test('an altered payload (role raised to NETWORK_ADMIN, signature kept)', async () => {
      const token = await api.login('librarian.bdi-pl');
      const [header, payload, sig] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'NETWORK_ADMIN', lib: null }), 'utf8').toString('base64url');
      expectUnauthenticated(await api.gql(MeDocument, {}, { token: `${header}.${forged}.${sig}` }));
    });

    test('a token signed with another secret', async () => {
      const token = await signJwt({ secret: 'another-secret-of-enough-length-0123456789', claims: claimsOf(), sub: adminId, exp: nowSeconds() + 300 });
      expectUnauthenticated(await api.gql(MeDocument, {}, { token }));
    });

    test('a token signed with the development default secret (this server has its own)', async () => {
      const token = await signJwt({ secret: DEFAULT_DEV_SECRET, claims: claimsOf(), sub: adminId, exp: nowSeconds() + 300 });
      expectUnauthenticated(await api.gql(MeDocument, {}, { token }));
    });

    test('an expired token', async () => {
      const token = await signJwt({ secret: SECRET, claims: claimsOf(), sub: adminId, iat: nowSeconds() - 4000, exp: nowSeconds() - 400 });
      const res = await api.gql(MeDocument, {}, { token });
      expectUnauthenticated(res);
      expect(res.errors![0].message).toMatch(/expired/i);
    });

    test('a token for another audience or issuer', async () => {
      for (const o of [{ aud: 'some-other-api' }, { iss: 'someone-else' }]) {
        const token = await signJwt({ secret: SECRET, claims: claimsOf(), sub: adminId, exp: nowSeconds() + 300, ...o });
        expectUnauthenticated(await api.gql(MeDocument, {}, { token }));
      }
    });

    test('an unsigned token (alg "none")', async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
      const payload = { ...claimsOf(), sub: adminId, iss: 'shelfnet', aud: 'shelfnet-api', iat: nowSeconds(), exp: nowSeconds() + 300 };
      const token = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
      expectUnauthenticated(await api.gql(MeDocument, {}, { token }));
    });

    test('a signed token of an unknown shape (no role)', async () => {
      const token = await signJwt({ secret: SECRET, claims: { kind: 'STAFF', usr: 'admin' }, sub: adminId, exp: nowSeconds() + 300 });
      expectUnauthenticated(await api.gql(MeDocument, {}, { token }));
    });

    test.each([
      ['Basic credentials', 'Basic YWRtaW46c2hlbGZuZXQtZGVtbw=='],
      ['a bare word', 'garbage'],
      ['"Bearer" alone', 'Bearer'],
      ['a bearer of junk', 'Bearer not-a-token'],
      ['a bearer with spaces inside', 'Bearer abc def'],
      ['three junk segments', 'Bearer aaaa.bbbb.cccc'],
      ['another scheme', 'Token abc.def.ghi'],
      ['an enormous bearer', `Bearer ${'a'.repeat(5000)}`],
    ])('Authorization: %s', async (_name, authorization) => {
      const res = await api.gql(MeDocument, {}, { headers: { authorization } });
      expectUnauthenticated(res);
    });

    test('a refused token refuses public queries too (the client learns its token is bad)', async () => {
      const res = await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 }, { headers: { authorization: 'Bearer aaaa.bbbb.cccc' } });
      expectUnauthenticated(res);
    });
  });

  describe('WebSocket', () => {
    const clients: Client[] = [];
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
    });
    const open = (params?: Record<string, unknown>) => {
      const c = wsClient(api, params);
      clients.push(c);
      return c;
    };
    type Me = { me: { kind: string; account: { username: string; role: string; library: { code: string } | null } | null } | null };

    test('a query with connectionParams.authorization sees the signed-in viewer', async () => {
      const token = await api.login('admin.bdi-pl');
      const res = await wsExecute<Me>(open({ authorization: `Bearer ${token}` }), print(MeDocument));
      expect(res.errors).toBeUndefined();
      expect(res.data!.me).toMatchObject({ kind: 'STAFF', account: { username: 'admin.bdi-pl', role: 'LIBRARY_ADMIN', library: { code: 'BDI-PL' } } });
    });

    test('without connectionParams `me` is null and public queries work', async () => {
      const client = open();
      const me = await wsExecute<Me>(client, print(MeDocument));
      expect(me.errors).toBeUndefined();
      expect(me.data!.me).toBeNull();
      const search = await wsExecute<{ searchCatalog: { edges: { node: { title: string } }[] } }>(
        client,
        print(SearchDocument),
        { query: 'truyen kieu', first: 1 },
      );
      expect(search.errors).toBeUndefined();
      expect(search.data!.searchCatalog.edges.length).toBeGreaterThan(0);
    });

    test.each([
      ['an altered token', async () => `Bearer ${(await api.login('admin')).slice(0, -12)}AAAAAAAAAAAA`],
      ['a token signed with another secret', async () => `Bearer ${await signJwt({ secret: 'x'.repeat(40), claims: { kind: 'STAFF', usr: 'admin', role: 'NETWORK_ADMIN', lib: null }, sub: '1', exp: nowSeconds() + 300 })}`],
      ['Basic credentials', async () => 'Basic YWRtaW46c2hlbGZuZXQtZGVtbw=='],
      ['garbage', async () => 'garbage'],
    ])('with %s the connection is closed with 4403 Forbidden', async (_name, authorization) => {
      const client = open({ authorization: await authorization() });
      const refused = await wsExecute(client, print(MeDocument)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ code: 4403 });
    });
  });

  describe('GraphiQL and introspection outside production', () => {
    test('a browser opening /graphql gets GraphiQL', async () => {
      const res = await fetch(api.url, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('GraphiQL');
    });

    test('with GRAPHIQL=false no IDE is served (not Apollo Sandbox either)', async () => {
      const noIde = await env.server({ dbUrl, env: { JWT_SECRET: SECRET, GRAPHIQL: 'false' } });
      const res = await fetch(noIde.url, { headers: { accept: 'text/html' } });
      const body = await res.text();
      expect(body).not.toMatch(/<html|GraphiQL|apollographql\.com/i);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      await noIde.stop();
    });

    test('introspection is allowed', async () => {
      const res = await api.post<{ __schema: { queryType: { name: string } } }>({ query: '{ __schema { queryType { name } } }' });
      expect(res.errors).toBeUndefined();
      expect(res.data!.__schema.queryType.name).toBe('Query');
    });
  });
});

describe('npm run create-admin', () => {
  const script = path.join(ROOT, 'dist', 'scripts', 'create-admin.js');
  let dbUrl: string;
  const createAdmin = (args: string[]) => run(process.execPath, [script, ...args], { PATH: process.env.PATH, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dbUrl = await env.database('empty');
  });

  test('creates a network admin who can then sign in; running it again resets the password', async () => {
    const created = await createAdmin(['--username', 'chief.admin', '--password', 'first-password-123', '--display-name', 'Trưởng mạng']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/chief\.admin/);

    const api = await env.server({ dbUrl });
    const login = await api.gql(LoginDocument, { username: 'chief.admin', password: 'first-password-123' });
    expect(login.data!.login).toMatchObject({ __typename: 'AuthPayload', account: { username: 'chief.admin', role: 'NETWORK_ADMIN', library: null } });
    const token = login.data!.login.__typename === 'AuthPayload' ? login.data!.login.token : '';
    const me = await api.gql(MeDocument, {}, { token });
    expect(me.data!.me?.account).toMatchObject({ username: 'chief.admin', role: 'NETWORK_ADMIN', displayName: 'Trưởng mạng', library: null });

    const reset = await createAdmin(['--username', 'chief.admin', '--password', 'second-password-456']);
    expect(reset.code).toBe(0);
    const old = await api.gql(LoginDocument, { username: 'chief.admin', password: 'first-password-123' });
    expect(old.data!.login.__typename).toBe('InvalidCredentialsError');
    const fresh = await api.gql(LoginDocument, { username: 'chief.admin', password: 'second-password-456' });
    expect(fresh.data!.login.__typename).toBe('AuthPayload');
    expect(await env.sql(dbUrl, `select username from accounts`)).toEqual([{ username: 'chief.admin' }]);
  });

  test('too short a password: non-zero exit, a clear message, no account', async () => {
    const res = await createAdmin(['--username', 'short.pw', '--password', 'abc']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/password must be at least 8 characters/);
    expect(await env.sql(dbUrl, `select 1 from accounts where username = 'short.pw'`)).toHaveLength(0);
  });

  test('an invalid username: non-zero exit and a clear message', async () => {
    const res = await createAdmin(['--username', 'Bad Name!', '--password', 'long-enough-password']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/username must be/);
  });

  test('missing arguments: usage and exit code 2', async () => {
    const res = await createAdmin(['--username', 'someone']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/usage: .*--username .*--password/);
  });
});

describe('production mode', () => {
  const PROD_SECRET = 'production-secret-for-tests-0123456789-xyz';
  let api: TestServer;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await env.database('demo');
    api = await env.server({ dbUrl, env: { NODE_ENV: 'production', JWT_SECRET: PROD_SECRET } });
  });

  test('tokens work as usual', async () => {
    const token = await api.login('librarian.bdi-pl');
    const me = await api.gql(MeDocument, {}, { token });
    expect(me.data!.me?.account?.username).toBe('librarian.bdi-pl');
  });

  test('an internal error shows no stack trace and no SQL; the server recovers', async () => {
    // a table gone missing under the server: every search now fails inside PostgreSQL
    await env.sql(dbUrl, 'alter table bib_records rename to bib_records_away');
    let res: GqlResponse<unknown>;
    try {
      res = await api.gql(SearchDocument, { query: 'truyen kieu', first: 5 });
    } finally {
      await env.sql(dbUrl, 'alter table bib_records_away rename to bib_records');
    }
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    const err = res.errors![0];
    expect(err.message).toBe('Internal server error');
    expect(err.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    const text = JSON.stringify(res);
    for (const leak of ['bib_records', 'select', 'relation', 'stack', '.js:', '.ts:', 'at ']) expect(text).not.toContain(leak);
    // the details are in the server's log instead (read from its stdout, which may lag the response)
    expect(await eventually(() => api.logs.some((l) => l.includes('internal error') && l.includes('bib_records')))).toBe(true);

    const again = await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 });
    expect(again.errors).toBeUndefined();
    expect(again.data!.searchCatalog.edges[0].node.title).toBe('Truyện Kiều');
  });

  test('client errors keep their message and code but carry no stack trace', async () => {
    const res = await api.gql(SearchDocument, { query: 'x', first: 1000 });
    expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toMatch(/first/);
    expect(res.errors![0].extensions).not.toHaveProperty('stacktrace');
    const bad = await api.gql(MeDocument, {}, { headers: { authorization: 'Bearer aaaa.bbbb.cccc' } });
    expectUnauthenticated(bad);
    expect(bad.errors![0].extensions).not.toHaveProperty('stacktrace');
  });

  test('validation errors do not suggest field names', async () => {
    const res = await api.post({ query: '{ searchCatalg(query: "x") { totalCount } }' });
    expect(res.status).toBe(400);
    expect(res.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].message).not.toMatch(/did you mean/i);
  });

  test('GraphiQL is not served, nor any other IDE or landing page', async () => {
    const res = await fetch(api.url, { headers: { accept: 'text/html' } });
    const body = await res.text();
    expect(body).not.toContain('GraphiQL');
    expect(body).not.toContain('graphiql.min.js');
    // not Apollo's landing page either (it loads scripts from Apollo's CDN)
    expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(body).not.toMatch(/<html|apollographql\.com/i);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test('introspection is refused', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { fields { name } } }']) {
      const res = await api.post({ query });
      expect(res.status).toBe(400);
      expect(res.data ?? null).toBeNull();
      expect(res.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors![0].message).toMatch(/introspection/i);
    }
    // __typename is not introspection
    const typename = await api.post<{ __typename: string }>({ query: '{ __typename }' });
    expect(typename.data).toEqual({ __typename: 'Query' });
  });

  test.each([
    ['no JWT_SECRET', undefined],
    ['a JWT_SECRET shorter than 32 characters', 'short-secret'],
    ['the development default secret', DEFAULT_DEV_SECRET],
  ])('with %s the server refuses to start', async (_name, secret) => {
    const refused = await env.server({ dbUrl, env: { NODE_ENV: 'production', JWT_SECRET: secret } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(refused!.message).toMatch(/exited \(2\) before listening/);
    // the message an operator sees
    const direct = await run(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      ...(secret === undefined ? {} : { JWT_SECRET: secret }),
    });
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/JWT_SECRET must be set to a secret of at least 32 characters in production/);
  });
});
