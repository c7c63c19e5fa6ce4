import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { IllCreateDocument, IllMessageDocument, IllReceiveDocument, IllShipDocument } from './__generated__/operations';
import { TestEnv, TestServer, data } from './support/harness';

/**
 * Resource-sharing events over WebSocket: every step of a request reaches the libraries concerned
 * (on any API process), `illRequestUpdated` follows one request with the request as it is now, and a
 * subscriber that reconnects with its cursor misses nothing, also on a restarted process.
 */
const env = new TestEnv();
let db: string;
let one: TestServer;
let two: TestServer;
const tokens: Record<string, string> = {};
const clients: Client[] = [];

jest.setTimeout(90_000);

const LIBRARY_SUB = `subscription($lib: String!, $after: String) {
  resourceSharingEvents(libraryCode: $lib, after: $after) { cursor type libraryCodes entity entityId payload }
}`;
const REQUEST_SUB = `subscription($id: ID!, $after: String) {
  illRequestUpdated(id: $id, after: $after) { cursor type request { id requesterState supplierState unreadMessageCount item { status } lender { code } } }
}`;

interface Update {
  cursor: string;
  type: string;
  request: { id: string; requesterState: string; supplierState: string | null; unreadMessageCount: number; item: { status: string } | null; lender: { code: string } | null } | null;
}
interface LibEvent {
  cursor: string;
  type: string;
  libraryCodes: string[];
  entity: string;
  entityId: string | null;
  payload: Record<string, unknown>;
}

function client(server: TestServer, token: string | null): Client {
  const c = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: true });
  clients.push(c);
  return c;
}

function collect<T>(c: Client, query: string, variables: Record<string, unknown>, field: string) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    stop = c.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (r) => {
          if (r.errors) errors.push(...r.errors);
          if (r.data) items.push(r.data[field]);
        },
        error: (e) => {
          errors.push(e);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { items, errors, done, stop: () => stop() };
}

