import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { hashPassword } from '../../src/modules/auth/password';
import { ensureCatalogData, openBenchServer, withClient } from './catalog';
import { BenchLifecycle } from './lifecycle';
import { cpuLine, cpuMark, postmasterPid } from './cpu';
import { ApiProcess, post, rssOf, startApi } from './load';
import { fmtInt, fmtMb, fmtMs, fmtSeconds, percentile, table } from './stats';

/**
 * `npm run bench:events`: resource sharing on the benchmark network (generated if missing). Measures
 *   1. delivery: subscribers spread over the libraries (1,000 on one API process, more on a second
 *      one), inter-library requests created at a steady rate through the first process; the time from
 *      the mutation's answer (the change is committed by then) to each concerned subscriber's event;
 *   2. the full loan cycle through GraphQL (create → ship → receive → return → check in), closed loop;
 *   3. a reconnect replaying missed events: a subscriber resumes with its cursor behind N events;
 *   4. idle WebSocket connections: the API process's memory with N connections open.
 */

const USAGE = `usage: npm run bench:events -- [options]
  --records N          records of the catalog network (default 100000; generated if missing, see bench:catalog)
  --libraries N        libraries in the network (default 200)
  --subscribers N      subscribers on the first API process, spread over the libraries (default 1000)
  --second N           subscribers on a second API process (default 200; 0: no second process)
  --rate R             requests created per second (default 50)
  --seconds S          seconds of requests (default 20)
  --cycle-workers W    concurrent loan cycles (default 16)
  --cycle-seconds S    seconds of loan cycles (default 20)
  --replay N           events a resuming subscriber missed (default 10000)
  --idle N             idle WebSocket connections (default 10000)
  --only PARTS         run only these parts, comma-separated: delivery, cycles, replay, idle (default: all)
  --api-node-options=S NODE_OPTIONS for the API processes (e.g. --api-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof")
  --keep               leave the database running at the end
  --regenerate         generate the catalog again
Database: DATABASE_URL (database shelfnet_bench_<N> on that server), else the embedded PostgreSQL in
<SHELFNET_DATA_DIR or ./data>/bench-pg on port EMBEDDED_PG_PORT+1 (shared with the other benchmarks).`;

const PASSWORD = 'shelfnet-bench-ill';
const PREFIX = 'bench.ill.';
const TARGETS = { sameP50: 20, sameP99: 50, secondP99: 150, cycles: 50, replaySeconds: 2, idleMb: 200 };

