import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config';
import { demoApi } from '../security/demo-api';
import { BenchLifecycle } from './lifecycle';
import { fmtInt, fmtMs, percentile, table } from './stats';

/**
 * `npm run bench:abuse`: the latency of a normal query while the API is attacked. A normal client
 * (its own address) searches at a fixed rate; attackers from other addresses send, as fast as they
 * can, deep, wide, aliased and cost-heavy documents, oversized ones, and a login brute force. Each
 * phase runs --repeat times and the medians of the percentiles are printed, since the machine is
 * shared. The limits are the defaults; addresses are told apart with X-Forwarded-For (TRUST_PROXY).
 */

const USAGE = `usage: npm run bench:abuse -- [--seconds S] [--rate R] [--attackers N] [--attack-rate A] [--repeat K]
  --seconds S      length of each phase (default 15)
  --rate R         normal queries per second, open loop (default 20)
  --attackers N    attacking clients per kind of attack (7 kinds; default 4)
  --attack-rate A  attack requests per second in all (default 0: each client as fast as it is answered)
  --repeat K     runs of each phase; medians are printed (default 3)
  --attacks a,b  only these attacks (deep, tokens, aliased, costly, allowedButDear, huge, bruteForce; default all)
Database: DATABASE_URL (database shelfnet_abuse), else the embedded PostgreSQL in <data>/bench-pg.`;

const say = (line = '') => process.stdout.write(`${line}\n`);

const NORMAL = `query Normal($q: String!) { searchCatalog(query: $q, first: 10) { totalCount edges { node { id title year holdings { library { code name } availableCount } } } } }`;
const WORDS = ['truyen kieu', 'lich su', 'binh dinh', 'nguyen du', 'tho', 'dia ly', 'quy nhon', 'tay son'];

const deep = (n: number) => `{ library(code: "BDI-TS") { ${'parent { '.repeat(n)}code${' }'.repeat(n)} } }`;
const BODIES = {
  // over the depth limit
  deep: JSON.stringify({ query: deep(40) }),
  // thousands of tokens (refused before parsing: over 15,000 characters)
  tokens: JSON.stringify({ query: `{ ${'__typename '.repeat(1400)}}` }),
  // aliases of an expensive field (refused while parsing: over 2,000 tokens)
  aliased: JSON.stringify({ query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: searchCatalog(query: "lich su", first: 100) { totalCount }`).join(' ')} }` }),
  // wide: every list at its largest, nested
  costly: JSON.stringify({ query: '{ searchCatalog(first: 100) { edges { node { holdings { items(first: 100) { edges { node { id barcode status } } } } } } } }' }),
  // just under the cost limit, repeated: the rate bucket has to stop it
  allowedButDear: JSON.stringify({ query: '{ searchCatalog(query: "lich su", first: 2) { edges { node { holdings { items(first: 100) { edges { node { id } } } } } } } }' }),
  // a body near 1 MB
  huge: JSON.stringify({ query: 'query($q: String) { searchCatalog(query: $q) { totalCount } }', variables: { q: 'x'.repeat(1_000_000) } }),
};
const ATTACKS: Record<string, () => string> = {
  ...Object.fromEntries(Object.entries(BODIES).map(([k, b]) => [k, () => b])),
  // password guessing for the network admin
  bruteForce: () =>
    JSON.stringify({
      query: 'mutation($p: String!) { login(username: "admin", password: $p) { __typename ... on TooManyAttemptsError { retryAfterSeconds } } }',
      variables: { p: `guess-${Math.random().toString(36).slice(2)}` },
    }),
};

interface PhaseResult {
  normal: number[];
  normalErrors: number;
  attack: Record<string, Record<string, number>>;
  /** CPU seconds the API process used in the phase. */
  apiCpu: number;
  seconds: number;
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuOf(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function send(url: string, body: string, headers: Record<string, string>, timeoutMs = 15_000): Promise<{ ms: number; label: string; ok: boolean }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let label = String(res.status);
    let ok = res.status === 200;
    try {
      const j = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[]; data?: Record<string, { __typename?: string } | null> };
      const code = j.errors?.[0]?.extensions?.code;
      const typename = j.data ? Object.values(j.data)[0]?.__typename : undefined;
      if (code) label += ` ${code}`;
      else if (typename) label += ` ${typename}`;
      ok = ok && !j.errors;
    } catch {
      ok = false;
    }
    return { ms: performance.now() - t0, label, ok };
  } catch (err) {
    return { ms: performance.now() - t0, label: `failed (${(err as Error).name})`, ok: false };
  }
}