async function until(check: () => boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

let n = 0;
async function title(dbUrl: string, code: string): Promise<{ recordId: string; barcode: string }> {
  n++;
  const [rec] = await env.sql<{ id: string }>(dbUrl, `insert into bib_records (title) values ($1) returning id`, [`Sự kiện ${n} ${Math.random()}`]);
  const barcode = `EV-${rec.id}`;
  await env.sql(dbUrl, `insert into items (record_id, library_id, barcode) select $1, id, $2 from libraries where code = $3`, [rec.id, barcode, code]);
  return { recordId: Buffer.from(`BibliographicRecord:${rec.id}`).toString('base64url'), barcode };
}

async function request(server: TestServer, dbUrl: string, token: string): Promise<{ id: string; barcode: string }> {
  const t = await title(dbUrl, 'BDI-PL');
  const r = data(await server.gql(IllCreateDocument, { input: { recordId: t.recordId } as never }, { token })).createIllRequest as { id: string };
  return { id: r.id, barcode: t.barcode };
}

beforeAll(async () => {
  db = await env.database('demo');
  await env.sql(
    db,
    `insert into accounts (username, password_hash, role, library_id)
     select 'librarian.bdi-hn', (select password_hash from accounts where username = 'librarian.bdi-ts'), 'LIBRARIAN', id from libraries where code = 'BDI-HN'`,
  );
  [one, two] = await Promise.all([env.server({ dbUrl: db, env: { SCHEDULER_INTERVAL_MS: '0' } }), env.server({ dbUrl: db, env: { SCHEDULER_INTERVAL_MS: '0' } })]);
  for (const u of ['librarian.bdi-pl', 'librarian.bdi-ts', 'librarian.bdi-hn']) tokens[u] = await one.login(u);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await env.close();
});

test('a request created through process 1 reaches the lender subscribed on process 2; a library taking no part sees none of it', async () => {
  const lender = collect<LibEvent>(client(two, tokens['librarian.bdi-pl']), LIBRARY_SUB, { lib: 'BDI-PL' }, 'resourceSharingEvents');
  const outsider = collect<LibEvent>(client(two, tokens['librarian.bdi-hn']), LIBRARY_SUB, { lib: 'BDI-HN' }, 'resourceSharingEvents');
  await settle();
  const t = await title(db, 'BDI-PL');
  const r = data(await one.gql(IllCreateDocument, { input: { recordId: t.recordId, cardNumber: 'TS-000001' } as never }, { token: tokens['librarian.bdi-ts'] })).createIllRequest as { id: string };
  await until(() => lender.items.some((e) => e.type === 'ill.created' && e.entityId === r.id), 'ill.created on process 2');
  const created = lender.items.find((e) => e.type === 'ill.created')!;
  expect(created).toMatchObject({ entity: 'IllRequest', payload: { requesterState: 'REQUESTED', supplierState: 'REQUEST_RECEIVED', action: 'CREATE' } });
  expect(created.libraryCodes).toEqual(expect.arrayContaining(['BDI-PL', 'BDI-TS']));
  // lenders subscribe too: events name no reader
  expect(JSON.stringify(created.payload)).not.toMatch(/TS-000001|patron/i);
  await settle();
  expect(outsider.items.filter((e) => e.entity === 'IllRequest')).toEqual([]);
  lender.stop();
  outsider.stop();
});

test('illRequestUpdated follows one request with the request as it is now (no stale data between updates)', async () => {
  const r = await request(one, db, tokens['librarian.bdi-ts']);
  const sub = collect<Update>(client(two, tokens['librarian.bdi-ts']), REQUEST_SUB, { id: r.id }, 'illRequestUpdated');
  await settle();
  await one.gql(IllShipDocument, { id: r.id, barcode: r.barcode }, { token: tokens['librarian.bdi-pl'] });
  await until(() => sub.items.some((u) => u.type === 'ill.shipped'), 'the ship update');
  await one.gql(IllReceiveDocument, { id: r.id }, { token: tokens['librarian.bdi-ts'] });
  await until(() => sub.items.some((u) => u.type === 'ill.received'), 'receive update');
  await settle();
  const ship = sub.items.find((u) => u.type === 'ill.shipped')!;
  const recv = sub.items.find((u) => u.type === 'ill.received')!;
  // each update carries the request as read when the update was delivered
  expect(ship.request).toMatchObject({ id: r.id, lender: { code: 'BDI-PL' } });
  expect(['SHIPPED', 'RECEIVED']).toContain(ship.request!.requesterState);
  expect(recv.request).toMatchObject({ requesterState: 'RECEIVED', supplierState: 'LOANED', item: { status: 'ON_LOAN' } });
  expect(sub.errors).toEqual([]);
  sub.stop();
});

test('a subscriber that reconnects with its last cursor gets exactly the ten updates it missed, in order, then live ones', async () => {
  const r = await request(one, db, tokens['librarian.bdi-ts']);
  const first = collect<Update>(client(two, tokens['librarian.bdi-pl']), REQUEST_SUB, { id: r.id }, 'illRequestUpdated');
  await settle();
  await one.gql(IllMessageDocument, { id: r.id, note: 'tin nhắn 0' }, { token: tokens['librarian.bdi-ts'] });
  await until(() => first.items.length === 1, 'a first update');
  const cursor = first.items[0].cursor;
  first.stop();
  for (let i = 1; i <= 10; i++) {
    const m = data(await one.gql(IllMessageDocument, { id: r.id, note: `tin nhắn ${i}` }, { token: tokens['librarian.bdi-ts'] })).sendIllMessage;
    expect(m.__typename).toBe('IllRequest');
  }
  const again = collect<Update>(client(two, tokens['librarian.bdi-pl']), REQUEST_SUB, { id: r.id, after: cursor }, 'illRequestUpdated');
  await until(() => again.items.length >= 10, 'the replay');
  await settle(500);
  expect(again.items).toHaveLength(10);
  expect(again.items.every((u) => u.type === 'ill.message')).toBe(true);
  expect(new Set(again.items.map((u) => u.cursor)).size).toBe(10);
  // the lender has read none of them: the count each update shows is the count now
  expect(again.items[9].request!.unreadMessageCount).toBe(11);
  const history = await env.sql<{ note: string }>(db, `select note from ill_history where request_id = $1 and is_message order by id`, [
    Number(Buffer.from(r.id, 'base64url').toString().split(':')[1]),
  ]);
  expect(history.map((h) => h.note)).toEqual(Array.from({ length: 11 }, (_, i) => `tin nhắn ${i}`));
  await one.gql(IllShipDocument, { id: r.id, barcode: r.barcode }, { token: tokens['librarian.bdi-pl'] });
  await until(() => again.items.some((u) => u.type === 'ill.shipped'), 'a live update after the replay');
  again.stop();
});

test('a restarted process loses nothing: resuming on a new process with the cursor delivers every update since', async () => {
  const own = await env.database('demo');
  const a = await env.server({ dbUrl: own, env: { SCHEDULER_INTERVAL_MS: '0' } });
  const ts = await a.login('librarian.bdi-ts');
  const pl = await a.login('librarian.bdi-pl');
  const r = await request(a, own, ts);
  const first = collect<Update>(client(a, pl), REQUEST_SUB, { id: r.id }, 'illRequestUpdated');
  await settle();
  await a.gql(IllMessageDocument, { id: r.id, note: 'trước khi tắt' }, { token: ts });
  await until(() => first.items.length === 1, 'the first update');
  const cursor = first.items[0].cursor;
  await a.stop('SIGKILL');
  const b = await env.server({ dbUrl: own, env: { SCHEDULER_INTERVAL_MS: '0' } });
  await b.gql(IllShipDocument, { id: r.id, barcode: r.barcode }, { token: pl });
  await b.gql(IllReceiveDocument, { id: r.id }, { token: ts });
  await b.gql(IllMessageDocument, { id: r.id, note: 'sau khi khởi động lại' }, { token: ts });
  const resumed = collect<Update>(client(b, pl), REQUEST_SUB, { id: r.id, after: cursor }, 'illRequestUpdated');
  await until(() => resumed.items.length >= 3, 'the replay on the new process');
  await settle();
  expect(resumed.items.map((u) => u.type)).toEqual(['ill.shipped', 'ill.received', 'ill.message']);
  resumed.stop();
});

test('following a request is refused to a library taking no part, to anonymous callers and with a bad cursor', async () => {
  const r = await request(one, db, tokens['librarian.bdi-ts']);
  for (const [token, variables, code] of [
    [tokens['librarian.bdi-hn'], { id: r.id }, 'NOT_FOUND'],
    [null, { id: r.id }, 'UNAUTHENTICATED'],
    [tokens['librarian.bdi-ts'], { id: r.id, after: 'not-a-cursor' }, 'BAD_USER_INPUT'],
    [tokens['librarian.bdi-ts'], { id: 'nope' }, 'BAD_USER_INPUT'],
  ] as const) {
    const sub = collect<Update>(client(two, token), REQUEST_SUB, variables, 'illRequestUpdated');
    await sub.done;
    const err = sub.errors[0] as { extensions?: { code?: string } }[] | { extensions?: { code?: string } };
    const firstErr = Array.isArray(err) ? err[0] : err;
    expect(firstErr?.extensions?.code).toBe(code);
    expect(sub.items).toEqual([]);
  }
});