function args() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        records: { type: 'string' },
        libraries: { type: 'string' },
        subscribers: { type: 'string' },
        second: { type: 'string' },
        rate: { type: 'string' },
        seconds: { type: 'string' },
        'cycle-workers': { type: 'string' },
        'cycle-seconds': { type: 'string' },
        replay: { type: 'string' },
        idle: { type: 'string' },
        only: { type: 'string' },
        'api-node-options': { type: 'string' },
        keep: { type: 'boolean' },
        regenerate: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string | undefined, dflt: number, min: number, max: number) => {
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < min || n > max) {
      process.stderr.write(`--${name} must be a number between ${min} and ${max}\n${USAGE}\n`);
      process.exit(2);
    }
    return n;
  };
  const PARTS = ['delivery', 'cycles', 'replay', 'idle'] as const;
  const only = (parsed.only ?? PARTS.join(',')).split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = only.filter((x) => !(PARTS as readonly string[]).includes(x));
  if (unknown.length || only.length === 0) {
    process.stderr.write(`--only takes ${PARTS.join(', ')} (comma-separated), not ${unknown.join(', ') || 'nothing'}\n${USAGE}\n`);
    process.exit(2);
  }
  return {
    parts: new Set(only),
    records: num('records', parsed.records, 100_000, 1000, 50_000_000),
    libraries: num('libraries', parsed.libraries, 200, 2, 10_000),
    subscribers: num('subscribers', parsed.subscribers, 1000, 1, 50_000),
    second: num('second', parsed.second, 200, 0, 50_000),
    rate: num('rate', parsed.rate, 50, 0.1, 10_000),
    seconds: num('seconds', parsed.seconds, 20, 1, 3600),
    cycleWorkers: num('cycle-workers', parsed['cycle-workers'], 16, 1, 500),
    cycleSeconds: num('cycle-seconds', parsed['cycle-seconds'], 20, 1, 3600),
    replay: num('replay', parsed.replay, 10_000, 1, 1_000_000),
    idle: num('idle', parsed.idle, 10_000, 0, 100_000),
    apiNodeOptions: parsed['api-node-options'] ?? null,
    keep: Boolean(parsed.keep),
    regenerate: Boolean(parsed.regenerate),
  };
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const life = new BenchLifecycle();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Lib {
  id: number;
  code: string;
  token: string;
}

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on AuthPayload { token } ... on ErrorResult { errorCode message } } }`;
const CREATE = `mutation($r: ID!) { createIllRequest(input: { recordId: $r }) { __typename ... on IllRequest { id lender { code } } ... on ErrorResult { errorCode message } } }`;
const SHIP = `mutation($id: ID!, $b: String!) { shipIllItem(requestId: $id, barcode: $b) { __typename ... on IllRequest { requesterState } ... on ErrorResult { errorCode message } } }`;
const RECEIVE = `mutation($id: ID!) { receiveIllItem(requestId: $id) { __typename ... on IllRequest { requesterState } ... on ErrorResult { errorCode message } } }`;
const RETURN = `mutation($id: ID!) { returnIllItem(requestId: $id) { __typename ... on IllRequest { requesterState } ... on ErrorResult { errorCode message } } }`;
const CHECK_IN = `mutation($id: ID!) { checkInReturnedIllItem(requestId: $id) { __typename ... on IllRequest { requesterState } ... on ErrorResult { errorCode message } } }`;
const SUBSCRIBE = `subscription($lib: String!, $after: String) { resourceSharingEvents(libraryCode: $lib, after: $after) { cursor type entityId } }`;

const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
const localId = (g: string) => Number(Buffer.from(g, 'base64url').toString('utf8').split(':')[1]);
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
};
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function mutate(
  api: ApiProcess,
  query: string,
  variables: Record<string, unknown>,
  token: string,
  field: string,
): Promise<{ ms: number; value: Json | null; sql: number | null; error?: string }> {
  const t0 = performance.now();
  const r = await post(api.url, { query, variables, headers: { authorization: `Bearer ${token}` } }, 30_000);
  const value = (r.data as Json | undefined)?.[field] ?? null;
  const ms = performance.now() - t0;
  if (!r.ok) return { ms, value: null, sql: r.sql, error: r.error };
  if (value?.errorCode) return { ms, value, sql: r.sql, error: `${value.errorCode}: ${value.message}` };
  return { ms, value, sql: r.sql };
}

function ws(api: ApiProcess, token: string, lazy = true): WsClient {
  return createClient({
    url: api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy,
    keepAlive: 0,
  });
}

/** Resets resource sharing in the benchmark database (earlier runs' requests, their copies' statuses). */
async function resetSharing(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`update items set status = 'AVAILABLE', updated_at = now()
                    where id in (select item_id from ill_requests where item_id is not null) and status <> 'WITHDRAWN'`);
    await c.query(`update ill_requests set loan_id = null where loan_id is not null`);
    await c.query(`delete from loans where ill_request_id is not null`);
    await c.query(`delete from transits where ill_request_id is not null`);
    // history rows are immutable (a row trigger refuses DELETE): TRUNCATE clears them
    await c.query(`truncate ill_message_reads, ill_history, ill_rota_entries`);
    await c.query(`delete from ill_requests`);
  });
}

async function ensureAccounts(url: string): Promise<{ id: number; code: string }[]> {
  const hash = await hashPassword(PASSWORD);
  return withClient(url, async (c) => {
    await c.query(
      `insert into accounts (username, password_hash, display_name, role, library_id)
       select '${PREFIX}' || lower(code), $1, 'Liên thư viện ' || name, 'LIBRARIAN', id from libraries
       on conflict (username) do update set password_hash = excluded.password_hash, role = 'LIBRARIAN', library_id = excluded.library_id, active = true`,
      [hash],
    );
    await c.query(`update libraries set lends_to_network = true, borrows_from_network = true`);
    const rows = await c.query<{ id: string; code: string }>(`select id, code from libraries order by code`);
    return rows.rows.map((r) => ({ id: Number(r.id), code: r.code }));
  });
}

/** Records with a lendable copy on the shelf, and where: the pool of things to ask for. */
async function lendableRecords(url: string, limit: number): Promise<{ recordId: number; copies: Map<number, string[]> }[]> {
  return withClient(url, async (c) => {
    const rows = await c.query<{ record_id: string; library_id: string; barcodes: string[] }>(
      `with r as (select distinct record_id from items where status = 'AVAILABLE' and lendable and loanable order by record_id limit $1)
       select i.record_id, i.library_id, array_agg(i.barcode order by i.id) barcodes
         from items i join r using (record_id) where i.status = 'AVAILABLE' and i.lendable and i.loanable
        group by i.record_id, i.library_id`,
      [limit],
    );
    const by = new Map<number, Map<number, string[]>>();
    for (const r of rows.rows) {
      const m = by.get(Number(r.record_id)) ?? new Map();
      m.set(Number(r.library_id), r.barcodes);
      by.set(Number(r.record_id), m);
    }
    return [...by.entries()].map(([recordId, copies]) => ({ recordId, copies }));
  });
}

// ---------------------------------------------------------------------------- 1. delivery

async function delivery(url: string, a: ApiProcess, b: ApiProcess | null, libs: Lib[], pool: Awaited<ReturnType<typeof lendableRecords>>, opts: ReturnType<typeof args>) {
  say(`\n1. Delivery: ${opts.subscribers} subscribers on process A${b ? `, ${opts.second} on process B` : ''}, requests created through A at ${opts.rate}/s for ${opts.seconds} s`);
  const byCode = new Map(libs.map((l) => [l.code, l]));
  /** Per request: when its create was answered, and arrivals that came before the answer. */
  const answered = new Map<number, number>();
  const early = new Map<number, { at: number; proc: 'A' | 'B' }[]>();
  const latency = { A: [] as number[], B: [] as number[] };
  const arrivals = { A: 0, B: 0 };
  const subsPerLib = { A: new Map<number, number>(), B: new Map<number, number>() };
  const clients: WsClient[] = [];
  const errors: unknown[] = [];
  const record = (proc: 'A' | 'B', requestId: number) => {
    const now = performance.now();
    arrivals[proc]++;
    const t = answered.get(requestId);
    if (t === undefined) {
      const list = early.get(requestId) ?? [];
      list.push({ at: now, proc });
      early.set(requestId, list);
    } else latency[proc].push(now - t);
  };
  /** Subscribers that have seen the probe: their subscription is live. */
  const ready = new Set<number>();
  let subscriberNo = 0;
  const subscribe = async (api: ApiProcess, proc: 'A' | 'B', n: number) => {
    for (let i = 0; i < n; i++) {
      const no = subscriberNo++;
      const lib = libs[i % libs.length];
      subsPerLib[proc].set(lib.id, (subsPerLib[proc].get(lib.id) ?? 0) + 1);
      const c = ws(api, lib.token);
      clients.push(c);
      c.subscribe<{ resourceSharingEvents: { type: string; entityId: string | null } }>(
        { query: SUBSCRIBE, variables: { lib: lib.code } },
        {
          next: (r) => {
            const e = r.data?.resourceSharingEvents;
            if (e?.type === 'bench.probe') ready.add(no);
            if (e?.type === 'ill.created' && e.entityId) record(proc, localId(e.entityId));
          },
          error: (e) => errors.push(e),
          complete: () => undefined,
        },
      );
      if (i % 100 === 99) await sleep(50);
    }
  };
  const rssBefore = rssOf(a.pid);
  await subscribe(a, 'A', opts.subscribers);
  if (b) await subscribe(b, 'B', opts.second);
  // every subscription is live once it has seen a probe event (an event for every library)
  const t0 = performance.now();
  while (ready.size < subscriberNo && performance.now() - t0 < 120_000 && !life.interrupted) {
    await withClient(url, async (c) => {
      await c.query(`insert into events (type, library_ids, entity, payload) select 'bench.probe', array_agg(id), 'Library', '{}' from libraries`);
      await c.query(`select pg_notify('shelfnet_events', '')`);
    });
    await sleep(1000);
  }
  say(`   ${ready.size} of ${subscriberNo} subscriptions live after ${fmtSeconds((performance.now() - t0) / 1000)}; API A memory ${fmtMb(rssBefore)} → ${fmtMb(rssOf(a.pid))} MB`);

  const created: { id: number; libs: number[] }[] = [];
  const createMs: number[] = [];
  const failures: string[] = [];
  const total = Math.round(opts.rate * opts.seconds);
  const start = performance.now();
  let next = 0;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total && !life.interrupted; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const item = pool[next++ % pool.length];
    const holders = [...item.copies.keys()];
    const from = (i * 7919) % libs.length;
    const borrower = Array.from({ length: libs.length }, (_, k) => libs[(from + k) % libs.length]).find((l) => !holders.includes(l.id))!;
    inflight.push(
      (async () => {
        const r = await mutate(a, CREATE, { r: gid('BibliographicRecord', item.recordId) }, borrower.token, 'createIllRequest');
        const at = performance.now();
        createMs.push(at - due);
        if (r.error || !r.value?.id) {
          failures.push(r.error ?? 'no id');
          return;
        }
        const id = localId(r.value.id);
        answered.set(id, at);
        for (const e of early.get(id) ?? []) latency[e.proc].push(Math.max(0, e.at - at));
        early.delete(id);
        const lender = byCode.get(r.value.lender.code)!;
        created.push({ id, libs: [...new Set([borrower.id, lender.id])] });
      })(),
    );
  }
  await Promise.all(inflight);
  await sleep(3000);
  const expected = { A: 0, B: 0 };
  for (const c of created) for (const l of c.libs) for (const p of ['A', 'B'] as const) expected[p] += subsPerLib[p].get(l) ?? 0;
  const rssAfter = rssOf(a.pid);
  await Promise.all(clients.map((c) => c.dispose()));
  const la = stats(latency.A);
  const lb = stats(latency.B);
  const cm = stats(createMs);
  say(
    table([
      ['', 'deliveries', 'expected', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'target'],
      ['same process (A)', fmtInt(arrivals.A), fmtInt(expected.A), fmtMs(la.p50), fmtMs(la.p95), fmtMs(la.p99), fmtMs(la.max), `p50 ≤ ${TARGETS.sameP50}, p99 ≤ ${TARGETS.sameP99}: ${verdict(la.p50 <= TARGETS.sameP50 && la.p99 <= TARGETS.sameP99)}`],
      ...(b ? [['second process (B)', fmtInt(arrivals.B), fmtInt(expected.B), fmtMs(lb.p50), fmtMs(lb.p95), fmtMs(lb.p99), fmtMs(lb.max), `p99 ≤ ${TARGETS.secondP99}: ${verdict(lb.p99 <= TARGETS.secondP99)}`]] : []),
      ['createIllRequest', fmtInt(created.length), fmtInt(total), fmtMs(cm.p50), fmtMs(cm.p95), fmtMs(cm.p99), fmtMs(cm.max), '(from its due time)'],
    ]),
  );
  say(`   latency: from the mutation's answer (committed before it is sent) to the event at the subscriber; an event that beat the answer counts 0`);
  say(`   ${failures.length} failed creates${failures.length ? ` (first: ${failures[0]})` : ''}; subscription errors: ${errors.length}; API A memory with subscribers ${fmtMb(rssAfter)} MB`);
  if (arrivals.A !== expected.A || (b && arrivals.B !== expected.B)) say(`   NOTE: deliveries differ from the expected count`);
  return { la, lb };
}

