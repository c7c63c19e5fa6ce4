import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { benchDatabaseName, drain, ensureCatalogData, openBenchServer, withClient } from './catalog';
import { DESK_PASSWORD, DESK_USER_PREFIX, ME_PIN, ME_PREFIX, PATRON_PREFIX, CirculationMeta, ensureCirculationData } from './circulation-data';
import { ApiProcess, GqlRequest, RunResult, Sample, Summary, closeAgent, openLoop, post, rssOf, startApi, summarize } from './load';
import { BenchLifecycle } from './lifecycle';
import { cpuLine, cpuMark, postmasterPid } from './cpu';
import { fmtInt, fmtMb, fmtMs, fmtSeconds, table } from './stats';

/**
 * `npm run bench:circulation`: on the catalog benchmark network (generated if missing) with patrons,
 * a loan history and desk accounts added, drives the GraphQL endpoint of a real API process with
 * desks doing checkout + checkin cycles (closed loop), then with "my account" reads (open loop), and
 * prints throughput, latency per mutation, SQL statements per request, CPU and memory, the statements
 * that took the time, and the circulation invariants at the end.
 */

const USAGE = `usage: npm run bench:circulation -- [options]
  --records N        records of the catalog network (default 1000000; generated if missing, see bench:catalog)
  --libraries N      libraries in the network (default 200)
  --patrons N        patrons to add (default 100000)
  --history N        returned loans to add (default 500000)
  --me-patrons N     "my account" patrons with 20 loans and 3 holds (default 10)
  --desks N          concurrent desks, each a librarian of one library (default 20)
  --seconds S        seconds of desk load (default 30)
  --warmup S         seconds of desk load before measuring (default 5)
  --paced-rate R     then the same desks paced to R mutations/s in all, latency from the intended start
                     (default 300; 0 skips this run)
  --pool N           copies per desk, distinct between desks (default 400)
  --me-rate R        "my account" requests per second (default 100)
  --me-seconds S     seconds of "my account" load (default 20)
  --explain          print generic plans (EXPLAIN) of the statements that took the most time
  --api-node-options=S  NODE_OPTIONS for the API process (e.g. --api-node-options="--require ./profiler.js")
  --regenerate       generate the catalog again (and so the circulation data)
  --regenerate-circulation  add the circulation data again
  --keep             leave the API and the database running at the end (Ctrl-C still stops them)
  --workers W        connections generating the catalog side by side (default 2)
  --batch B          rows per INSERT statement when generating (default 100000)
Database: DATABASE_URL (database shelfnet_bench_<N> on that server), else the embedded PostgreSQL in
<SHELFNET_DATA_DIR or ./data>/bench-pg on port EMBEDDED_PG_PORT+1 (shared with bench:catalog).`;

const TX_PER_S = 300;
const TX_P99_MS = 30;
const ME_P99_MS = 15;
const ME_LOANS = 20;
const ME_HOLDS = 3;
/**
 * Most SQL statements a "my account" request may take: one per list (loans, holds) and one per loader
 * batch (copies, titles, libraries, queue positions), whatever the number of loans; libraries may come
 * in two batches (copies' owners and pickup libraries resolve in different ticks).
 */
const ME_SQL_BOUND = 8;

interface Args {
  records: number;
  libraries: number;
  patrons: number;
  history: number;
  mePatrons: number;
  desks: number;
  seconds: number;
  warmup: number;
  pacedRate: number;
  pool: number;
  meRate: number;
  meSeconds: number;
  explain: boolean;
  apiNodeOptions: string | null;
  regenerate: boolean;
  regenerateCirculation: boolean;
  keep: boolean;
  workers: number;
  batch: number;
}

