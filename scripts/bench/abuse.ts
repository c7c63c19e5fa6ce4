import 'reflect-metadata';
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

const USAGE = `usage: npm run bench:abuse -- [--seconds S] [--rate R] [--attackers N] [--repeat K]
  --seconds S    length of each phase (default 15)
  --rate R       normal queries per second, open loop (default 20)
  --attackers N  attacking clients per kind of attack, closed loop (default 4)
  --repeat K     runs of each phase; medians are printed (default 3)
Database: DATABASE_URL (database shelfnet_abuse), else the embedded PostgreSQL in <data>/bench-pg.`;

const say = (line = '') => process.stdout.write(`${line}\n`);

const NORMAL = `query Normal($q: String!) { searchCatalog(query: $q, first: 10) { totalCount edges { node { id title year holdings { library { code name } availableCount } } } } }`;
const WORDS = ['truyen kieu', 'lich su', 'binh dinh', 'nguyen du', 'tho', 'dia ly', 'quy nhon', 'tay son'];

const deep = (n: number) => `{ library(code: "BDI-TS") { ${'parent { '.repeat(n)}code${' }'.repeat(n)} } }`;
const ATTACKS: Record<string, () => { body: string; headers?: Record<string, string> }> = {
  // over the depth limit
  deep: () => ({ body: JSON.stringify({ query: deep(40) }) }),
  // thousands of tokens (refused while parsing)
  tokens: () => ({ body: JSON.stringify({ query: `{ ${'__typename '.repeat(1400)}}` }) }),
  // aliases of an expensive field
  aliased: () => ({ body: JSON.stringify({ query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: searchCatalog(query: "lich su", first: 100) { totalCount }`).join(' ')} }` }) }),
  // wide: every list at its largest, nested
  costly: () => ({ body: JSON.stringify({ query: '{ searchCatalog(first: 100) { edges { node { holdings { items(first: 100) { edges { node { id barcode status } } } } } } } }' }) }),
  // just under the cost limit, repeated: the rate bucket has to stop it
  allowedButDear: () => ({ body: JSON.stringify({ query: '{ searchCatalog(query: "lich su", first: 2) { edges { node { holdings { items(first: 100) { edges { node { id } } } } } } } }' }) }),
  // a body near 1 MB
  huge: () => ({ body: JSON.stringify({ query: 'query($q: String) { searchCatalog(query: $q) { totalCount } }', variables: { q: 'x'.repeat(1_000_000) } }) }),
  // password guessing for the network admin
  bruteForce: () => ({
    body: JSON.stringify({
      query: 'mutation($p: String!) { login(username: "admin", password: $p) { __typename ... on TooManyAttemptsError { retryAfterSeconds } } }',
      variables: { p: `guess-${Math.random().toString(36).slice(2)}` },
    }),
  }),
};

interface PhaseResult {
  normal: number[];
  normalErrors: number;
  attack: Record<string, Record<string, number>>;
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

async function phase(url: string, seconds: number, rate: number, attackers: number, attack: boolean): Promise<PhaseResult> {
  const end = Date.now() + seconds * 1000;
  const normal: number[] = [];
  let normalErrors = 0;
  const inflight: Promise<void>[] = [];
  // normal readers: open loop at `rate` in all, each request from one of 200 addresses (200 readers,
  // each well within their bucket); latency from the intended send time
  const normalLoop = (async () => {
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
  })();
  const counts: Record<string, Record<string, number>> = {};
  const attackLoops = attack
    ? Object.entries(ATTACKS).flatMap(([name, make], k) =>
        Array.from({ length: attackers }, async (_, a) => {
          const c = (counts[name] ??= {});
          for (let n = 0; Date.now() < end; n++) {
            const { body } = make();
            // brute force rotates through 50 addresses (a small botnet); the rest stay on their own
            const ip = name === 'bruteForce' ? `10.66.${a}.${n % 50}` : `10.6${k % 6}.${a}.1`;
            const r = await send(url, body, { 'x-forwarded-for': ip });
            c[r.label] = (c[r.label] ?? 0) + 1;
          }
        }),
      )
    : [];
  await Promise.all([normalLoop, ...attackLoops]);
  await Promise.all(inflight);
  return { normal: normal.sort((a, b) => a - b), normalErrors, attack: counts };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, rate: { type: 'string' }, attackers: { type: 'string' }, repeat: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const seconds = Number(values.seconds ?? 15);
  const rate = Number(values.rate ?? 20);
  const attackers = Number(values.attackers ?? 4);
  const repeat = Number(values.repeat ?? 3);
  const life = new BenchLifecycle();
  life.handleSignals();
  try {
    const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
    const { api } = await demoApi(life, config, 'shelfnet_abuse', { TRUST_PROXY: 'true', LOG_LEVEL: 'warn' });
    say(`API ${api.url} (pid ${api.pid}), default limits; ${seconds} s per phase, normal load ${rate}/s, ${attackers} clients per attack, ${repeat} runs`);
    // warm up
    await phase(api.url, 3, rate, attackers, false);
    const rows: (string | number)[][] = [['phase', 'run', 'normal requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
    const summary: Record<string, { p50: number[]; p95: number[]; p99: number[] }> = { baseline: { p50: [], p95: [], p99: [] }, 'under attack': { p50: [], p95: [], p99: [] } };
    const attackTotals: Record<string, Record<string, number>> = {};
    for (let run = 1; run <= repeat; run++) {
      for (const [name, attack] of [['baseline', false], ['under attack', true]] as const) {
        const r = await phase(api.url, seconds, rate, attackers, attack);
        const p = (q: number) => percentile(r.normal, q);
        rows.push([name, run, fmtInt(r.normal.length), fmtInt(r.normalErrors), fmtMs(p(50)), fmtMs(p(95)), fmtMs(p(99)), fmtMs(r.normal[r.normal.length - 1])]);
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

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench:abuse failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