/** The attackers, in a process of their own (so their work does not delay the normal client's clock). */
async function attack(url: string, seconds: number, attackers: number, rate: number): Promise<Record<string, Record<string, number>>> {
  const end = Date.now() + seconds * 1000;
  // paced: every client waits its share of the interval; 0: as fast as the answers come
  const gapMs = rate > 0 ? (1000 * attackers * Object.keys(ATTACKS).length) / rate : 0;
  const counts: Record<string, Record<string, number>> = {};
  await Promise.all(
    Object.entries(ATTACKS)
      .filter(([name]) => !process.env.SHELFNET_ABUSE_ATTACKS || process.env.SHELFNET_ABUSE_ATTACKS.split(',').includes(name))
      .flatMap(([name, make], k) =>
      Array.from({ length: attackers }, async (_, a) => {
        const c = (counts[name] ??= {});
        for (let n = 0; Date.now() < end; n++) {
          // brute force rotates through 50 addresses per client (a small botnet); the others keep theirs
          const ip = name === 'bruteForce' ? `10.66.${a}.${n % 50}` : `10.6${k % 6}.${a}.1`;
          const t0 = performance.now();
          const r = await send(url, make(), { 'x-forwarded-for': ip });
          c[r.label] = (c[r.label] ?? 0) + 1;
          const left = gapMs - (performance.now() - t0);
          if (left > 0) await new Promise((res) => setTimeout(res, left));
        }
      }),
    ),
  );
  return counts;
}

function attackInChild(url: string, seconds: number, attackers: number, rate: number): Promise<Record<string, Record<string, number>>> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--attack-child', url, String(seconds), String(attackers), String(rate)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as Record<string, Record<string, number>>));
    child.once('error', reject);
    child.once('exit', (code) => (code ? reject(new Error(`attackers exited with ${code}`)) : undefined));
  });
}

