import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { EventsCheckinDocument, EventsCheckoutDocument } from './__generated__/operations';
import { TestEnv, TestServer } from './support/harness';

/**
 * The event stream over WebSocket: outbox → NOTIFY → every API process → subscribers, with resume
 * by cursor. Two API processes share one database.
 */
const env = new TestEnv();
let dbUrl: string;
let one: TestServer;
let two: TestServer;
const tokens = { pl: '', ts: '' };
const clients: Client[] = [];

const SUBSCRIPTION = `subscription($lib: String!, $after: String) {
  resourceSharingEvents(libraryCode: $lib, after: $after) { cursor sequence type libraryCodes entity entityId payload }
}`;

interface Ev {
  cursor: string;
  sequence: string;
  type: string;
  libraryCodes: string[];
  entity: string;
  entityId: string | null;
  payload: Record<string, unknown>;
}

function client(server: TestServer, token: string | null): Client {
  const c = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(c);
  return c;
}

/** Subscribes and collects events; `ready` resolves once the server has accepted the subscription. */
function collect(c: Client, lib: string, after: string | null = null) {
  const events: Ev[] = [];
  const errors: unknown[] = [];
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    stop = c.subscribe<{ resourceSharingEvents: Ev }>(
      { query: SUBSCRIPTION, variables: { lib, after } },
      {
        next: (r) => {
          if (r.errors) errors.push(...r.errors);
          if (r.data) events.push(r.data.resourceSharingEvents);
        },
        error: (e) => {
          errors.push(e);
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { events, errors, done, stop: () => stop() };
}

async function until(check: () => boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function availableBarcodes(code: string, n: number): Promise<string[]> {
  const rows = await env.sql<{ barcode: string }>(
    dbUrl,
    `select i.barcode from items i join libraries l on l.id = i.library_id
      where l.code = $1 and i.status = 'AVAILABLE' and i.loanable order by i.id limit $2`,
    [code, n],
  );
  return rows.map((r) => r.barcode);
}

beforeAll(async () => {
  dbUrl = await env.database('demo');
  [one, two] = await Promise.all([
    env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0' } }),
    env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0' } }),
  ]);
  tokens.pl = await one.login('librarian.bdi-pl');
  tokens.ts = await one.login('librarian.bdi-ts');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await env.close();
});

test('a checkout made through process 1 reaches a subscriber on process 2', async () => {
  const sub = collect(client(two, tokens.pl), 'BDI-PL');
  await new Promise((r) => setTimeout(r, 300)); // subscription registered
  const [barcode] = await availableBarcodes('BDI-PL', 1);
  const res = await one.gql(EventsCheckoutDocument, { barcode, card: 'PL-000001' }, { token: tokens.pl });
  expect(res.data!.checkoutItem.__typename).toBe('Loan');
  await until(() => sub.events.some((e) => e.type === 'loan.created'), 'loan.created');
  const created = sub.events.find((e) => e.type === 'loan.created')!;
  expect(created.libraryCodes).toContain('BDI-PL');
  expect(created.entity).toBe('Loan');
  expect(created.entityId).toBe(res.data!.checkoutItem.__typename === 'Loan' ? res.data!.checkoutItem.id : null);
  expect(created.payload.barcode).toBe(barcode);
  sub.stop();
});

test('a subscriber that reconnects with its last cursor gets exactly the ten events it missed, in order', async () => {
  const first = collect(client(two, tokens.pl), 'BDI-PL');
  await new Promise((r) => setTimeout(r, 300));
  const [warm] = await availableBarcodes('BDI-PL', 1);
  await one.gql(EventsCheckoutDocument, { barcode: warm, card: 'PL-000002' }, { token: tokens.pl });
  await until(() => first.events.length > 0, 'a first event');
  await new Promise((r) => setTimeout(r, 300));
  const cursor = first.events[first.events.length - 1].cursor;
  const lastSeq = first.events[first.events.length - 1].sequence;
  first.stop();

  // ten changes while disconnected: five checkouts, each with loan.created + item.status_changed
  const barcodes = await availableBarcodes('BDI-PL', 5);
  for (const barcode of barcodes) {
    const r = await one.gql(EventsCheckoutDocument, { barcode, card: 'PL-000100' }, { token: tokens.pl });
    expect(r.data!.checkoutItem.__typename).toBe('Loan');
  }
  const missed = await env.sql<{ seq: string; type: string }>(
    dbUrl,
    `select seq::text, type from events e, libraries l
      where l.code = 'BDI-PL' and e.library_ids @> array[l.id] and e.seq > $1 order by e.txid, e.seq`,
    [lastSeq],
  );
  expect(missed).toHaveLength(10);

  const again = collect(client(two, tokens.pl), 'BDI-PL', cursor);
  await until(() => again.events.length >= 10, 'the replay');
  await new Promise((r) => setTimeout(r, 500)); // nothing more, no duplicate at the seam
  expect(again.events.map((e) => e.sequence)).toEqual(missed.map((m) => m.seq));
  expect(again.errors).toEqual([]);

  // and then it stays live
  const [next] = await availableBarcodes('BDI-PL', 1);
  await one.gql(EventsCheckoutDocument, { barcode: next, card: 'PL-000100' }, { token: tokens.pl });
  await until(() => again.events.length === 12, 'live events after the replay');
  expect(new Set(again.events.map((e) => e.sequence)).size).toBe(12);
  again.stop();
});

test("a library's subscription never sees another library's events", async () => {
  const pl = collect(client(two, tokens.pl), 'BDI-PL');
  const ts = collect(client(one, tokens.ts), 'BDI-TS');
  await new Promise((r) => setTimeout(r, 300));
  const [tsCopy] = await availableBarcodes('BDI-TS', 1);
  const [plCopy] = await availableBarcodes('BDI-PL', 1);
  await one.gql(EventsCheckoutDocument, { barcode: tsCopy, card: 'TS-000001' }, { token: tokens.ts });
  await two.gql(EventsCheckoutDocument, { barcode: plCopy, card: 'PL-000001' }, { token: tokens.pl });
  await until(() => pl.events.length >= 2 && ts.events.length >= 2, 'both libraries');
  await new Promise((r) => setTimeout(r, 300));
  expect(pl.events.every((e) => e.libraryCodes.includes('BDI-PL'))).toBe(true);
  expect(ts.events.every((e) => e.libraryCodes.includes('BDI-TS'))).toBe(true);
  expect(pl.events.some((e) => e.payload.barcode === tsCopy)).toBe(false);
  pl.stop();
  ts.stop();
});

test('subscribing to another library, anonymously, or with a bad cursor is refused with a clear error', async () => {
  for (const [token, lib, after, code] of [
    [tokens.ts, 'BDI-PL', null, 'FORBIDDEN'],
    [null, 'BDI-PL', null, 'UNAUTHENTICATED'],
    [tokens.pl, 'BDI-PL', 'not-a-cursor', 'BAD_USER_INPUT'],
    [tokens.pl, 'NOPE-1', null, 'BAD_USER_INPUT'],
  ] as const) {
    const sub = collect(client(two, token), lib, after);
    await sub.done;
    const err = sub.errors[0] as { extensions?: { code?: string } }[] | { extensions?: { code?: string } };
    const first = Array.isArray(err) ? err[0] : err;
    expect(first?.extensions?.code).toBe(code);
    expect(sub.events).toEqual([]);
  }
});

test('returns show up too: a checkin is streamed with the copy back on the shelf', async () => {
  const sub = collect(client(one, tokens.pl), 'BDI-PL');
  await new Promise((r) => setTimeout(r, 300));
  const [barcode] = await availableBarcodes('BDI-PL', 1);
  await two.gql(EventsCheckoutDocument, { barcode, card: 'PL-000001' }, { token: tokens.pl });
  const back = await two.gql(EventsCheckinDocument, { barcode }, { token: tokens.pl });
  expect(back.data!.checkinItem.__typename).toBe('CheckinOutcome');
  const statuses = () => sub.events.filter((e) => e.type === 'item.status_changed' && e.payload.barcode === barcode).map((e) => e.payload.after);
  await until(() => sub.events.some((e) => e.type === 'loan.returned') && statuses().length >= 2, 'loan.returned and the copy back');
  await new Promise((r) => setTimeout(r, 200));
  expect(statuses()).toEqual(['ON_LOAN', 'AVAILABLE']);
  // the return comes before the copy's new status, as written in the transaction
  const order = sub.events.filter((e) => e.payload.barcode === barcode).map((e) => e.type);
  expect(order.indexOf('loan.returned')).toBeLessThan(order.lastIndexOf('item.status_changed'));
  sub.stop();
});

test('a restarted API process loses no event: a subscriber resuming on the new process gets everything since its cursor', async () => {
  const db = await env.database('demo');
  const a = await env.server({ dbUrl: db, env: { SCHEDULER_INTERVAL_MS: '0' } });
  const token = await a.login('librarian.bdi-pl');
  const first = collect(client(a, token), 'BDI-PL');
  await new Promise((r) => setTimeout(r, 300));
  const copies = (
    await env.sql<{ barcode: string }>(
      db,
      `select i.barcode from items i join libraries l on l.id = i.library_id
        where l.code = 'BDI-PL' and i.status = 'AVAILABLE' and i.loanable order by i.id limit 4`,
    )
  ).map((r) => r.barcode);
  await a.gql(EventsCheckoutDocument, { barcode: copies[0], card: 'PL-000001' }, { token });
  await until(() => first.events.length >= 2, 'the first events');
  const cursor = first.events[first.events.length - 1].cursor;
  const lastSeq = first.events[first.events.length - 1].sequence;

  // the process dies hard; changes go on through a new one
  await a.stop('SIGKILL');
  const b = await env.server({ dbUrl: db, env: { SCHEDULER_INTERVAL_MS: '0' } });
  for (const barcode of copies.slice(1)) {
    const r = await b.gql(EventsCheckoutDocument, { barcode, card: 'PL-000002' }, { token });
    expect(r.data!.checkoutItem.__typename).toBe('Loan');
  }
  const missed = await env.sql<{ seq: string }>(
    db,
    `select e.seq::text seq from events e, libraries l
      where l.code = 'BDI-PL' and e.library_ids @> array[l.id] and e.seq > $1 order by e.txid, e.seq`,
    [lastSeq],
  );
  expect(missed.length).toBeGreaterThanOrEqual(6);
  const resumed = collect(client(b, token), 'BDI-PL', cursor);
  await until(() => resumed.events.length >= missed.length, 'the replay on the new process');
  await new Promise((r) => setTimeout(r, 300));
  expect(resumed.events.map((e) => e.sequence)).toEqual(missed.map((m) => m.seq));
  resumed.stop();
});
