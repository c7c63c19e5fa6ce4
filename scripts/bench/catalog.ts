import 'reflect-metadata';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import pino from 'pino';
import { migrationsList } from '../../migrations';
import { Config, loadConfig } from '../../src/config';
import { ensureDatabase } from '../../src/db/database';
import { EmbeddedPg, resolveClusterDir, startEmbeddedPostgres } from '../../src/db/embedded';
import { createOrm, migrate } from '../../src/db/orm';
import { GenerateResult, generate } from './generate';
import { ApiProcess, RunResult, Summary, closeAgent, closedLoop, openLoop, post, rssOf, startApi, summarize } from './load';
import { SHAPE_NAMES, Shape, buildPools, plainSearchMix, shapes as allShapes } from './shapes';
import { BenchLifecycle } from './lifecycle';
import { fmtInt, fmtMb, fmtMs, fmtSeconds, table } from './stats';

/**
 * `npm run bench:catalog -- --records N`: generates a library network of N records (set-based SQL,
 * through the real migrations and triggers), then drives the GraphQL endpoint of a real API process
 * with an open-loop load per query shape and prints latency, throughput, SQL statements per request
 * and server memory. The generated database is kept and reused by the next run with the same N.
 */

const USAGE = `usage: npm run bench:catalog -- [options]
  --records N      records to generate (default 100000)
  --libraries N    libraries in the network (default 200)
  --rate R         arrival rate per shape, requests/s (default 50)
  --seconds S      seconds of load per shape (default 20)
  --shapes a,b     run only these shapes: ${SHAPE_NAMES.join(', ')}
  --max            also run the closed-loop max-throughput run (16 clients, 10 s, plain searches)
  --regenerate     generate again even if data for N records exists
  --keep           leave the API and the database running at the end (Ctrl-C still stops them)
  --workers W      connections generating side by side (default 2)
  --batch B        records per INSERT statement (default 100000)
  --in-flight K    most requests in flight at once (default 64)
Database: DATABASE_URL (a database shelfnet_bench_<N> is created on that server), else an embedded
PostgreSQL in <SHELFNET_DATA_DIR or ./data>/bench-pg on port EMBEDDED_PG_PORT+1.`;

const SEARCH_P95_MS = 30;
const SEARCH_P99_MS = 60;
const RECORD_P99_MS = 20;
const STATEMENT_MAX_MS = 1000;
const GENERATION_MAX_S = 300;

interface Args {
  records: number;
  libraries: number;
  rate: number;
  seconds: number;
  shapes: string[] | null;
  max: boolean;
  regenerate: boolean;
  keep: boolean;
  workers: number;
  batch: number;
  inFlight: number;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      records: { type: 'string' },
      libraries: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      shapes: { type: 'string' },
      max: { type: 'boolean' },
      regenerate: { type: 'boolean' },
      keep: { type: 'boolean' },
      workers: { type: 'string' },
      batch: { type: 'string' },
      'in-flight': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
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
  const shapes = values.shapes ? values.shapes.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const s of shapes ?? []) {
    if (!SHAPE_NAMES.includes(s)) {
      process.stderr.write(`unknown shape "${s}"; shapes are ${SHAPE_NAMES.join(', ')}\n`);
      process.exit(2);
    }
  }
  return {
    records: num('records', values.records, 100_000, 1, 50_000_000),
    libraries: num('libraries', values.libraries, 200, 1, 10_000),
    rate: num('rate', values.rate, 50, 0.1, 10_000, false),
    seconds: num('seconds', values.seconds, 20, 1, 3600, false),
    shapes,
    max: Boolean(values.max),
    regenerate: Boolean(values.regenerate),
    keep: Boolean(values.keep),
    workers: num('workers', values.workers, 2, 1, 16),
    batch: num('batch', values.batch, 100_000, 1000, 10_000_000),
    inFlight: num('in-flight', values['in-flight'], 64, 1, 1024),
  };
}

const say = (line = '') => process.stdout.write(`${line}\n`);

const life = new BenchLifecycle();

