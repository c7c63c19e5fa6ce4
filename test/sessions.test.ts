import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  AccessLoginDocument,
  AccessLoginPatronDocument,
  AccessLogoutDocument,
  AccessMeDocument,
  AccessRefreshDocument,
} from './__generated__/operations';
import { DEMO_PASSWORD, ROOT, TestEnv, TestServer, data } from './support/harness';
import { RawSocket, decodeJwt, signJwt } from './support/security';

/**
 * Sessions: short-lived access tokens, refresh tokens that rotate and kill the session when reused,
 * logout, signing-key rotation, login throttling and the audit of sign-ins.
 */
const env = new TestEnv();
afterAll(() => env.close());

const SECRET_1 = 'sessions-test-secret-one-0123456789-abcdefgh';
const SECRET_2 = 'sessions-test-secret-two-0123456789-abcdefgh';

async function login(api: TestServer, username: string, password = DEMO_PASSWORD, headers?: Record<string, string>) {
  const res = await api.gql(AccessLoginDocument, { username, password }, { headers });
  return data(res).login;
}

async function pair(api: TestServer, username: string) {
  const l = await login(api, username);
  if (l.__typename !== 'AuthPayload') throw new Error(`login refused: ${JSON.stringify(l)}`);
  return l;
}

const meOf = async (api: TestServer, token: string) => api.gql(AccessMeDocument, {}, { token });

