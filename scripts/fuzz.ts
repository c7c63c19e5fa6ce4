import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { BenchLifecycle } from './bench/lifecycle';
import { fuzz, invariants, transientFailures } from './fuzz/fuzzer';
import { demoApi, login } from './security/demo-api';

const USAGE = `usage: npm run fuzz -- [--runs N] [--ws-runs N] [--seed S]
  --runs N      hostile HTTP requests (default 10000)
  --ws-runs N   WebSocket sessions of random messages (default runs / 10)
  --seed S      fast-check seed (default: random; printed, so a failure replays)
Starts a demo network in database shelfnet_fuzz on the benchmark's PostgreSQL (DATABASE_URL, else
the embedded one in <data>/bench-pg) and an API process on it, fuzzes it, then checks that it still
serves and that the database invariants hold. Exit code 1 on any finding.`;

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, 'ws-runs': { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const runs = Number(values.runs ?? 10_000);
  const wsRuns = Number(values['ws-runs'] ?? Math.ceil(runs / 10));
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  if (![runs, wsRuns, seed].every(Number.isInteger)) throw new Error(USAGE);
  const life = new BenchLifecycle();
  life.handleSignals();
  try {
    const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
    // the default cost limit keeps each random operation bounded; the rate limit would only slow the run
    const { api, url: dbUrl } = await demoApi(life, config, 'shelfnet_fuzz', { RATE_LIMIT_POINTS: '0' });
    const staff = await login(api.url, 'librarian.bdi-pl');
    const admin = await login(api.url, 'admin');
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    const strings = (await c.query(`(select barcode v from items order by id limit 50) union all (select card_number from patrons order by id limit 30) union all (select code from libraries)`)).rows.map((r) => String(r.v));
    const ids = (
      await c.query(`(select 'Item:' || id v from items order by id limit 30) union all (select 'BibliographicRecord:' || id from bib_records order by id limit 30)
                     union all (select 'Loan:' || id from loans order by id desc limit 20) union all (select 'Hold:' || id from holds order by id desc limit 20)
                     union all (select 'Patron:' || id from patrons order by id limit 20)`)
    ).rows.map((r) => Buffer.from(String(r.v)).toString('base64url'));
    await c.end();
    say(`fuzzing ${api.url}: ${runs} HTTP requests, ${wsRuns} WebSocket sessions, seed ${seed}`);
    const t0 = performance.now();
    const { findings, counterexample } = await fuzz(
      { url: api.url, wsUrl: api.url.replace('http:', 'ws:'), viewers: [null, { authorization: `Bearer ${staff}` }, { authorization: `Bearer ${admin}` }], pool: { strings, ids } },
      { seed, runs, wsRuns, onProgress: (n) => say(`  ${n} requests, ${((performance.now() - t0) / 1000).toFixed(0)} s`) },
    );
    say(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${transientFailures} request(s) sent twice after a socket closed under them`);
    const alive = await fetch(api.url.replace('/graphql', '/health')).then((r) => r.ok, () => false);
    const broken = await invariants(dbUrl);
    say(`server still serving: ${alive}`);
    say(`database invariants: ${broken.length ? broken.join('; ') : 'all hold'}`);
    if (findings.length) {
      say(`FINDINGS (${findings.length}); first:`);
      say(JSON.stringify(findings[0], null, 2).slice(0, 4000));
      say(`shrunk counterexample: ${counterexample}`);
      say(`replay: npm run fuzz -- --runs ${runs} --seed ${seed}`);
      say('API log, warnings and errors:');
      say(api.tail().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(-5).map((l) => l.slice(0, 1500)).join('\n'));
    } else {
      say('no finding');
    }
    return findings.length || broken.length || !alive ? 1 : 0;
  } finally {
    await life.cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`fuzz failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