export function maskUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export function dbUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** pg_stat_statements gives the slowest statement of each shape; it must be preloaded (needs a restart). */
export async function startBenchPostgres(dir: string, port: number): Promise<EmbeddedPg> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  let pg = await startEmbeddedPostgres({ dir, port, persistent: true, logger });
  const preload = await withClient(pg.url, async (c) => (await c.query('show shared_preload_libraries')).rows[0].shared_preload_libraries as string);
  if (!preload.includes('pg_stat_statements')) {
    say('enabling pg_stat_statements in the benchmark cluster (restart)');
    await withClient(pg.url, (c) => c.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`));
    await pg.stop();
    pg = await startEmbeddedPostgres({ dir, port, persistent: true, logger });
  }
  return pg;
}

/** Identifies the schema the data was generated with: migrations are edited in place while unreleased. */
export function schemaHash(): string {
  const h = createHash('sha256');
  for (const m of migrationsList) h.update(`${m.name}\n${String(m.class)}\n`);
  return h.digest('hex').slice(0, 16);
}

export interface Meta {
  records: number;
  libraries: number;
  schema?: string;
  generation: GenerateResult;
  finishedAt: string;
}

export async function readMeta(url: string): Promise<Meta | null> {
  return withClient(url, async (c) => {
    const t = await c.query(`select to_regclass('bench_meta') t`);
    if (!t.rows[0].t) return null;
    const r = await c.query(`select value from bench_meta where key = 'generation'`);
    return (r.rows[0]?.value as Meta) ?? null;
  });
}

export function printGeneration(g: GenerateResult, reused: string | null): void {
  say();
  say(reused ? `Generation (reused data generated ${reused}; --regenerate to generate again)` : 'Generation');
  const rows: (string | number)[][] = [['phase', 'rows', 'time', 'rows/s']];
  for (const p of g.phases) rows.push([p.phase, p.rows ? fmtInt(p.rows) : '-', fmtSeconds(p.seconds), p.rows ? fmtInt(p.rows / p.seconds) : '-']);
  rows.push(['total', '-', fmtSeconds(g.totalSeconds), fmtInt(g.records / g.totalSeconds)]);
  say(table(rows));
  say(
    `records ${fmtInt(g.records)}, items ${fmtInt(g.items)} (${(g.items / g.records).toFixed(2)} per record), ` +
      `holdings rows ${fmtInt(g.holdings)}, libraries ${fmtInt(g.libraries)}, lexicon words ${fmtInt(g.lexicon)}`,
  );
}

export async function printDatabase(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const names = [
      'server_version', 'shared_buffers', 'work_mem', 'effective_cache_size', 'maintenance_work_mem', 'max_connections',
      'jit', 'random_page_cost', 'max_parallel_workers_per_gather', 'shared_preload_libraries',
    ];
    say();
    say('PostgreSQL');
    const values: string[] = [];
    for (const n of names) values.push(`${n} = ${(await c.query(`show ${n}`)).rows[0][n]}`);
    say(`  ${values.join(', ')}`);
    const size = await c.query<{ db: string }>('select pg_size_pretty(pg_database_size(current_database())) db');
    const rels = await c.query<{ rel: string; heap: string; idx: string; total: string }>(
      `select c.relname rel, pg_size_pretty(pg_relation_size(c.oid)) heap, pg_size_pretty(pg_indexes_size(c.oid)) idx,
              pg_size_pretty(pg_total_relation_size(c.oid)) total
         from pg_class c where c.relname in ('bib_records', 'items', 'record_holdings', 'search_lexicon', 'libraries')
        order by pg_total_relation_size(c.oid) desc`,
    );
    say(`  database size = ${size.rows[0].db}`);
    say(table([['table', 'heap', 'indexes', 'total'], ...rels.rows.map((r) => [`  ${r.rel}`, r.heap, r.idx, r.total])]));
  });
}

export interface SlowStatement {
  maxMs: number;
  meanMs: number;
  calls: number;
  query: string;
}

export async function slowest(c: Client | null): Promise<SlowStatement | null> {
  if (!c) return null;
  const r = await c.query<{ max: number; mean: number; calls: string; q: string }>(
    `select max_exec_time max, mean_exec_time mean, calls, regexp_replace(query, '\\s+', ' ', 'g') q
       from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database()) and query not ilike '%pg_stat_statements%'
      order by max_exec_time desc limit 1`,
  );
  const row = r.rows[0];
  return row ? { maxMs: row.max, meanMs: row.mean, calls: Number(row.calls), query: row.q } : null;
}

/** Waits until the bench database has no active statement left (stragglers of abandoned requests). */
export async function drain(c: Client, maxSeconds: number): Promise<number> {
  const t0 = performance.now();
  let idleChecks = 0;
  while ((performance.now() - t0) / 1000 < maxSeconds && idleChecks < 2) {
    const r = await c.query<{ n: string }>(
      `select count(*) n from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`,
    );
    idleChecks = Number(r.rows[0].n) === 0 ? idleChecks + 1 : 0;
    if (idleChecks < 2) await new Promise((r2) => setTimeout(r2, 500));
  }
  return (performance.now() - t0) / 1000;
}

/** The benchmark's database server: DATABASE_URL, else the embedded cluster in <data>/bench-pg on port EMBEDDED_PG_PORT+1. */
export async function openBenchServer(config: Config): Promise<{ serverUrl: string; embedded: EmbeddedPg | null }> {
  if (config.databaseUrl) {
    say(`database server: DATABASE_URL ${maskUrl(config.databaseUrl)}`);
    return { serverUrl: config.databaseUrl, embedded: null };
  }
  const dir = resolveClusterDir(path.join(config.dataDir, 'bench-pg'));
  const port = config.embeddedPgPort + 1;
  say(`database server: embedded PostgreSQL in ${dir}, port ${port}`);
  const embedded = await startBenchPostgres(dir, port);
  return { serverUrl: embedded.url, embedded };
}

/** Name of the generated database for N records. */
export function benchDatabaseName(records: number): string {
  return `shelfnet_bench_${records}`;
}

export interface CatalogDataOptions {
  records: number;
  libraries: number;
  regenerate: boolean;
  batch: number;
  workers: number;
}

/**
 * The generated catalog of N records on that server: reused when it exists with the same size and
 * schema, else (re)created, migrated and generated. Prints the generation figures.
 */
export async function ensureCatalogData(serverUrl: string, args: CatalogDataOptions): Promise<{ url: string; meta: Meta }> {
  const name = benchDatabaseName(args.records);
  const url = dbUrl(serverUrl, name);
  say(`benchmark database: ${name}`);
  const exists = await withClient(serverUrl, async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
  let meta = exists ? await readMeta(url) : null;
  const schema = schemaHash();
  if (meta && meta.schema !== schema) {
    say('the migrations changed since the data was generated: generating again');
    meta = null;
  } else if (meta && (meta.records !== args.records || meta.libraries !== args.libraries)) meta = null;
  if (exists && (!meta || args.regenerate)) {
    say(meta ? 'dropping the generated data (--regenerate)' : 'dropping an incomplete, outdated or different earlier generation');
    await withClient(serverUrl, (c) => c.query(`drop database ${c.escapeIdentifier(name)} with (force)`));
    meta = null;
  }
  if (!meta) {
    await ensureDatabase(serverUrl, name);
    const tMig = performance.now();
    const orm = await createOrm({ url, poolSize: 2 });
    try {
      const applied = await migrate(orm);
      say(`migrations applied: ${applied.join(', ') || '(none)'} in ${fmtSeconds((performance.now() - tMig) / 1000)}`);
    } finally {
      await orm.close(true);
    }
    say(`generating ${fmtInt(args.records)} records for ${args.libraries} libraries`);
    const g = await generate(url, { records: args.records, libraries: args.libraries, batch: args.batch, workers: args.workers, log: say });
    meta = { records: args.records, libraries: args.libraries, schema, generation: g, finishedAt: new Date().toISOString() };
    await withClient(url, async (c) => {
      await c.query('create table if not exists bench_meta (key text primary key, value jsonb not null)');
      await c.query(`insert into bench_meta (key, value) values ('generation', $1) on conflict (key) do update set value = excluded.value`, [
        JSON.stringify(meta),
      ]);
    });
    printGeneration(g, null);
  } else {
    printGeneration(meta.generation, meta.finishedAt);
  }
  return { url, meta };
}

/** Median latency of a few requests sent one after the other on an idle server. */
async function solo(url: string, shape: Shape, n: number, timeoutMs: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n && !life.interrupted; i++) {
    const t0 = performance.now();
    const r = await post(url, shape.next(), timeoutMs);
    if (r.ok) ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms.length ? ms[Math.floor((ms.length - 1) / 2)] : NaN;
}

interface ShapeRow {
  solo?: number;
  drained?: number;
  shape: Shape | { name: string; what: string };
  summary: Summary;
  run: RunResult;
  rssBefore: number | null;
  rssAfter: number | null;
  slow: SlowStatement | null;
}

function resultsTable(rows: ShapeRow[], withDelayed: boolean): string {
  const head = ['shape', 'req', 'err', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'SQL/req', 'hits', 'slowest SQL ms', 'RSS MB before/after/peak'];
  if (withDelayed) head.splice(3, 0, 'queued');
  if (withDelayed) head.splice(1, 0, 'solo ms');
  const out: (string | number)[][] = [head];
  for (const r of rows) {
    const s = r.summary;
    const line: (string | number)[] = [
      r.shape.name,
      fmtInt(s.requests),
      fmtInt(s.errors),
      s.rps.toFixed(1),
      fmtMs(s.p50),
      fmtMs(s.p95),
      fmtMs(s.p99),
      fmtMs(s.max),
      s.sqlMin === null ? '-' : s.sqlMin === s.sqlMax ? String(s.sqlMin) : `${s.sqlMin}-${s.sqlMax}`,
      s.hitShare === null ? '-' : `${(s.hitShare * 100).toFixed(0)}%`,
      r.slow ? fmtMs(r.slow.maxMs) : '-',
      `${fmtMb(r.rssBefore)}/${fmtMb(r.rssAfter)}/${fmtMb(Math.max(r.run.peakRss ?? 0, r.rssBefore ?? 0, r.rssAfter ?? 0) || null)}`,
    ];
    if (withDelayed) line.splice(3, 0, fmtInt(r.run.delayed));
    if (withDelayed) line.splice(1, 0, r.solo === undefined ? '-' : fmtMs(r.solo));
    out.push(line);
  }
  return table(out);
}

async function main(): Promise<void> {
  const args = parse();
  const root = path.resolve(__dirname, '..', '..', '..');
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', JWT_SECRET: undefined });
  const name = benchDatabaseName(args.records);
  const tAll = performance.now();

  life.handleSignals();

  // ------------------------------------------------------------------ database server
  const { serverUrl, embedded } = await openBenchServer(config);
  life.deferServerStop(embedded, args.keep);

  // ------------------------------------------------------------------ data
  const { url, meta } = await ensureCatalogData(serverUrl, args);
  await printDatabase(url);
  if (life.interrupted) return;
  // ------------------------------------------------------------------ statement statistics
  const stats = new Client({ connectionString: url });
  await stats.connect();
  life.defer(() => stats.end());
  let pgss: Client | null = stats;
  try {
    await stats.query('create extension if not exists pg_stat_statements');
    await stats.query('select pg_stat_statements_reset()');
  } catch (err) {
    say(`(pg_stat_statements unavailable, slowest-statement figures are left out: ${(err as Error).message})`);
    pgss = null;
  }

  // ------------------------------------------------------------------ query pools
  const tPools = performance.now();
  const pools = await buildPools(stats, args.records);
  const selected = allShapes(pools).filter((s) => !args.shapes || args.shapes.includes(s.name));
  say();
  say(`Query pools (from ${fmtInt(pools.sampled)} sampled titles, ${fmtSeconds((performance.now() - tPools) / 1000)})`);
  say(`  common words: ${pools.common.map((c) => `${c.word} ${(c.share * 100).toFixed(1)}%`).join(', ')}`);
  say(`  rare words: ${pools.rare.length}, e.g. ${pools.rare.slice(0, 6).map((r) => `${r.word} (${r.count})`).join(', ')}`);
  say(`  phrases: ${pools.phrases.length}, e.g. ${pools.phrases.slice(0, 4).map((p) => `"${p}"`).join(', ')}`);
  say(`  ISBNs: ${pools.isbns.length}, e.g. ${pools.isbns.slice(0, 3).join(', ')}`);
  say(`  typos: ${pools.typos.length}, e.g. ${pools.typos.slice(0, 5).map((t) => `${t.typo} (${t.of})`).join(', ')}`);
  say(`  districts: ${pools.districts.length}, e.g. ${pools.districts[0]?.codes.length ?? 0} libraries in ${pools.districts[0]?.code ?? '-'}`);

  // ------------------------------------------------------------------ API
  const logFile = path.join(config.dataDir, `bench-api-${name}.log`);
  const api: ApiProcess = await startApi(root, url, logFile);
  life.defer(async () => {
    if (!args.keep || life.interrupted) await api.stop();
  });
  say();
  say(`API: ${api.url} (pid ${api.pid}, log ${logFile}), RSS at start ${fmtMb(rssOf(api.pid))} MB`);

  const timeoutMs = 30_000;
  const warmSeconds = Math.min(5, args.seconds);
  say(`warm-up: ${warmSeconds} s, 4 clients, all selected shapes`);
  const warm = await closedLoop({
    url: api.url,
    clients: 4,
    seconds: warmSeconds,
    timeoutMs,
    pid: api.pid,
    next: () => selected[Math.floor(Math.random() * selected.length)].next(),
    stopped: () => life.interrupted,
  });
  const warmSummary = summarize(warm);
  say(`  ${fmtInt(warmSummary.requests)} requests, ${warmSummary.errors} errors${warmSummary.firstError ? ` (first: ${warmSummary.firstError})` : ''}`);

  // ------------------------------------------------------------------ open-loop shapes
  say();
  say(
    `Open loop: ${args.rate} requests/s for ${args.seconds} s per shape, at most ${args.inFlight} in flight, latency from the intended send time, ` +
      `${timeoutMs / 1000} s deadline per request (queueing included); solo = median of 5 requests one at a time before the run`,
  );
  const rows: ShapeRow[] = [];
  for (const shape of selected) {
    if (life.interrupted) break;
    const soloMs = await solo(api.url, shape, 5, timeoutMs);
    if (pgss) await pgss.query('select pg_stat_statements_reset()');
    const rssBefore = rssOf(api.pid);
    const run = await openLoop({
      url: api.url,
      rate: args.rate,
      seconds: args.seconds,
      maxInFlight: args.inFlight,
      timeoutMs,
      pid: api.pid,
      next: shape.next,
      hit: shape.hit,
      stopped: () => life.interrupted,
    });
    const rssAfter = rssOf(api.pid);
    // abandoned requests may still run on the server: let them finish before the next shape
    const drained = await drain(stats, 300);
    const row: ShapeRow = { shape, solo: soloMs, drained, summary: summarize(run), run, rssBefore, rssAfter, slow: await slowest(pgss) };
    rows.push(row);
    const s = row.summary;
    say(
      `  ${shape.name.padEnd(14)} solo ${fmtMs(soloMs)} ms; p50 ${fmtMs(s.p50)} ms, p95 ${fmtMs(s.p95)} ms, p99 ${fmtMs(s.p99)} ms, ${s.rps.toFixed(1)} req/s, ` +
        `${s.errors} errors${s.firstError ? ` (first: ${s.firstError})` : ''}${drained > 1.5 ? `; server busy ${fmtSeconds(drained)} after the run` : ''}`,
    );
  }
  say();
  say(resultsTable(rows, true));
  say();
  say('Shapes:');
  for (const r of rows) say(`  ${r.shape.name.padEnd(14)} ${r.shape.what}`);
  if (pgss) {
    say();
    say('Slowest statement per shape (pg_stat_statements, max / mean exec time):');
    for (const r of rows) {
      if (r.slow) say(`  ${r.shape.name.padEnd(14)} ${fmtMs(r.slow.maxMs)} / ${fmtMs(r.slow.meanMs)} ms, ${r.slow.calls} calls: ${r.slow.query.slice(0, 160)}`);
    }
  }

  // ------------------------------------------------------------------ closed loop
  let maxRow: ShapeRow | null = null;
  if (args.max && !life.interrupted) {
    say();
    say('Closed loop (max throughput): 16 clients, 10 s, plain searches (common, two-word, phrase and rare queries)');
    await drain(stats, 300);
    if (pgss) await pgss.query('select pg_stat_statements_reset()');
    const rssBefore = rssOf(api.pid);
    const run = await closedLoop({ url: api.url, clients: 16, seconds: 10, timeoutMs, pid: api.pid, next: plainSearchMix(pools), stopped: () => life.interrupted });
    maxRow = {
      shape: { name: 'max-search', what: '16 closed-loop clients' },
      summary: summarize(run),
      run,
      rssBefore,
      rssAfter: rssOf(api.pid),
      slow: await slowest(pgss),
    };
    say(resultsTable([maxRow], false));
  }

  // ------------------------------------------------------------------ targets
  say();
  say(`Targets (set for 1,000,000 records / 3,000,000 items on a 2-core machine; this run: ${fmtInt(args.records)} records):`);
  const verdict = (ok: boolean) => (ok ? 'ok  ' : 'MISS');
  const gen = meta.generation.totalSeconds;
  const perMillion = gen * (1_000_000 / args.records);
  if (args.records >= 1_000_000) {
    say(`  ${verdict(perMillion <= GENERATION_MAX_S)} generation ${fmtSeconds(gen)} (target: 1,000,000 records in under 5 min)`);
  } else {
    say(`  info generation ${fmtSeconds(gen)}; 1,000,000 records at this rate ≈ ${fmtSeconds(perMillion)} (target under 5 min, judged at 1,000,000)`);
  }
  for (const r of rows) {
    const s = r.summary;
    const rateOk = s.rps >= args.rate * 0.95 && s.errors === 0;
    if (r.shape.name === 'record') {
      say(`  ${verdict(s.p99 <= RECORD_P99_MS && rateOk)} record        p99 ${fmtMs(s.p99)} ms (target ≤ ${RECORD_P99_MS})`);
    } else {
      say(
        `  ${verdict(s.p95 <= SEARCH_P95_MS && s.p99 <= SEARCH_P99_MS && rateOk)} ${r.shape.name.padEnd(13)} p95 ${fmtMs(s.p95)} ms (≤ ${SEARCH_P95_MS}), ` +
          `p99 ${fmtMs(s.p99)} ms (≤ ${SEARCH_P99_MS}) at ${s.rps.toFixed(1)} req/s${s.errors ? `, ${s.errors} errors` : ''}`,
      );
    }
    const worst = r.slow ? r.slow.maxMs : s.max;
    say(`  ${verdict(worst <= STATEMENT_MAX_MS)}   slowest ${r.slow ? 'statement' : 'request (no pg_stat_statements)'} ${fmtMs(worst)} ms (target ≤ ${STATEMENT_MAX_MS})`);
  }
  const peak = Math.max(...rows.map((r) => r.run.peakRss ?? 0), maxRow?.run.peakRss ?? 0);
  say();
  say(`API peak RSS ${fmtMb(peak)} MB; whole run ${fmtSeconds((performance.now() - tAll) / 1000)}`);
  if (args.keep) {
    const pgPid = embedded ? (fs.readFileSync(path.join(embedded.dir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '?') : null;
    say(`--keep: the API stays at ${api.url} (stop it with kill ${api.pid}); database ${maskUrl(url)}`);
    if (pgPid) say(`  embedded PostgreSQL in ${embedded!.dir}, pid ${pgPid} (stop it with kill -INT ${pgPid}, or it is stopped by the next run)`);
  }
}

if (require.main === module) {
  main()
    .then(async () => {
      closeAgent();
      await life.cleanUp();
      process.exit(0);
    })
    .catch(async (err) => {
      process.stderr.write(`bench:catalog failed: ${(err as Error).stack ?? String(err)}\n`);
      closeAgent();
      await life.cleanUp();
      process.exit(1);
    });
}