describe('access and refresh tokens', () => {
  let api: TestServer;
  let dbUrl: string;

  beforeAll(async () => {
    dbUrl = await env.database('demo');
    // TOKEN_TTL_SECONDS left at its default
    api = await env.server({ dbUrl, env: { JWT_SECRET: SECRET_1 } });
  });

  test('login answers a 15-minute access token with a key id, and a refresh token; old clients keep their fields', async () => {
    const before = Date.now();
    const l = await pair(api, 'librarian.bdi-pl');
    const ttl = Date.parse(l.expiresAt) - before;
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 2000);
    expect(l.refreshToken).toMatch(/^snr_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(l.refreshTokenExpiresAt)).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    const { header, payload } = decodeJwt(l.token);
    expect(header).toMatchObject({ alg: 'HS256', kid: expect.stringMatching(/^[\w-]{12}$/) });
    expect(payload.sid).toMatch(/^[0-9a-f-]{36}$/);
    // the refresh token is stored only as a hash
    const stored = await env.sql<{ n: string }>(dbUrl, `select count(*) n from refresh_tokens where token_hash = sha256(convert_to($1, 'UTF8'))`, [l.refreshToken]);
    expect(stored[0].n).toBe('1');
  });

  test('a refresh token works once: it rotates, and the new pair works', async () => {
    const l = await pair(api, 'librarian.bdi-pl');
    const r = data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken;
    if (r.__typename !== 'AuthPayload') throw new Error(JSON.stringify(r));
    expect(r.refreshToken).not.toBe(l.refreshToken);
    expect(r.account).toEqual({ username: 'librarian.bdi-pl', role: 'LIBRARIAN' });
    expect(decodeJwt(r.token).payload.sid).toBe(decodeJwt(l.token).payload.sid);
    expect(data(await meOf(api, r.token)).me?.account?.username).toBe('librarian.bdi-pl');
    const again = data(await api.gql(AccessRefreshDocument, { refreshToken: r.refreshToken })).refreshToken;
    expect(again.__typename).toBe('AuthPayload');
  });

  test('a spent refresh token used again ends the whole session: the thief and the owner sign in again', async () => {
    const l = await pair(api, 'admin.bdi-pl');
    const owner = data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken;
    if (owner.__typename !== 'AuthPayload') throw new Error(JSON.stringify(owner));
    // the thief replays the stolen (now spent) token
    const thief = data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken;
    expect(thief).toMatchObject({ __typename: 'InvalidRefreshTokenError', errorCode: 'INVALID_REFRESH_TOKEN', message: expect.stringMatching(/already used/) });
    // the owner's newer refresh token and access token are dead too
    const next = data(await api.gql(AccessRefreshDocument, { refreshToken: owner.refreshToken })).refreshToken;
    expect(next.__typename).toBe('InvalidRefreshTokenError');
    const me = await meOf(api, owner.token);
    expect(me.status).toBe(401);
    expect(me.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/session has ended/) });
    const sid = decodeJwt(l.token).payload.sid as string;
    expect(await env.sql(dbUrl, `select revoke_reason from auth_sessions where id = $1`, [sid])).toEqual([{ revoke_reason: 'REFRESH_TOKEN_REUSE' }]);
    const audit = await env.sql<{ action: string }>(dbUrl, `select action from audit_log where action = 'refreshTokenReused' and after->>'sessionId' = $1`, [sid]);
    expect(audit).toHaveLength(1);
    // signing in again works
    expect((await pair(api, 'admin.bdi-pl')).token).toBeTruthy();
  });

  test('two racing refreshes with one token: one wins, the other counts as reuse', async () => {
    const l = await pair(api, 'librarian.bdi-ts');
    const both = await Promise.all([0, 1].map(() => api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })));
    const kinds = both.map((r) => data(r).refreshToken.__typename).sort();
    expect(kinds).toEqual(['AuthPayload', 'InvalidRefreshTokenError']);
  });

  test('garbage, unknown and over-long refresh tokens are refused alike', async () => {
    for (const refreshToken of ['', 'x', `snr_${'A'.repeat(43)}`, 'snr_' + '\u0000'.repeat(43)]) {
      const r = data(await api.gql(AccessRefreshDocument, { refreshToken })).refreshToken;
      expect(r).toMatchObject({ __typename: 'InvalidRefreshTokenError' });
    }
    const long = await api.gql(AccessRefreshDocument, { refreshToken: 'x'.repeat(5000) });
    expect(long.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('logout ends the session: the access token is refused at once and the refresh token no longer works', async () => {
    const l = await pair(api, 'librarian.bdi-pl');
    expect(data(await api.gql(AccessLogoutDocument, {}, { token: l.token })).logout).toBe(true);
    expect((await meOf(api, l.token)).status).toBe(401);
    expect(data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken.__typename).toBe('InvalidRefreshTokenError');
    const sid = decodeJwt(l.token).payload.sid as string;
    expect(await env.sql(dbUrl, `select action from audit_log where action = 'logout' and after->>'sessionId' = $1`, [sid])).toHaveLength(1);
  });

  test('logout with only the refresh token (the access token has expired) works anonymously; a second logout is false', async () => {
    const l = await pair(api, 'librarian.bdi-pl');
    expect(data(await api.gql(AccessLogoutDocument, { refreshToken: l.refreshToken })).logout).toBe(true);
    expect(data(await api.gql(AccessLogoutDocument, { refreshToken: l.refreshToken })).logout).toBe(false);
    expect((await meOf(api, l.token)).status).toBe(401);
    expect(data(await api.gql(AccessLogoutDocument, {})).logout).toBe(false);
  });

  test('logout on one process stops the access token on another process sharing the database (within the poll)', async () => {
    const other = await env.server({ dbUrl, env: { JWT_SECRET: SECRET_1 } });
    const l = await pair(api, 'librarian.bdi-pl');
    expect(data(await meOf(other, l.token)).me?.account?.username).toBe('librarian.bdi-pl');
    data(await api.gql(AccessLogoutDocument, {}, { token: l.token }));
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await meOf(other, l.token)).status;
    }
    expect(status).toBe(401);
    await other.stop();
  });

  test('a WebSocket of a session closes when the session is logged out (4403)', async () => {
    const l = await pair(api, 'librarian.bdi-pl');
    const ws = new RawSocket(api);
    await ws.init({ authorization: `Bearer ${l.token}` });
    data(await api.gql(AccessLogoutDocument, {}, { token: l.token }));
    expect((await ws.closed).code).toBe(4403);
  });

  test('a WebSocket closes when its access token expires (4403)', async () => {
    const id = String((await env.sql<{ id: string }>(dbUrl, `select id from accounts where username = 'librarian.bdi-pl'`))[0].id);
    const token = await signJwt({ secret: SECRET_1, claims: { kind: 'STAFF', usr: 'librarian.bdi-pl', role: 'LIBRARIAN', lib: 1 }, sub: id, exp: Math.floor(Date.now() / 1000) + 2 });
    const ws = new RawSocket(api);
    await ws.init({ authorization: `Bearer ${token}` });
    const closed = await ws.closed;
    expect(closed).toEqual({ code: 4403, reason: 'Token expired' });
  });

  test('a disabled account cannot refresh; its session ends', async () => {
    const l = await pair(api, 'librarian.bdi-ts');
    await env.sql(dbUrl, `update accounts set active = false where username = 'librarian.bdi-ts'`);
    try {
      const r = data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken;
      expect(r).toMatchObject({ __typename: 'InvalidRefreshTokenError', message: expect.stringMatching(/disabled/) });
    } finally {
      await env.sql(dbUrl, `update accounts set active = true where username = 'librarian.bdi-ts'`);
    }
    expect((await meOf(api, l.token)).status).toBe(401);
  });

  test('patrons get refresh tokens too; a refresh answers a PatronAuthPayload', async () => {
    const l = data(await api.gql(AccessLoginPatronDocument, { cardNumber: 'PL-000001', pin: '1234' })).loginPatron;
    if (l.__typename !== 'PatronAuthPayload') throw new Error(JSON.stringify(l));
    const r = data(await api.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken;
    expect(r).toMatchObject({ __typename: 'PatronAuthPayload', patron: { cardNumber: 'PL-000001' } });
    if (r.__typename !== 'PatronAuthPayload') throw new Error('unreachable');
    expect(data(await meOf(api, r.token)).me).toMatchObject({ kind: 'PATRON', patron: { cardNumber: 'PL-000001' } });
  });
});