// ---------------------------------------------------------------------------- 2. cycles

/** The statements that took the database's time (pg_stat_statements, when the server has it). */
async function topStatements(url: string, n: number): Promise<void> {
  await withClient(url, async (c) => {
    const r = await c
      .query<{ calls: string; total: number; mean: number; q: string }>(
        `select calls, total_exec_time total, mean_exec_time mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) q
           from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
            and query not ilike '%pg_stat_statements%' order by total_exec_time desc limit $1`,
        [n],
      )
      .catch(() => null);
    if (!r) return;
    say('   statements by database time:');
    say(table([['calls', 'total ms', 'mean ms', 'statement'], ...r.rows.map((x) => [fmtInt(Number(x.calls)), fmtInt(x.total), x.mean.toFixed(2), x.q])]));
  });
}

async function resetStatements(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('create extension if not exists pg_stat_statements').catch(() => undefined);
    await c.query('select pg_stat_statements_reset()').catch(() => undefined);
  });
}

async function cycles(url: string, a: ApiProcess, libs: Lib[], pool: Awaited<ReturnType<typeof lendableRecords>>, opts: ReturnType<typeof args>, pgPid: number | null) {
  say(`\n2. Full loan cycle (create → ship → receive → return → check in), ${opts.cycleWorkers} workers, ${opts.cycleSeconds} s`);
  const byCode = new Map(libs.map((l) => [l.code, l]));
  const ms: Record<string, number[]> = { create: [], ship: [], receive: [], return: [], checkIn: [] };
  const sql: Record<string, number[]> = { create: [], ship: [], receive: [], return: [], checkIn: [] };
  const failures = new Map<string, number>();
  let done = 0;
  const start = performance.now();
  const end = start + opts.cycleSeconds * 1000;
  const worker = async (w: number) => {
    // each worker has its own titles: no two cycles race for one copy
    const mine = pool.filter((_, i) => i % opts.cycleWorkers === w);
    let k = 0;
    while (performance.now() < end && !life.interrupted && mine.length) {
      const item = mine[k++ % mine.length];
      const holders = [...item.copies.keys()];
      const borrower = libs[(w * 31 + k) % libs.length];
      if (holders.includes(borrower.id)) continue;
      const fail = (step: string, e?: string) => failures.set(`${step}: ${e ?? '?'}`.slice(0, 120), (failures.get(`${step}: ${e ?? '?'}`.slice(0, 120)) ?? 0) + 1);
      const c = await mutate(a, CREATE, { r: gid('BibliographicRecord', item.recordId) }, borrower.token, 'createIllRequest');
      if (c.error) {
        fail('create', c.error);
        continue;
      }
      ms.create.push(c.ms);
      if (c.sql !== null) sql.create.push(c.sql);
      const id = c.value!.id as string;
      const lender = byCode.get(c.value!.lender.code)!;
      const barcode = item.copies.get(lender.id)?.[0];
      if (!barcode) {
        fail('ship', 'no copy known at the lender');
        continue;
      }
      const steps: [string, string, Record<string, unknown>, string, string][] = [
        ['ship', SHIP, { id, b: barcode }, lender.token, 'shipIllItem'],
        ['receive', RECEIVE, { id }, borrower.token, 'receiveIllItem'],
        ['return', RETURN, { id }, borrower.token, 'returnIllItem'],
        ['checkIn', CHECK_IN, { id }, lender.token, 'checkInReturnedIllItem'],
      ];
      let ok = true;
      for (const [name, q, v, token, field] of steps) {
        const r = await mutate(a, q, v, token, field);
        if (r.error) {
          fail(name, r.error);
          ok = false;
          break;
        }
        ms[name].push(r.ms);
        if (r.sql !== null) sql[name].push(r.sql);
      }
      if (ok) done++;
    }
  };
  await resetStatements(url);
  const cpu0 = cpuMark(a.pid, pgPid);
  await Promise.all(Array.from({ length: opts.cycleWorkers }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  const cpu1 = cpuMark(a.pid, pgPid);
  const rate = done / seconds;
  say(
    table([
      ['mutation', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'SQL statements (mean)'],
      ...Object.entries(ms).map(([k, v]) => {
        const s = stats(v);
        const n = sql[k];
        return [k, fmtInt(s.n), fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.max), n.length ? (n.reduce((a, b) => a + b, 0) / n.length).toFixed(1) : '-'];
      }),
    ]),
  );
  say(`   ${fmtInt(done)} complete cycles in ${fmtSeconds(seconds)}: ${rate.toFixed(1)} cycles/s (${(rate * 5).toFixed(0)} mutations/s); target ≥ ${TARGETS.cycles}: ${verdict(rate >= TARGETS.cycles)}`);
  say(`   ${cpuLine(cpu0, cpu1)}`);
  if (failures.size) say(`   failures: ${[...failures.entries()].map(([e, n]) => `${n} × ${e}`).join('; ')}`);
  await topStatements(url, 12);
  return rate;
}

// ---------------------------------------------------------------------------- 3. replay

async function replay(a: ApiProcess, url: string, libs: Lib[], n: number) {
  say(`\n3. Reconnect replaying ${fmtInt(n)} missed events`);
  const lib = libs[0];
  // a cursor: the subscriber's last event before it went away
  const first = ws(a, lib.token);
  let cursor: string | null = null;
  const got = new Promise<void>((resolve) => {
    first.subscribe<{ resourceSharingEvents: { cursor: string } }>(
      { query: SUBSCRIBE, variables: { lib: lib.code } },
      {
        next: (r) => {
          cursor ??= r.data?.resourceSharingEvents.cursor ?? null;
          if (cursor) resolve();
        },
        error: () => resolve(),
        complete: () => resolve(),
      },
    );
  });
  await sleep(500);
  await withClient(url, async (c) => {
    await c.query(`insert into events (type, library_ids, entity, entity_id, payload) values ('bench.mark', array[$1::bigint], 'Library', $1, '{}')`, [lib.id]);
    await c.query(`select pg_notify('shelfnet_events', '')`);
  });
  await Promise.race([got, sleep(10_000)]);
  await first.dispose();
  if (!cursor) {
    say('   no cursor received: skipped');
    return null;
  }
  // the events it missed: what a busy library's day of lending writes, as the outbox holds them
  await withClient(url, (c) =>
    c.query(
      `insert into events (type, library_ids, entity, entity_id, payload)
       select 'ill.message', array[$1::bigint, $2::bigint], 'IllRequest', g,
              jsonb_build_object('requestId', g, 'action', 'SEND_MESSAGE', 'requesterState', 'REQUESTED', 'supplierState', 'REQUEST_RECEIVED', 'lenderId', $2::bigint, 'historyId', g, 'message', true)
         from generate_series(1, $3::int) g`,
      [lib.id, libs[1].id, n],
    ),
  );
  await sleep(1500); // committed and older than every running transaction
  const again = ws(a, lib.token);
  let count = 0;
  let dup = 0;
  const seen = new Set<string>();
  const t0 = performance.now();
  let tEnd = 0;
  await new Promise<void>((resolve) => {
    again.subscribe<{ resourceSharingEvents: { cursor: string; type: string } }>(
      { query: SUBSCRIBE, variables: { lib: lib.code, after: cursor } },
      {
        next: (r) => {
          const e = r.data?.resourceSharingEvents;
          if (!e) return;
          if (seen.has(e.cursor)) dup++;
          seen.add(e.cursor);
          if (e.type === 'ill.message') count++;
          if (count === n) {
            tEnd = performance.now();
            resolve();
          }
        },
        error: () => resolve(),
        complete: () => resolve(),
      },
    );
    setTimeout(resolve, 60_000);
  });
  await again.dispose();
  const s = tEnd ? (tEnd - t0) / 1000 : NaN;
  say(`   ${fmtInt(count)} of ${fmtInt(n)} events in ${Number.isFinite(s) ? s.toFixed(2) : '-'} s (${fmtInt(count / s)} events/s), ${dup} duplicates; target < ${TARGETS.replaySeconds} s: ${verdict(s < TARGETS.replaySeconds && count === n)}`);
  return s;
}

// ---------------------------------------------------------------------------- 4. idle connections

async function idle(a: ApiProcess, libs: Lib[], n: number) {
  say(`\n4. ${fmtInt(n)} idle WebSocket connections on one process (a fresh one, started for this part)`);
  await sleep(2000);
  const before = rssOf(a.pid);
  const clients: WsClient[] = [];
  let connected = 0;
  let failed = 0;
  for (let i = 0; i < n && !life.interrupted; i++) {
    const lib = libs[i % libs.length];
    const c = createClient({
      url: a.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${lib.token}` },
      retryAttempts: 0,
      lazy: false,
      keepAlive: 0,
      on: { connected: () => connected++, closed: () => undefined, error: () => failed++ },
      onNonLazyError: () => undefined,
    });
    clients.push(c);
    if (i % 250 === 249) {
      // let the server keep up with the handshakes
      const target = i + 1 - failed;
      for (let k = 0; k < 100 && connected < target; k++) await sleep(50);
    }
  }
  for (let k = 0; k < 200 && connected + failed < n; k++) await sleep(100);
  await sleep(3000);
  const peak = rssOf(a.pid);
  say(`   ${fmtInt(connected)} connected (acknowledged), ${failed} failed; API memory ${fmtMb(before)} MB before → ${fmtMb(peak)} MB with them (+${fmtMb((peak ?? 0) - (before ?? 0))} MB); target ≤ ${TARGETS.idleMb} MB: ${verdict((peak ?? Infinity) <= TARGETS.idleMb * 1048576)}`);
  await Promise.all(clients.map((c) => c.dispose()));
  return peak;
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = args();
  life.handleSignals();
  const config = loadConfig();
  say(`bench:events on ${os.cpus().length} cores, ${fmtMb(os.totalmem())} MB; Node ${process.version}`);
  const { serverUrl, embedded } = await openBenchServer(config);
  life.deferServerStop(embedded, opts.keep);
  const { url } = await ensureCatalogData(serverUrl, { records: opts.records, libraries: opts.libraries, regenerate: opts.regenerate, batch: 100_000, workers: 2 });
  const { parts } = opts;
  const lending = parts.has('delivery') || parts.has('cycles');
  if (lending) await resetSharing(url);
  const accounts = await ensureAccounts(url);
  const pool = lending ? await lendableRecords(url, 20_000) : [];
  say(`network: ${accounts.length} libraries${lending ? `, ${fmtInt(pool.length)} titles with a lendable copy on the shelf` : ''}`);

  const root = path.resolve(__dirname, '..', '..', '..');
  const logDir = path.join(os.tmpdir(), 'shelfnet-bench-events');
  // both processes sign and verify tokens with one secret, as processes behind one address must
  const shared: Record<string, string> = {
    SCHEDULER_INTERVAL_MS: '0',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...(opts.apiNodeOptions ? { NODE_OPTIONS: opts.apiNodeOptions } : {}),
  };
  const a = await startApi(root, url, path.join(logDir, 'api-a.log'), shared);
  life.defer(() => a.stop());
  const b = parts.has('delivery') && opts.second > 0 ? await startApi(root, url, path.join(logDir, 'api-b.log'), shared) : null;
  if (b) life.defer(() => b.stop());

  const libs: Lib[] = [];
  for (let i = 0; i < accounts.length; i += 8) {
    const batch = accounts.slice(i, i + 8);
    const tokens = await Promise.all(
      batch.map(async (l) => {
        const r = await post(a.url, { query: LOGIN, variables: { u: `${PREFIX}${l.code.toLowerCase()}`, p: PASSWORD } }, 30_000);
        const token = (r.data as Json | undefined)?.login?.token;
        if (typeof token !== 'string') throw new Error(`login for ${l.code} failed: ${r.error ?? JSON.stringify(r.data)}`);
        return token;
      }),
    );
    batch.forEach((l, k) => libs.push({ ...l, token: tokens[k] }));
  }

  const d = parts.has('delivery') ? await delivery(url, a, b, libs, pool, opts) : null;
  if (b) await b.stop();
  const c = parts.has('cycles') ? await cycles(url, a, libs, pool, opts, embedded ? postmasterPid(embedded.dir) : null) : null;
  const r = parts.has('replay') ? await replay(a, url, libs, opts.replay) : undefined;
  let m: number | null = null;
  if (parts.has('idle') && opts.idle > 0) {
    // a process of its own: the memory the connections take, not the heap left by the load before
    await a.stop();
    const c = await startApi(root, url, path.join(logDir, 'api-c.log'), shared);
    life.defer(() => c.stop());
    m = await idle(c, libs, opts.idle);
    await c.stop();
  }

  say('\nSummary');
  say(
    table([
      ['figure', 'measured', 'target', ''],
      ...(d ? [['delivery, same process p50 / p99', `${fmtMs(d.la.p50)} / ${fmtMs(d.la.p99)} ms`, `≤ ${TARGETS.sameP50} / ${TARGETS.sameP99} ms`, verdict(d.la.p50 <= TARGETS.sameP50 && d.la.p99 <= TARGETS.sameP99)]] : []),
      ...(d && b ? [['delivery, second process p99', `${fmtMs(d.lb.p99)} ms`, `≤ ${TARGETS.secondP99} ms`, verdict(d.lb.p99 <= TARGETS.secondP99)]] : []),
      ...(c !== null ? [['full loan cycles', `${c.toFixed(1)}/s`, `≥ ${TARGETS.cycles}/s`, verdict(c >= TARGETS.cycles)]] : []),
      ...(r !== undefined ? [['replay of missed events', r === null ? '-' : `${r.toFixed(2)} s`, `< ${TARGETS.replaySeconds} s`, verdict(r !== null && r < TARGETS.replaySeconds)]] : []),
      ...(m !== null ? [['idle connections, API memory', `${fmtMb(m)} MB`, `≤ ${TARGETS.idleMb} MB`, verdict(m <= TARGETS.idleMb * 1048576)]] : []),
    ]),
  );
}

main()
  .catch((err) => {
    process.stderr.write(`bench:events failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => life.cleanUp());