function parseOptions() {
  return parseArgs({
    options: {
      records: { type: 'string' },
      libraries: { type: 'string' },
      patrons: { type: 'string' },
      history: { type: 'string' },
      'me-patrons': { type: 'string' },
      desks: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'paced-rate': { type: 'string' },
      pool: { type: 'string' },
      'me-rate': { type: 'string' },
      'me-seconds': { type: 'string' },
      explain: { type: 'boolean' },
      'api-node-options': { type: 'string' },
      regenerate: { type: 'boolean' },
      'regenerate-circulation': { type: 'boolean' },
      keep: { type: 'boolean' },
      workers: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}

function parse(): Args {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string | undefined, dflt: number, min: number, max: number, int = true) => {
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
      process.stderr.write(`--${name} must be a number between ${min} and ${max}\n${USAGE}\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    records: num('records', values.records, 1_000_000, 1000, 50_000_000),
    libraries: num('libraries', values.libraries, 200, 1, 10_000),
    patrons: num('patrons', values.patrons, 100_000, 100, 9_999_999),
    history: num('history', values.history, 500_000, 0, 100_000_000),
    mePatrons: num('me-patrons', values['me-patrons'], 10, 1, 1000),
    desks: num('desks', values.desks, 20, 1, 500),
    seconds: num('seconds', values.seconds, 30, 1, 3600, false),
    warmup: num('warmup', values.warmup, 5, 0, 600, false),
    pacedRate: num('paced-rate', values['paced-rate'], 300, 0, 100_000, false),
    pool: num('pool', values.pool, 400, 1, 100_000),
    meRate: num('me-rate', values['me-rate'], 100, 0.1, 10_000, false),
    meSeconds: num('me-seconds', values['me-seconds'], 20, 1, 3600, false),
    explain: Boolean(values.explain),
    apiNodeOptions: values['api-node-options'] ?? null,
    regenerate: Boolean(values.regenerate),
    regenerateCirculation: Boolean(values['regenerate-circulation']),
    keep: Boolean(values.keep),
    workers: num('workers', values.workers, 2, 1, 16),
    batch: num('batch', values.batch, 100_000, 1000, 10_000_000),
  };
}

const say = (line = '') => process.stdout.write(`${line}\n`);

const life = new BenchLifecycle();

// ---------------------------------------------------------------------- operations

/** What a desk screen shows after lending: the loan, its due date, the title. */
const CHECKOUT = `mutation BenchCheckout($barcode: String!, $card: String!) {
  checkoutItem(barcode: $barcode, cardNumber: $card) {
    __typename
    ... on Loan { id dueAt item { barcode record { title } } }
    ... on ErrorResult { errorCode message }
  }
}`;

/** What a desk screen shows after a return: the next step and the copy's status. */
const CHECKIN = `mutation BenchCheckin($barcode: String!) {
  checkinItem(barcode: $barcode) {
    __typename
    ... on CheckinOutcome { action item { barcode status } }
    ... on ErrorResult { errorCode message }
  }
}`;

const ME = `query BenchMe {
  me {
    loans { id dueAt item { barcode record { title } library { code } } }
    holds { id queuePosition pickupLibrary { code } }
  }
}`;

const LOGIN = `mutation BenchLogin($u: String!, $p: String!) {
  login(username: $u, password: $p) { __typename ... on AuthPayload { token } ... on ErrorResult { errorCode message } }
}`;

const LOGIN_PATRON = `mutation BenchLoginPatron($c: String!, $p: String!) {
  loginPatron(cardNumber: $c, pin: $p) { __typename ... on PatronAuthPayload { token } ... on ErrorResult { errorCode message } }
}`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function loginToken(url: string, body: GqlRequest, field: string): Promise<string> {
  const r = await post(url, body, 30_000);
  const token = (r.data as Json | undefined)?.[field]?.token;
  if (!r.ok || typeof token !== 'string') throw new Error(`${field} ${JSON.stringify(body.variables)} failed: ${r.error ?? JSON.stringify(r.data)}`);
  return token;
}

// ---------------------------------------------------------------------- desks

interface Desk {
  n: number;
  username: string;
  accountId: number;
  libraryId: number;
  libraryCode: string;
  headers: Record<string, string>;
  pool: string[];
  next: number;
  /** Card numbers of patrons registered at this library (most desk visitors), and of anyone. */
  homeCards: string[];
}

interface DeskSample extends Sample {
  op: 'checkout' | 'checkin';
}

interface DeskRun {
  samples: DeskSample[];
  seconds: number;
  peakRss: number | null;
  /** Check-ins sent to put back a copy whose checkout answer was lost (not counted as transactions). */
  repairs: number;
  /** Check-ins that did not end with RESHELVE (copy sent elsewhere or put on a hold shelf). */
  unexpected: string[];
}

const pick = <T>(a: readonly T[]): T => a[Math.floor(Math.random() * a.length)];

/**
 * Desks working side by side. Closed loop (rate null): each desk sends its next mutation as soon as the
 * previous one is answered. Paced (rate R): each desk's mutations are due at fixed times (R / desks per
 * second, desks staggered) and latency counts from the due time, so a late answer also delays, and is
 * charged to, the mutations queued behind it (no coordinated omission).
 */
async function runDesks(opts: {
  url: string;
  desks: Desk[];
  seconds: number;
  allCards: string[];
  pid: number;
  timeoutMs: number;
  rate?: number | null;
}): Promise<DeskRun> {
  const samples: DeskSample[] = [];
  const unexpected: string[] = [];
  let repairs = 0;
  let peak = rssOf(opts.pid) ?? 0;
  const rssTimer = setInterval(() => (peak = Math.max(peak, rssOf(opts.pid) ?? 0)), 200);
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const interval = opts.rate ? (1000 * opts.desks.length) / opts.rate : 0;
  const desk = async (d: Desk, index: number) => {
    let slot = 0;
    /** When the next mutation is due: now (closed loop) or its slot (paced, waiting for it if early). */
    const due = async (): Promise<number> => {
      if (!interval) return performance.now();
      const at = start + (index / opts.desks.length) * interval + slot++ * interval;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return at;
    };
    while (performance.now() < end && !life.interrupted) {
      const barcode = d.pool[d.next++ % d.pool.length];
      const card = d.homeCards.length && Math.random() < 0.8 ? pick(d.homeCards) : pick(opts.allCards);
      let t0 = await due();
      if (t0 >= end) break;
      const co = await post(opts.url, { query: CHECKOUT, variables: { barcode, card }, headers: d.headers }, opts.timeoutMs);
      const coResult = (co.data as Json | undefined)?.checkoutItem;
      const lent = co.ok && coResult?.__typename === 'Loan';
      samples.push({
        op: 'checkout',
        ms: performance.now() - t0,
        ok: lent,
        sql: co.sql,
        error: lent ? undefined : (co.error ?? `${coResult?.__typename}: ${coResult?.errorCode} ${coResult?.message ?? ''}`.trim()),
      });
      if (!lent) {
        // an answer lost in transit may hide a loan that was made: take the copy back, uncounted
        if (!co.ok && !life.interrupted) {
          repairs++;
          await post(opts.url, { query: CHECKIN, variables: { barcode }, headers: d.headers }, opts.timeoutMs);
        }
        continue;
      }
      t0 = await due();
      const ci = await post(opts.url, { query: CHECKIN, variables: { barcode }, headers: d.headers }, opts.timeoutMs);
      const ciResult = (ci.data as Json | undefined)?.checkinItem;
      const back = ci.ok && ciResult?.__typename === 'CheckinOutcome';
      samples.push({
        op: 'checkin',
        ms: performance.now() - t0,
        ok: back,
        sql: ci.sql,
        error: back ? undefined : (ci.error ?? `${ciResult?.__typename}: ${ciResult?.errorCode} ${ciResult?.message ?? ''}`.trim()),
      });
      if (back && ciResult.action !== 'RESHELVE') unexpected.push(`${barcode}: ${ciResult.action}`);
    }
  };
  await Promise.all(opts.desks.map((d, i) => desk(d, i)));
  clearInterval(rssTimer);
  return { samples, seconds: (performance.now() - start) / 1000, peakRss: peak || null, repairs, unexpected };
}

function deskSummary(run: DeskRun, op?: 'checkout' | 'checkin'): Summary & { sqlMean: number | null } {
  const samples = op ? run.samples.filter((s) => s.op === op) : run.samples;
  const r: RunResult = { samples, seconds: run.seconds, delayed: 0, peakRss: run.peakRss };
  const sqls = samples.map((s) => s.sql).filter((n): n is number => n !== null);
  return { ...summarize(r), sqlMean: sqls.length ? sqls.reduce((a, b) => a + b, 0) / sqls.length : null };
}

function errorBreakdown(samples: Sample[]): string {
  const by = new Map<string, number>();
  for (const s of samples) if (!s.ok) by.set(s.error ?? '?', (by.get(s.error ?? '?') ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([e, n]) => `${n} × ${e.slice(0, 160)}`)
    .join('; ');
}

// ---------------------------------------------------------------------- statements

interface TopStatement {
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  rows: number;
  query: string;
}

async function topStatements(c: Client | null, limit: number): Promise<TopStatement[]> {
  if (!c) return [];
  const r = await c.query<{ calls: string; total: number; mean: number; max: number; rows: string; q: string }>(
    `select calls, total_exec_time total, mean_exec_time mean, max_exec_time max, rows, query q
       from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database()) and query not ilike '%pg_stat_statements%'
        and query not ilike '%pg_stat_activity%'
      order by total_exec_time desc limit $1`,
    [limit],
  );
  return r.rows.map((x) => ({ calls: Number(x.calls), totalMs: x.total, meanMs: x.mean, maxMs: x.max, rows: Number(x.rows), query: x.q }));
}

function printTop(top: TopStatement[], seconds: number): void {
  if (!top.length) return;
  const total = top.reduce((a, t) => a + t.totalMs, 0);
  say(table([
    ['calls', 'calls/s', 'mean ms', 'max ms', 'total s', 'statement'],
    ...top.map((t) => [
      fmtInt(t.calls),
      (t.calls / seconds).toFixed(0),
      t.meanMs.toFixed(3),
      fmtMs(t.maxMs),
      (t.totalMs / 1000).toFixed(2),
      t.query.replace(/\s+/g, ' ').slice(0, 140),
    ]),
  ]));
  say(`  (these ${top.length} statements: ${(total / 1000).toFixed(2)} s of execution in ${fmtSeconds(seconds)})`);
}

async function explainTop(c: Client, top: TopStatement[], n: number): Promise<void> {
  for (const t of top.slice(0, n)) {
    say();
    say(`EXPLAIN (GENERIC_PLAN) ${t.query.replace(/\s+/g, ' ').slice(0, 200)}`);
    try {
      const r = await c.query<{ 'QUERY PLAN': string }>(`explain (generic_plan) ${t.query}`);
      for (const row of r.rows) say(`  ${row['QUERY PLAN']}`);
    } catch (err) {
      say(`  (no plan: ${(err as Error).message})`);
    }
  }
}

// ---------------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parse();
  const root = path.resolve(__dirname, '..', '..', '..');
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', JWT_SECRET: undefined });
  const name = benchDatabaseName(args.records);
  const tAll = performance.now();
  const timeoutMs = 30_000;

  life.handleSignals();

  // ------------------------------------------------------------------ database and data
  const { serverUrl, embedded } = await openBenchServer(config);
  life.deferServerStop(embedded, args.keep);
  const { url } = await ensureCatalogData(serverUrl, args);
  if (life.interrupted) return;
  const { meta: circ, reused } = await ensureCirculationData(url, {
    patrons: args.patrons,
    history: args.history,
    mePatrons: args.mePatrons,
    meLoans: ME_LOANS,
    meHolds: ME_HOLDS,
    batch: args.batch,
    regenerate: args.regenerateCirculation || args.regenerate,
    log: say,
  });
  printCirculation(circ, reused);
  await printTables(url);
  if (life.interrupted) return;

  const stats = new Client({ connectionString: url });
  await stats.connect();
  life.defer(() => stats.end());
  let pgss: Client | null = stats;
  try {
    await stats.query('create extension if not exists pg_stat_statements');
  } catch (err) {
    say(`(pg_stat_statements unavailable, statement figures are left out: ${(err as Error).message})`);
    pgss = null;
  }

  // ------------------------------------------------------------------ desks and their copies
  const accounts = (
    await stats.query<{ id: string; username: string; library_id: string; code: string }>(
      `select a.id, a.username, a.library_id, l.code from accounts a join libraries l on l.id = a.library_id
        where a.username like $1 and a.active order by a.library_id`,
      [`${DESK_USER_PREFIX}%`],
    )
  ).rows;
  if (!accounts.length) throw new Error('no desk account in the benchmark database');
  const desks: Desk[] = Array.from({ length: args.desks }, (_, n) => {
    const a = accounts[n % accounts.length];
    return { n, username: a.username, accountId: Number(a.id), libraryId: Number(a.library_id), libraryCode: a.code, headers: {}, pool: [], next: 0, homeCards: [] };
  });
  const deskLibs = [...new Set(desks.map((d) => d.libraryId))];
  const tPools = performance.now();
  // copies on the shelf, lendable to readers, of titles nobody waits for (a check-in then reshelves),
  // drawn at random; desks of one library share its draw without overlap
  const perLib = new Map<number, number>();
  for (const d of desks) perLib.set(d.libraryId, (perLib.get(d.libraryId) ?? 0) + args.pool);
  const poolRows = (
    await stats.query<{ library_id: string; barcode: string }>(
      `select x.library_id, x.barcode from (
         select i.library_id, i.barcode, row_number() over (partition by i.library_id order by random()) rn
           from items i
          where i.library_id = any($1::bigint[]) and i.status = 'AVAILABLE' and i.loanable
            and not exists (select 1 from holds h where h.record_id = i.record_id and h.status = 'WAITING')
            and not exists (select 1 from loans l where l.item_id = i.id and l.returned_at is null)
       ) x
       join unnest($1::bigint[], $2::int[]) as want(library_id, n) on want.library_id = x.library_id
      where x.rn <= want.n`,
      [deskLibs, deskLibs.map((id) => perLib.get(id)!)],
    )
  ).rows;
  const byLib = new Map<number, string[]>();
  for (const r of poolRows) {
    const list = byLib.get(Number(r.library_id)) ?? [];
    list.push(r.barcode);
    byLib.set(Number(r.library_id), list);
  }
  for (const d of desks) {
    const list = byLib.get(d.libraryId) ?? [];
    d.pool = list.splice(0, args.pool);
    if (!d.pool.length) throw new Error(`no copy on the shelf for the desk at ${d.libraryCode}`);
  }
  const poolBarcodes = desks.flatMap((d) => d.pool);
  const cards = (
    await stats.query<{ card_number: string; home_library_id: string }>(
      `select card_number, home_library_id from patrons
        where card_number like $1 and status = 'ACTIVE' and expires_on > current_date + 1
        order by random() limit 50000`,
      [`${PATRON_PREFIX}%`],
    )
  ).rows;
  const allCards = cards.map((c) => c.card_number);
  for (const d of desks) d.homeCards = cards.filter((c) => Number(c.home_library_id) === d.libraryId).map((c) => c.card_number);
  const meCards = (await stats.query<{ card_number: string }>(`select card_number from patrons where card_number like $1 order by id`, [`${ME_PREFIX}%`])).rows.map(
    (r) => r.card_number,
  );
  say();
  say(
    `Desks: ${desks.length} (librarians of ${deskLibs.length} libraries: ${[...new Set(desks.map((d) => d.libraryCode))].join(', ')}), ` +
      `${fmtInt(poolBarcodes.length)} copies drawn (${Math.min(...desks.map((d) => d.pool.length))}-${Math.max(...desks.map((d) => d.pool.length))} per desk), ` +
      `${fmtInt(allCards.length)} patron cards sampled, in ${fmtSeconds((performance.now() - tPools) / 1000)}`,
  );

  // ------------------------------------------------------------------ API
  const logFile = path.join(config.dataDir, `bench-api-${name}-circulation.log`);
  const api: ApiProcess = await startApi(root, url, logFile, {
    SCHEDULER_INTERVAL_MS: '0',
    ...(args.apiNodeOptions ? { NODE_OPTIONS: args.apiNodeOptions } : {}),
  });
  life.defer(async () => {
    if (!args.keep || life.interrupted) await api.stop();
  });
  const pgPid = embedded ? postmasterPid(embedded.dir) : null;
  say();
  say(
    `API: ${api.url} (pid ${api.pid}, log ${logFile}), NODE_ENV=production, SCHEDULER_INTERVAL_MS=0, DB_POOL_SIZE=${process.env.DB_POOL_SIZE ?? '10 (default)'}, ` +
      `RSS at start ${fmtMb(rssOf(api.pid))} MB`,
  );
  for (const d of desks) {
    d.headers = { authorization: `Bearer ${await loginToken(api.url, { query: LOGIN, variables: { u: d.username, p: DESK_PASSWORD } }, 'login')}` };
  }
  const meTokens: string[] = [];
  for (const c of meCards) meTokens.push(await loginToken(api.url, { query: LOGIN_PATRON, variables: { c, p: ME_PIN } }, 'loginPatron'));
  say(`signed in: ${desks.length} desks, ${meTokens.length} "my account" patrons`);
  if (life.interrupted) return;

  const dbNow = async () => (await stats.query<{ t: string }>('select now()::text t')).rows[0].t;
  const tDb0 = await dbNow();
  let okMutations = 0;
  let repairs = 0;
  const unexpected: string[] = [];

  // ------------------------------------------------------------------ warm-up
  if (args.warmup > 0) {
    const warm = await runDesks({ url: api.url, desks, seconds: args.warmup, allCards, pid: api.pid, timeoutMs });
    okMutations += warm.samples.filter((s) => s.ok).length;
    repairs += warm.repairs;
    unexpected.push(...warm.unexpected);
    const w = deskSummary(warm);
    say(
      `warm-up: ${fmtSeconds(warm.seconds)}, ${fmtInt(w.requests)} mutations, ${(w.rps).toFixed(0)} /s, p99 ${fmtMs(w.p99)} ms, ${w.errors} errors` +
        `${w.firstError ? ` (${errorBreakdown(warm.samples)})` : ''}`,
    );
    await openLoop({
      url: api.url,
      rate: Math.min(args.meRate, 50),
      seconds: 2,
      maxInFlight: 64,
      timeoutMs,
      pid: api.pid,
      next: () => ({ query: ME, variables: {}, headers: { authorization: `Bearer ${pick(meTokens)}` } }),
      stopped: () => life.interrupted,
    });
  }
  if (life.interrupted) return;

  // ------------------------------------------------------------------ desk runs
  const deskPhase = async (title: string, rate: number | null, topN: number) => {
    await drain(stats, 60);
    if (pgss) await pgss.query('select pg_stat_statements_reset()');
    const rssBefore = rssOf(api.pid);
    const cpu0 = cpuMark(api.pid, pgPid);
    say();
    say(title);
    const run = await runDesks({ url: api.url, desks, seconds: args.seconds, allCards, pid: api.pid, timeoutMs, rate });
    const cpu1 = cpuMark(api.pid, pgPid);
    const rssAfter = rssOf(api.pid);
    okMutations += run.samples.filter((s) => s.ok).length;
    repairs += run.repairs;
    unexpected.push(...run.unexpected);
    const top = await topStatements(pgss, topN);
    const all = deskSummary(run);
    const co = deskSummary(run, 'checkout');
    const ci = deskSummary(run, 'checkin');
    const txPerS = run.samples.filter((s) => s.ok).length / run.seconds;
    const sqlCell = (s: Summary & { sqlMean: number | null }) =>
      s.sqlMin === null ? '-' : `${s.sqlMin === s.sqlMax ? s.sqlMin : `${s.sqlMin}-${s.sqlMax}`} (mean ${s.sqlMean!.toFixed(1)})`;
    say(
      table([
        ['mutation', 'requests', 'errors', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'SQL statements'],
        ...([['checkoutItem', co], ['checkinItem', ci], ['all', all]] as const).map(([n, s]) => [
          n,
          fmtInt(s.requests),
          fmtInt(s.errors),
          s.rps.toFixed(1),
          fmtMs(s.p50),
          fmtMs(s.p95),
          fmtMs(s.p99),
          fmtMs(s.max),
          sqlCell(s),
        ]),
      ]),
    );
    say(
      `transactions (successful mutations): ${fmtInt(all.rps * run.seconds)} in ${fmtSeconds(run.seconds)} = ${txPerS.toFixed(1)} /s ` +
        `(${co.rps.toFixed(1)} checkouts/s + ${ci.rps.toFixed(1)} checkins/s); errors ${all.errors}` +
        `${all.errors ? `: ${errorBreakdown(run.samples)}` : ''}; check-ins not ending in RESHELVE ${run.unexpected.length}` +
        `${run.unexpected.length ? ` (e.g. ${run.unexpected.slice(0, 3).join(', ')})` : ''}; repair check-ins ${run.repairs}`,
    );
    say(`server RSS ${fmtMb(rssBefore)} MB before, ${fmtMb(rssAfter)} MB after, ${fmtMb(run.peakRss)} MB peak`);
    say(cpuLine(cpu0, cpu1));
    if (top.length) {
      say();
      say('Statements by total execution time (pg_stat_statements):');
      printTop(top, run.seconds);
      if (args.explain) await explainTop(stats, top, 4);
    }
    return { run, all, co, ci, txPerS };
  };

  const closed = await deskPhase(
    `Desks, closed loop: ${desks.length} desks for ${args.seconds} s, each sending checkoutItem (a copy of its library, a patron) ` +
      'then checkinItem at the same desk, the next request as soon as the answer is in',
    null,
    12,
  );
  if (life.interrupted) return;
  const paced =
    args.pacedRate > 0
      ? await deskPhase(
          `Desks, paced: the same ${desks.length} desks for ${args.seconds} s at ${args.pacedRate} mutations/s in all ` +
            `(each desk one every ${fmtMs((1000 * desks.length) / args.pacedRate)} ms), latency from the time each mutation was due`,
          args.pacedRate,
          8,
        )
      : null;
  if (life.interrupted) return;

  // ------------------------------------------------------------------ "my account"
  await drain(stats, 60);
  if (pgss) await pgss.query('select pg_stat_statements_reset()');
  say();
  say(`"My account": ${args.meRate} requests/s for ${args.meSeconds} s (open loop, latency from the intended send time), ${meTokens.length} patrons with ${ME_LOANS} loans and ${ME_HOLDS} holds:`);
  say(`  ${ME.replace(/\s+/g, ' ')}`);
  const meCpu0 = cpuMark(api.pid, pgPid);
  const meRssBefore = rssOf(api.pid);
  const meRun = await openLoop({
    url: api.url,
    rate: args.meRate,
    seconds: args.meSeconds,
    maxInFlight: 64,
    timeoutMs,
    pid: api.pid,
    next: () => ({ query: ME, variables: {}, headers: { authorization: `Bearer ${pick(meTokens)}` } }),
    hit: (data) => {
      const me = (data as Json | undefined)?.me;
      return me?.loans?.length === ME_LOANS && me?.holds?.length === ME_HOLDS;
    },
    stopped: () => life.interrupted,
  });
  const meCpu1 = cpuMark(api.pid, pgPid);
  const me = summarize(meRun);
  const meTop = await topStatements(pgss, 8);
  say(
    table([
      ['query', 'requests', 'errors', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'SQL statements', `${ME_LOANS} loans + ${ME_HOLDS} holds`],
      [
        'me { loans holds }',
        fmtInt(me.requests),
        fmtInt(me.errors),
        me.rps.toFixed(1),
        fmtMs(me.p50),
        fmtMs(me.p95),
        fmtMs(me.p99),
        fmtMs(me.max),
        me.sqlMin === null ? '-' : `min ${me.sqlMin}, max ${me.sqlMax}`,
        me.hitShare === null ? '-' : `${(me.hitShare * 100).toFixed(0)}%`,
      ],
    ]),
  );
  if (me.errors) say(`  errors: ${errorBreakdown(meRun.samples)}`);
  say(`  server RSS ${fmtMb(meRssBefore)} MB before, ${fmtMb(rssOf(api.pid))} MB after, ${fmtMb(meRun.peakRss)} MB peak; delayed (64 in flight) ${meRun.delayed}`);
  say(`  ${cpuLine(meCpu0, meCpu1)}`);
  if (meTop.length) {
    say();
    say('Statements of the "my account" run by total execution time (pg_stat_statements):');
    printTop(meTop, meRun.seconds);
    if (args.explain) await explainTop(stats, meTop, 3);
  }

  // ------------------------------------------------------------------ invariants
  await drain(stats, 60);
  say();
  say('Invariants at the end:');
  const inv: [string, boolean, string][] = [];
  const one = async (sql: string, params: unknown[] = []) => Number(Object.values((await stats.query(sql, params)).rows[0])[0]);
  const onLoanWrong = await one(
    `select count(*) from items i where i.status = 'ON_LOAN'
        and (select count(*) from loans l where l.item_id = i.id and l.returned_at is null) <> 1`,
  );
  inv.push(['every ON_LOAN copy has exactly one open loan', onLoanWrong === 0, `${fmtInt(onLoanWrong)} copies without`]);
  const openWrong = await one(`select count(*) from loans l join items i on i.id = l.item_id where l.returned_at is null and i.status <> 'ON_LOAN'`);
  inv.push(['every open loan is of an ON_LOAN copy', openWrong === 0, `${fmtInt(openWrong)} open loans of copies not ON_LOAN`]);
  const poolOut = await one(`select count(*) from items where barcode = any($1::text[]) and status <> 'AVAILABLE'`, [poolBarcodes]);
  inv.push(['every desk copy is back on the shelf (AVAILABLE)', poolOut === 0, `${fmtInt(poolOut)} not AVAILABLE`]);
  const deskIds = [...new Set(desks.map((d) => d.accountId))];
  const loansMade = (
    await stats.query<{ n: string; open: string }>(
      `select count(*) n, count(*) filter (where returned_at is null) open from loans where checked_out_by = any($1::bigint[]) and checked_out_at >= $2::timestamptz`,
      [deskIds, tDb0],
    )
  ).rows[0];
  const audits = await one(`select count(*) from audit_log where at >= $1::timestamptz and actor_account_id = any($2::bigint[])`, [tDb0, deskIds]);
  const events = await one(`select count(*) from events where occurred_at >= $1::timestamptz`, [tDb0]);
  const expectedAudits = okMutations + repairs;
  inv.push([
    'one audit row per successful mutation',
    repairs === 0 ? audits === okMutations : audits >= okMutations && audits <= expectedAudits,
    `${fmtInt(audits)} audit rows for ${fmtInt(okMutations)} successful mutations (warm-up included)${repairs ? `, ${repairs} repair check-ins` : ''}; ${fmtInt(events)} events`,
  ]);
  inv.push(['every loan made by the desks was returned', Number(loansMade.open) === 0, `${fmtInt(Number(loansMade.n))} loans made, ${fmtInt(Number(loansMade.open))} still open`]);
  const holdingsWrong = await one(
    `select count(*) from record_holdings h
       join (select distinct record_id, library_id from items where barcode = any($1::text[])) k on k.record_id = h.record_id and k.library_id = h.library_id
      cross join lateral (select count(*) filter (where i.status <> 'WITHDRAWN') total, count(*) filter (where i.status = 'AVAILABLE') available
                            from items i where i.record_id = h.record_id and i.library_id = h.library_id) n
      where h.total <> n.total or h.available <> n.available`,
    [poolBarcodes],
  );
  inv.push(['holdings counts of the desk titles match their copies', holdingsWrong === 0, `${fmtInt(holdingsWrong)} holdings rows differ`]);
  const meWrong = await one(
    `select count(*) from patrons p where p.card_number like $1
        and ((select count(*) from loans l where l.patron_id = p.id and l.returned_at is null) <> $2
          or (select count(*) from holds h where h.patron_id = p.id and h.status in ('WAITING','IN_TRANSIT','READY_FOR_PICKUP')) <> $3)`,
    [`${ME_PREFIX}%`, ME_LOANS, ME_HOLDS],
  );
  inv.push([`"my account" patrons still have ${ME_LOANS} loans and ${ME_HOLDS} holds`, meWrong === 0, `${meWrong} differ`]);
  inv.push(['every desk check-in reshelved the copy', unexpected.length === 0, `${unexpected.length} went elsewhere`]);
  for (const [what, ok, detail] of inv) say(`  ${ok ? 'ok  ' : 'FAIL'} ${what} (${detail})`);

  // ------------------------------------------------------------------ targets
  say();
  say(`Targets (1,000,000 records, 100,000 patrons, 500,000 loans in history, 20 desks, on a 2-core machine; this run: ${fmtInt(args.records)} records, ${fmtInt(args.patrons)} patrons, ${fmtInt(args.history)} history loans, ${desks.length} desks):`);
  const verdict = (ok: boolean) => (ok ? 'ok  ' : 'MISS');
  const c = closed;
  say(
    `  ${verdict(c.txPerS >= TX_PER_S && c.all.errors === 0)} desks, closed loop: ${c.txPerS.toFixed(1)} transactions/s (≥ ${TX_PER_S})` +
      `${c.all.errors ? `, ${c.all.errors} errors` : ''}`,
  );
  if (paced) {
    const rateOk = paced.txPerS >= args.pacedRate * 0.95 && paced.all.errors === 0;
    say(
      `  ${verdict(paced.all.p99 <= TX_P99_MS && rateOk)} desks, paced at ${args.pacedRate}/s: p99 ${fmtMs(paced.all.p99)} ms over both mutations (≤ ${TX_P99_MS}) ` +
        `at ${paced.txPerS.toFixed(1)} transactions/s${paced.all.errors ? `, ${paced.all.errors} errors` : ''}; ` +
        `checkoutItem p99 ${fmtMs(paced.co.p99)} ms, checkinItem p99 ${fmtMs(paced.ci.p99)} ms`,
    );
  }
  // with every desk always waiting, mean latency = desks / throughput (Little's law)
  const meanMs = c.run.samples.length ? c.run.samples.reduce((a, x) => a + x.ms, 0) / c.run.samples.length : NaN;
  say(
    `  ${verdict(c.all.p99 <= TX_P99_MS)} desks, closed loop: p99 ${fmtMs(c.all.p99)} ms (≤ ${TX_P99_MS}); checkoutItem p99 ${fmtMs(c.co.p99)} ms, ` +
      `checkinItem p99 ${fmtMs(c.ci.p99)} ms (mean ${fmtMs(meanMs)} ms ≈ ${desks.length} desks / ${c.txPerS.toFixed(0)} per s: ` +
      `with ${desks.length} desks always waiting, p99 ≤ ${TX_P99_MS} ms needs more than ${fmtInt((desks.length * 1000) / TX_P99_MS)} transactions/s)`,
  );
  const meRateOk = me.rps >= args.meRate * 0.95 && me.errors === 0;
  say(`  ${verdict(me.p99 <= ME_P99_MS && meRateOk)} my account: p99 ${fmtMs(me.p99)} ms (≤ ${ME_P99_MS}) at ${me.rps.toFixed(1)} req/s${me.errors ? `, ${me.errors} errors` : ''}`);
  const bounded = me.sqlMax !== null && me.sqlMax <= ME_SQL_BOUND;
  say(
    `  ${verdict(bounded)} my account: SQL statements per request ${me.sqlMin === null ? '-' : me.sqlMin === me.sqlMax ? `${me.sqlMin}` : `${me.sqlMin}-${me.sqlMax}`} ` +
      `for ${ME_LOANS} loans and ${ME_HOLDS} holds (bound ${ME_SQL_BOUND}: one per list and per loader batch, none per row)`,
  );
  say(`  ${verdict(inv.every(([, ok]) => ok))} invariants`);
  say();
  say(`whole run ${fmtSeconds((performance.now() - tAll) / 1000)}`);
  if (args.keep) {
    say(`--keep: the API stays at ${api.url} (stop it with kill ${api.pid}); database ${name}`);
    if (pgPid) say(`  embedded PostgreSQL in ${embedded!.dir}, pid ${pgPid} (stop it with kill -INT ${pgPid}, or it is stopped by the next run)`);
  }
}

function printCirculation(m: CirculationMeta, reused: boolean): void {
  say();
  say(reused ? `Circulation data (reused, added ${m.finishedAt}; --regenerate-circulation to add it again)` : 'Circulation data');
  const rows: (string | number)[][] = [['phase', 'rows', 'time', 'rows/s']];
  for (const p of m.phases) rows.push([p.phase, p.rows ? fmtInt(p.rows) : '-', fmtSeconds(p.seconds), p.rows ? fmtInt(p.rows / p.seconds) : '-']);
  rows.push(['total', '-', fmtSeconds(m.totalSeconds), '-']);
  say(table(rows));
  say(
    `patrons ${fmtInt(m.patrons)} + ${m.mePatrons} "my account" patrons (${m.meLoans} loans, ${m.meHolds} holds each), history ${fmtInt(m.history)} returned loans, ` +
      `open loans ${fmtInt(m.openLoans + m.mePatrons * m.meLoans)}, hold-shelf holds ${fmtInt(m.shelfHolds)}, transits ${fmtInt(m.transits)}, desk accounts ${m.deskAccounts}`,
  );
}

async function printTables(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const rels = await c.query<{ rel: string; rows: string; heap: string; idx: string }>(
      `select c.relname rel, c.reltuples::bigint rows, pg_size_pretty(pg_relation_size(c.oid)) heap, pg_size_pretty(pg_indexes_size(c.oid)) idx
         from pg_class c where c.relname in ('bib_records', 'items', 'patrons', 'loans', 'holds', 'transits', 'events', 'audit_log')
        order by pg_total_relation_size(c.oid) desc`,
    );
    const size = await c.query<{ db: string; v: string }>('select pg_size_pretty(pg_database_size(current_database())) db, version() v');
    const settings: string[] = [];
    for (const n of ['shared_buffers', 'max_connections', 'fsync', 'synchronous_commit', 'wal_level']) settings.push(`${n} = ${(await c.query(`show ${n}`)).rows[0][n]}`);
    say();
    say(`PostgreSQL: ${size.rows[0].v.split(',')[0]}, database size ${size.rows[0].db}; ${settings.join(', ')}`);
    say(table([['table', 'rows (est.)', 'heap', 'indexes'], ...rels.rows.map((r) => [`  ${r.rel}`, fmtInt(Number(r.rows)), r.heap, r.idx])]));
  });
}

main()
  .then(async () => {
    closeAgent();
    await life.cleanUp();
    process.exit(0);
  })
  .catch(async (err) => {
    process.stderr.write(`bench:circulation failed: ${(err as Error).stack ?? String(err)}\n`);
    closeAgent();
    await life.cleanUp();
    process.exit(1);
  });
