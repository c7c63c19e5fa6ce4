import { TestEnv, TestServer } from './support/harness';
import { RawSocket } from './support/security';

/** GraphQL over WebSocket under the same limits as HTTP, plus its own: operations, message size, init and idle timeouts, bad messages. */
const env = new TestEnv();
let api: TestServer;
let token: string;

beforeAll(async () => {
  api = await env.server({
    env: { MAX_COST: undefined, WS_MAX_SUBSCRIPTIONS: '2', WS_MAX_MESSAGE_BYTES: '4096', WS_INIT_TIMEOUT_MS: '500', WS_IDLE_TIMEOUT_MS: '1000', RATE_LIMIT_POINTS: '300', RATE_LIMIT_REFILL_PER_SECOND: '1' },
  });
  token = await api.login('librarian.bdi-pl');
});
afterAll(() => env.close());

const EVENTS = 'subscription { resourceSharingEvents(libraryCode: "BDI-PL") { type } }';
const errorOf = (ws: RawSocket, id: string) => ws.next((m) => m.id === id && (m.type === 'error' || m.type === 'next'));

describe('WebSocket limits', () => {
  test('at most WS_MAX_SUBSCRIPTIONS operations run at once on one connection', async () => {
    const ws = new RawSocket(api);
    await ws.init({ authorization: `Bearer ${token}` });
    ws.send({ id: '1', type: 'subscribe', payload: { query: EVENTS } });
    ws.send({ id: '2', type: 'subscribe', payload: { query: EVENTS } });
    ws.send({ id: '3', type: 'subscribe', payload: { query: EVENTS } });
    const third = await ws.next((m) => m.id === '3');
    expect(third).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }] });
    // completing one frees a place
    ws.send({ id: '1', type: 'complete' });
    await new Promise((r) => setTimeout(r, 100));
    ws.send({ id: '4', type: 'subscribe', payload: { query: EVENTS } });
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.messages.filter((m) => m.id === '4' && m.type === 'error')).toEqual([]);
    ws.close();
  });

  test('a message over WS_MAX_MESSAGE_BYTES closes the connection (1009)', async () => {
    const ws = new RawSocket(api);
    await ws.init();
    ws.send({ id: '1', type: 'subscribe', payload: { query: `{ __typename }`, variables: { pad: 'x'.repeat(5000) } } });
    expect((await ws.closed).code).toBe(1009);
  });

  test('no connection_init within WS_INIT_TIMEOUT_MS: closed with 4408', async () => {
    const ws = new RawSocket(api);
    await ws.opened;
    expect((await ws.closed).code).toBe(4408);
  });

  test('an idle connection (no operation, no message) is closed after WS_IDLE_TIMEOUT_MS (4000 Idle); one with a subscription is kept', async () => {
    const idle = new RawSocket(api);
    await idle.init();
    const busy = new RawSocket(api);
    await busy.init({ authorization: `Bearer ${token}` });
    busy.send({ id: '1', type: 'subscribe', payload: { query: EVENTS } });
    expect(await idle.closed).toEqual({ code: 4000, reason: 'Idle' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(busy.ws.readyState).toBe(busy.ws.OPEN);
    busy.close();
  });

  test.each([
    ['not JSON', '{"type": "connection_init"'],
    ['an unknown message type', { type: 'hello' }],
    ['subscribe without an id', { type: 'subscribe', payload: { query: '{ __typename }' } }],
    ['a payload of the wrong type', { id: '1', type: 'subscribe', payload: 'query' }],
  ])('%s closes with 4400', async (_name, message) => {
    const ws = new RawSocket(api);
    await ws.init();
    ws.send(message);
    expect((await ws.closed).code).toBe(4400);
  });

  test('subscribe before connection_init closes with 4401', async () => {
    const ws = new RawSocket(api);
    await ws.opened;
    ws.send({ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } });
    expect((await ws.closed).code).toBe(4401);
  });

  test('the HTTP limits hold: depth, tokens, cost; the server keeps serving', async () => {
    const ws = new RawSocket(api);
    await ws.init();
    ws.send({ id: 'd', type: 'subscribe', payload: { query: `{ library(code: "BDI-TS") { ${'parent { '.repeat(12)}code${' }'.repeat(12)} } }` } });
    expect(await errorOf(ws, 'd')).toMatchObject({ type: 'error', payload: [{ message: expect.stringMatching(/depth limit of 12/) }] });
    ws.send({ id: 't', type: 'subscribe', payload: { query: `{ ${'a '.repeat(2000)}}` } });
    expect(await errorOf(ws, 't')).toMatchObject({ type: 'error', payload: [{ message: expect.stringMatching(/2000 tokens/) }] });
    ws.send({ id: 'c', type: 'subscribe', payload: { query: '{ searchCatalog(first: 100) { edges { node { holdings { items(first: 100) { edges { node { id } } } } } } } }' } });
    expect(await errorOf(ws, 'c')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'COST_LIMIT_EXCEEDED' } }] });
    ws.send({ id: 'ok', type: 'subscribe', payload: { query: '{ library(code: "BDI-PL") { code } }' } });
    expect(await ws.next((m) => m.id === 'ok' && m.type === 'next')).toMatchObject({
      payload: { data: { library: { code: 'BDI-PL' } }, extensions: { rateLimit: { limit: 300, cost: 1 } } },
    });
    ws.close();
  });

  test('the same rate bucket as HTTP: spent over HTTP, refused over WebSocket', async () => {
    const own = await env.server({ env: { RATE_LIMIT_POINTS: '50', RATE_LIMIT_REFILL_PER_SECOND: '1' } });
    const t = await own.login('librarian.bdi-ts');
    // the whole bucket
    const spent = await own.post({ query: '{ searchCatalog(first: 20) { edges { node { id holdings { library { code } } } } } }' }, { token: t });
    expect(spent.errors).toBeUndefined();
    const ws = new RawSocket(own);
    await ws.init({ authorization: `Bearer ${t}` });
    ws.send({ id: 'r', type: 'subscribe', payload: { query: '{ searchCatalog(first: 20) { edges { node { id holdings { library { code } } } } } }' } });
    expect(await errorOf(ws, 'r')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }] });
    ws.close();
  });

  test('internal errors over WebSocket are masked like over HTTP in production', async () => {
    const dbUrl = await env.database('demo');
    const prod = await env.server({ dbUrl, env: { NODE_ENV: 'production', JWT_SECRET: 'ws-production-secret-0123456789-abcdefghij' } });
    await env.sql(dbUrl, 'alter table libraries rename to libraries_away');
    try {
      const ws = new RawSocket(prod);
      await ws.init();
      ws.send({ id: 'x', type: 'subscribe', payload: { query: '{ libraries(first: 1) { totalCount } }' } });
      const m = await errorOf(ws, 'x');
      expect(JSON.stringify(m)).not.toMatch(/libraries_away|relation|select/);
      expect(JSON.stringify(m)).toMatch(/INTERNAL_SERVER_ERROR/);
      ws.close();
    } finally {
      await env.sql(dbUrl, 'alter table libraries_away rename to libraries');
    }
  });
});
