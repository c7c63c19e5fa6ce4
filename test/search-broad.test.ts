import { BroadCountsDocument, BroadCreateRecordDocument, BroadPageDocument, type BroadPageQuery } from './__generated__/operations';
import { TestEnv, TestServer } from './support/harness';

/**
 * Broad queries (more matches than SEARCH_NARROW_CAP) use a different plan: whole-title matches
 * first, then every other match newest first. Here the cap is tiny so the demo catalog shows it.
 */
const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let admin: string;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  api = await env.server({ dbUrl, env: { SEARCH_NARROW_CAP: '5' } });
  admin = await api.login('admin');
});
afterAll(() => env.close());

async function walk(query: string, first: number) {
  const seen: { id: string; title: string; year: number | null; score: number | null }[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const res = await api.gql(BroadPageDocument, { query, first, after });
    expect(res.errors).toBeUndefined();
    const conn: BroadPageQuery['searchCatalog'] = res.data!.searchCatalog;
    seen.push(...conn.edges.map((e) => ({ ...e.node, score: e.score ?? null })));
    if (!conn.pageInfo.hasNextPage) return seen;
    after = conn.pageInfo.endCursor!;
  }
  throw new Error('too many pages');
}

function localId(gid: string): number {
  return Number(Buffer.from(gid, 'base64url').toString().split(':')[1]);
}

test('a broad query lists whole-title matches first, then every other match newest first, each once', async () => {
  for (const title of ['Lịch sử', 'Lịch  sử!']) {
    const r = await api.gql(BroadCreateRecordDocument, { input: { title, year: 1960, subjects: ['Lịch sử'] } }, { token: admin });
    expect(r.data!.createRecord.__typename).toBe('BibliographicRecord');
  }
  const expected = await env.sql<{ id: string; yk: number; exact: boolean }>(
    dbUrl,
    `select id, coalesce(year, -1) yk, title_phrase = sn_phrase('lich su') exact from bib_records
      where merged_into_id is null and search_vector @@ sn_search_query('lich su')`,
  );
  expect(expected.length).toBeGreaterThan(5); // broad under the tiny cap

  const seen = await walk('lich su', 4);
  const ids = seen.map((s) => localId(s.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(expected.map((e) => Number(e.id))));

  // the two records titled exactly "Lịch sử" lead, with scores; the rest newest first, no scores
  const exact = new Set(expected.filter((e) => e.exact).map((e) => Number(e.id)));
  expect(exact.size).toBe(2);
  expect(new Set(ids.slice(0, 2))).toEqual(exact);
  expect(seen.slice(0, 2).every((s) => s.score !== null)).toBe(true);
  const rest = seen.slice(2);
  expect(rest.every((s) => s.score === null)).toBe(true);
  const key = (s: (typeof rest)[number]) => [s.year ?? -1, localId(s.id)];
  for (let i = 1; i < rest.length; i++) {
    const [y0, id0] = key(rest[i - 1]);
    const [y1, id1] = key(rest[i]);
    expect(y0 > y1 || (y0 === y1 && id0 > id1)).toBe(true);
  }
});

test('a narrow query under the same cap is still ranked exactly (one page, scores on every hit)', async () => {
  const seen = await walk('truyen kieu', 10);
  expect(seen.length).toBeLessThanOrEqual(5);
  expect(seen[0].title).toBe('Truyện Kiều');
  expect(seen.every((s) => s.score !== null)).toBe(true);
});

test('the count of a broad query agrees with the walk; a cursor keeps its plan across pages', async () => {
  const counts = await api.gql(BroadCountsDocument, { query: 'nguyen' });
  expect(counts.errors).toBeUndefined();
  const seen = await walk('nguyen', 9);
  // on a catalog this small the sample is the whole table, so the numbers are exact and say so
  expect(counts.data!.searchCatalog.totalCount).toBe(seen.length);
  expect(counts.data!.searchCatalog.totalCountExact).toBe(true);
  expect(counts.data!.searchCatalog.facets.exact).toBe(true);
  expect(counts.data!.searchCatalog.facets.formats.reduce((n, f) => n + f.count, 0)).toBe(seen.length);
});

test('queries of frequent words (from the statistics) take the guarded broad plan and still list every match once', async () => {
  // statistics make "lich" and "su" frequent words; a new server reads them at start
  await env.sql(dbUrl, 'analyze bib_records');
  const stats = await env.sql<{ n: number }>(
    dbUrl,
    `select count(*)::int n from pg_stats where tablename = 'bib_records' and attname = 'search_vector' and most_common_elems is not null`,
  );
  expect(stats[0].n).toBe(1);
  const fresh = await env.server({ dbUrl, env: { SEARCH_NARROW_CAP: '5' } });
  const expected = await env.sql<{ id: string }>(
    dbUrl,
    `select id from bib_records where merged_into_id is null and search_vector @@ sn_search_query('lich su')`,
  );
  // the first page runs under the guard: its own transaction with a statement timeout (begin, set, query, commit)
  const firstPage = await fresh.gql(BroadPageDocument, { query: 'lich su', first: 6 });
  expect(firstPage.extensions?.sqlStatements).toBeGreaterThanOrEqual(4);
  expect(firstPage.data!.searchCatalog.edges.every((e) => e.score === null || typeof e.score === 'number')).toBe(true);
  const seen: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await fresh.gql(BroadPageDocument, { query: 'lich su', first: 6, after });
    expect(res.errors).toBeUndefined();
    const conn: BroadPageQuery['searchCatalog'] = res.data!.searchCatalog;
    seen.push(...conn.edges.map((e) => e.node.id));
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor!;
  }
  expect(new Set(seen).size).toBe(seen.length);
  expect(new Set(seen.map(localId))).toEqual(new Set(expected.map((e) => Number(e.id))));
});