describe('signing keys rotate', () => {
  test('a token of the previous key verifies while that key is listed in JWT_PREVIOUS_SECRETS, and not after', async () => {
    const dbUrl = await env.database('demo');
    const oldServer = await env.server({ dbUrl, env: { JWT_SECRET: SECRET_1 } });
    const l = await pair(oldServer, 'librarian.bdi-pl');
    await oldServer.stop();

    const rotated = await env.server({ dbUrl, env: { JWT_SECRET: SECRET_2, JWT_PREVIOUS_SECRETS: SECRET_1 } });
    expect(data(await meOf(rotated, l.token)).me?.account?.username).toBe('librarian.bdi-pl');
    // new tokens come from the new key
    const fresh = await pair(rotated, 'librarian.bdi-pl');
    expect(decodeJwt(fresh.token).header.kid).not.toBe(decodeJwt(l.token).header.kid);
    // refresh tokens are not JWTs: the session outlives the rotation
    expect(data(await rotated.gql(AccessRefreshDocument, { refreshToken: l.refreshToken })).refreshToken.__typename).toBe('AuthPayload');
    await rotated.stop();

    const retired = await env.server({ dbUrl, env: { JWT_SECRET: SECRET_2 } });
    const refused = await meOf(retired, l.token);
    expect(refused.status).toBe(401);
    expect(refused.errors![0].message).toMatch(/unknown or retired key/);
    expect(data(await meOf(retired, fresh.token)).me?.account?.username).toBe('librarian.bdi-pl');
  });

  test('production refuses to start with a short previous secret', async () => {
    const dbUrl = await env.database('empty');
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: dbUrl, JWT_SECRET: SECRET_1, JWT_PREVIOUS_SECRETS: 'too-short' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('close', (code) => resolve({ code, stderr }));
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/JWT_PREVIOUS_SECRETS/);
  });
});