async function phase(url: string, apiPid: number, seconds: number, rate: number, attackers: number, withAttack: boolean, attackRate = 0): Promise<PhaseResult> {
  const cpu0 = cpuOf(apiPid);
  const end = Date.now() + seconds * 1000;
  const normal: number[] = [];
  let normalErrors = 0;
  const inflight: Promise<void>[] = [];
  const attacked = withAttack ? attackInChild(url, seconds, attackers, attackRate) : Promise.resolve({});
  // normal readers: open loop at `rate` in all, each request from one of 200 addresses (200 readers,
  // each well within their bucket); latency from the intended send time
  const start = performance.now();
  for (let i = 0; Date.now() < end; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send(url, JSON.stringify({ query: NORMAL, variables: { q: WORDS[i % WORDS.length] } }), { 'x-forwarded-for': `10.0.${i % 200}.1` }).then((r) => {
        normal.push(performance.now() - due);
        if (!r.ok) normalErrors++;
      }),
    );
  }
  await Promise.all(inflight);
  const attack = await attacked;
  return { normal: normal.sort((a, b) => a - b), normalErrors, attack, apiCpu: cpuOf(apiPid) - cpu0, seconds: (performance.now() - start) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, rate: { type: 'string' }, attackers: { type: 'string' }, 'attack-rate': { type: 'string' }, repeat: { type: 'string' }, attacks: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const seconds = Number(values.seconds ?? 15);
  const rate = Number(values.rate ?? 20);
  const attackers = Number(values.attackers ?? 4);
  const repeat = Number(values.repeat ?? 3);
  const attackRate = Number(values['attack-rate'] ?? 0);
  if (values.attacks) {
    const unknown = values.attacks.split(',').filter((a) => !(a in ATTACKS));
    if (unknown.length) {
      process.stderr.write(`unknown attacks: ${unknown.join(', ')}; known: ${Object.keys(ATTACKS).join(', ')}\n`);
      return 2;
    }
    // the attacking child process reads it
    process.env.SHELFNET_ABUSE_ATTACKS = values.attacks;
  }
  const life = new BenchLifecycle();
  life.handleSignals();
  try {
    const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
    // the rate buckets as configured (defaults: 1,000 points, 50/s): the benchmarks' API turns them off otherwise
    const { api } = await demoApi(life, config, 'shelfnet_abuse', {
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'info',
      RATE_LIMIT_POINTS: String(config.rateLimitPoints),
      RATE_LIMIT_REFILL_PER_SECOND: String(config.rateLimitRefillPerSecond),
    });
    say(
      `API ${api.url} (pid ${api.pid}), default limits; ${seconds} s per phase, normal load ${rate}/s, ${attackers} clients per attack ` +
        `(${attackRate > 0 ? `${attackRate} requests/s in all` : 'closed loop'}), ${repeat} runs`,
    );
    // warm up
    await phase(api.url, api.pid, 3, rate, attackers, false);
    const died = () => fetch(api.url.replace('/graphql', '/health')).then((r) => !r.ok, () => true);
    const rows: (string | number)[][] = [['phase', 'run', 'normal requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'attack req/s', 'API CPU %']];
    const summary: Record<string, { p50: number[]; p95: number[]; p99: number[] }> = { baseline: { p50: [], p95: [], p99: [] }, 'under attack': { p50: [], p95: [], p99: [] } };
    const attackTotals: Record<string, Record<string, number>> = {};
    for (let run = 1; run <= repeat; run++) {
      for (const [name, attack] of [['baseline', false], ['under attack', true]] as const) {
        const r = await phase(api.url, api.pid, seconds, rate, attackers, attack, attackRate);
        if (await died()) {
          // on the shared development machines a process is now and then signalled from outside
          const signal = /"signal":"(\w+)","msg":"shutting down"/.exec(api.tail())?.[1];
          say(`the API process is gone (run ${run}, ${name}${signal ? `: it received ${signal} from outside the benchmark` : ''}); its log: ${api.logFile}. Run again.`);
          return 1;
        }
        const p = (q: number) => percentile(r.normal, q);
        const attackCount = Object.values(r.attack).reduce((n, v) => n + Object.values(v).reduce((a, b) => a + b, 0), 0);
        rows.push([
          name,
          run,
          fmtInt(r.normal.length),
          fmtInt(r.normalErrors),
          fmtMs(p(50)),
          fmtMs(p(95)),
          fmtMs(p(99)),
          fmtMs(r.normal[r.normal.length - 1]),
          fmtInt(attackCount / r.seconds),
          fmtInt((100 * r.apiCpu) / r.seconds),
        ]);
        summary[name].p50.push(p(50));
        summary[name].p95.push(p(95));
        summary[name].p99.push(p(99));
        for (const [k, v] of Object.entries(r.attack)) for (const [label, n] of Object.entries(v)) ((attackTotals[k] ??= {})[label] = (attackTotals[k][label] ?? 0) + n);
        // let the buckets and the login locks of the attackers cool down a little between phases
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
    say();
    say(table(rows));
    say();
    say('Medians over the runs (normal query: search, 10 records with holdings)');
    say(table([['phase', 'p50 ms', 'p95 ms', 'p99 ms'], ...Object.entries(summary).map(([k, v]) => [k, fmtMs(median(v.p50)), fmtMs(median(v.p95)), fmtMs(median(v.p99))])]));
    say();
    say('What the attackers got (all runs)');
    say(table([['attack', 'answers'], ...Object.entries(attackTotals).map(([k, v]) => [k, Object.entries(v).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${fmtInt(n)} × ${l}`).join(', ')])]));
    const alive = await fetch(api.url.replace('/graphql', '/health')).then((res) => res.ok, () => false);
    say();
    say(`API still healthy: ${alive}`);
    return alive ? 0 : 1;
  } finally {
    await life.cleanUp();
  }
}

if (process.argv[2] === '--attack-child') {
  const [url, seconds, attackers, rate] = process.argv.slice(3);
  attack(url, Number(seconds), Number(attackers), Number(rate)).then((counts) => process.send!(counts, () => process.exit(0)));
} else main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench:abuse failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
