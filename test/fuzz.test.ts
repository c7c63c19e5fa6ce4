import { parse, validate } from 'graphql';
import { check, fuzz, invariants, loadSchema, operations, Target } from '../scripts/fuzz/fuzzer';
import fc from 'fast-check';
import { TestEnv, TestServer, data } from './support/harness';
import { SearchDocument } from './__generated__/operations';

/**
 * Bad input, tried for real: fast-check builds random well-typed operations from the schema with
 * hostile variables, broken bodies and content types, and malformed WebSocket traffic (fixed seed,
 * so a failure replays). `npm run fuzz -- --runs 100000` runs the same properties for longer.
 */
const SEED = 20261201;
const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let target: Target;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  // the default cost limit (each random operation stays bounded); the suite's raised rate limits
  api = await env.server({ dbUrl, env: { MAX_COST: undefined, LOG_LEVEL: 'info' } });
  const staff = await api.login('librarian.bdi-pl');
  const admin = await api.login('admin');
  const patron = await api.post<{ loginPatron: { token: string } }>({ query: 'mutation { loginPatron(cardNumber: "PL-000001", pin: "1234") { ... on PatronAuthPayload { token } } }' });
  const strings = (await env.sql<{ v: string }>(dbUrl, `(select barcode v from items order by id limit 30) union all (select card_number from patrons order by id limit 20) union all (select code from libraries limit 10)`)).map((r) => r.v);
  const ids = (
    await env.sql<{ v: string }>(
      dbUrl,
      `(select 'Item:' || id v from items order by id limit 20) union all (select 'BibliographicRecord:' || id from bib_records order by id limit 20)
       union all (select 'Loan:' || id from loans order by id desc limit 10) union all (select 'Hold:' || id from holds order by id desc limit 10)
       union all (select 'Patron:' || id from patrons order by id limit 10)`,
    )
  ).map((r) => Buffer.from(r.v).toString('base64url'));
  target = {
    url: api.url,
    wsUrl: api.wsUrl,
    viewers: [null, { authorization: `Bearer ${staff}` }, { authorization: `Bearer ${admin}` }, { authorization: `Bearer ${patron.data!.loginPatron.token}` }],
    pool: { strings, ids },
  };
});
afterAll(() => env.close());

describe('fuzzing (fast-check, seed 20261201)', () => {
  test('the generator builds operations that are valid GraphQL for the schema', () => {
    const schema = loadSchema();
    const samples = fc.sample(operations(schema, target.pool), { seed: SEED, numRuns: 300 });
    const invalid = samples.filter((o) => validate(schema, parse(o.query)).length > 0);
    // the variables are hostile; the documents are well-typed (a rare union field conflict aside)
    expect(invalid.length / samples.length).toBeLessThan(0.02);
    // every root field comes up
    const fields = new Set(samples.map((o) => /\{ (\w+)/.exec(o.query)![1]));
    expect(fields.size).toBeGreaterThan(30);
  });

  test('600 hostile HTTP requests and 80 WebSocket sessions: never a 5xx or internal error, nothing leaked', async () => {
    const { findings, counterexample } = await fuzz(target, { seed: SEED, runs: 600, wsRuns: 80 });
    if (process.env.FUZZ_DUMP) require('node:fs').writeFileSync(process.env.FUZZ_DUMP, JSON.stringify({ findings, counterexample, logs: api.logs.filter((l: string) => !l.includes('"level":30')) }, null, 1));
    expect({ findings: findings.slice(0, 3), counterexample, log: findings.length ? api.logs.slice(-5) : [] }).toEqual({ findings: [], counterexample: null, log: [] });
  }, 240_000);

  test('a check catches what it should: a 5xx is a finding', async () => {
    const f = await check({ ...target, url: `${api.url.replace('/graphql', '')}/no-such-path` }, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    // an unknown path is a 404 from express: not a GraphQL response, which the check reports
    expect(f?.kind).toBe('not a GraphQL response');
  });

  test('afterwards the server still serves, logged no internal error, and the database invariants hold', async () => {
    expect(api.child.exitCode).toBeNull();
    const res = data(await api.gql(SearchDocument, { query: 'truyen kieu', first: 1 }));
    expect(res.searchCatalog.edges[0].node.title).toBe('Truyện Kiều');
    expect(await invariants(dbUrl)).toEqual([]);
    // hold queues are gapless: positions 1..n
    const admin = await api.login('admin');
    const records = await env.sql<{ id: string }>(dbUrl, `select distinct record_id id from holds where status = 'WAITING' limit 20`);
    for (const r of records) {
      const q = await api.post<{ holdQueue: { queuePosition: number }[] }>(
        { query: 'query($id: ID!) { holdQueue(recordId: $id) { queuePosition } }', variables: { id: Buffer.from(`BibliographicRecord:${r.id}`).toString('base64url') } },
        { token: admin },
      );
      const positions = q.data!.holdQueue.map((h) => h.queuePosition);
      expect(positions).toEqual(positions.map((_, i) => i + 1));
    }
    expect(api.logs.filter((l) => /"msg":"(internal error|request failed)"/.test(l))).toEqual([]);
  });
});