describe('login throttling and audit', () => {
  let api: TestServer;
  let dbUrl: string;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  beforeAll(async () => {
    dbUrl = await env.database('demo');
    api = await env.server({
      dbUrl,
      env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '8', LOGIN_LOCK_SECONDS: '2', LOGIN_MAX_LOCK_SECONDS: '4' },
    });
  });

  const fail = (username: string, ip: string) => login(api, username, 'wrong-password', from(ip));

  test('after 3 failures of one account from one address, even the right password waits (a capped backoff), then works', async () => {
    for (let i = 0; i < 3; i++) expect((await fail('librarian.bdi-pl', '10.1.0.1')).__typename).toBe('InvalidCredentialsError');
    const locked = await login(api, 'librarian.bdi-pl', DEMO_PASSWORD, from('10.1.0.1'));
    expect(locked).toMatchObject({ __typename: 'TooManyAttemptsError', errorCode: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: expect.any(Number) });
    const wait = (locked as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(4);
    // the same account from another address is not locked
    expect((await login(api, 'librarian.bdi-pl', DEMO_PASSWORD, from('10.1.0.2'))).__typename).toBe('AuthPayload');
    // the lock ends
    await new Promise((r) => setTimeout(r, wait * 1000 + 200));
    expect((await login(api, 'librarian.bdi-pl', DEMO_PASSWORD, from('10.1.0.1'))).__typename).toBe('AuthPayload');
  });

  test('an unknown username is throttled exactly like a real one (no hint which accounts exist)', async () => {
    const answers: string[] = [];
    for (const name of ['admin.bdi-pl', 'no.such.person']) {
      const seq = [];
      for (let i = 0; i < 4; i++) seq.push((await fail(name, '10.2.0.1')).__typename);
      answers.push(seq.join(','));
    }
    expect(answers[0]).toBe('InvalidCredentialsError,InvalidCredentialsError,InvalidCredentialsError,TooManyAttemptsError');
    expect(answers[1]).toBe(answers[0]);
  });

  test('a password spray from one address (many accounts) locks that address', async () => {
    const seq = [];
    for (let i = 0; i < 9; i++) seq.push((await fail(`spray.${i}`, '10.3.0.1')).__typename);
    expect(seq.slice(0, 8).every((t) => t === 'InvalidCredentialsError')).toBe(true);
    expect(seq[8]).toBe('TooManyAttemptsError');
    // other addresses are unaffected
    expect((await login(api, 'librarian.bdi-ts', DEMO_PASSWORD, from('10.3.0.2'))).__typename).toBe('AuthPayload');
  });

  test('guesses from many addresses lock the account for unknown addresses only: the librarian still signs in at their desk', async () => {
    const desk = '10.4.0.1';
    expect((await login(api, 'admin', DEMO_PASSWORD, from(desk))).__typename).toBe('AuthPayload');
    // 12 addresses, one guess each (the account-wide limit is 4 x 3 = 12)
    for (let i = 0; i < 12; i++) expect((await fail('admin', `10.5.0.${i + 1}`)).__typename).toBe('InvalidCredentialsError');
    expect((await login(api, 'admin', DEMO_PASSWORD, from('10.5.1.1'))).__typename).toBe('TooManyAttemptsError');
    expect((await login(api, 'admin', DEMO_PASSWORD, from(desk))).__typename).toBe('AuthPayload');
  });

  test('patron sign-ins are throttled the same way', async () => {
    const seq = [];
    for (let i = 0; i < 4; i++) seq.push(data(await api.gql(AccessLoginPatronDocument, { cardNumber: 'TS-000001', pin: '0000' }, { headers: from('10.6.0.1') })).loginPatron.__typename);
    expect(seq).toEqual(['InvalidCredentialsError', 'InvalidCredentialsError', 'InvalidCredentialsError', 'TooManyAttemptsError']);
  });

  test('names with NUL, control characters or lone surrogates are just wrong (found by fuzzing: they reached SQL)', async () => {
    for (const name of ['\u0000admin', 'ad\u0007min', 'a\ud800b', '\udfff']) {
      expect((await login(api, name, 'x', from('10.8.0.1'))).__typename).toBe('InvalidCredentialsError');
      const p = data(await api.gql(AccessLoginPatronDocument, { cardNumber: name, pin: '1234' }, { headers: from('10.8.0.1') })).loginPatron;
      expect(p.__typename).toBe('InvalidCredentialsError');
    }
    expect(api.logs.filter((l) => /"msg":"internal error"/.test(l))).toEqual([]);
  });

  test('failed and successful sign-ins are in the audit log, with the address', async () => {
    await fail('librarian.bdi-ts', '10.7.0.1');
    await login(api, 'librarian.bdi-ts', DEMO_PASSWORD, from('10.7.0.1'));
    const rows = await env.sql<{ action: string; actor_account_id: string | null; library: string | null; after: Record<string, unknown> }>(
      dbUrl,
      `select a.action, a.actor_account_id, l.code library, a.after from audit_log a left join libraries l on l.id = a.library_id
        where a.after->>'clientAddress' = '10.7.0.1' order by a.id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['loginFailed', 'login']);
    expect(rows[0]).toMatchObject({ actor_account_id: null, library: 'BDI-TS', after: { username: 'librarian.bdi-ts', clientAddress: '10.7.0.1' } });
    expect(rows[1]).toMatchObject({ library: 'BDI-TS', after: { clientAddress: '10.7.0.1', sessionId: expect.any(String) } });
    expect(rows[1].actor_account_id).not.toBeNull();
  });
});

