import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EResCreateDocument,
  EResGetDocument,
  EResPublishDocument,
  EResSearchDocument,
  EResUpdateDocument,
  type AccessPolicy,
  type EResSearchQuery,
  type EResourceFilter,
} from './__generated__/operations';
import { TestEnv, TestServer, data, eventually, uploadFile } from './support/harness';

/*
 * Searching the digital library as a reader app pages through it: description hits first, then hits
 * only inside documents, newest first, each with its passage; every match exactly once whichever plan
 * the server takes (ranked, newest first past the ranking cap, in-text hits from the index or from a
 * walk of the newest texts once the statistics call the word dense); folded diacritics; a whole page
 * in one SQL statement. What a document's text search finds follows its files.
 */

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let dataDir: string;
let staff: string;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sn-eres-search-'));
  api = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir } });
  staff = await api.login('librarian.bdi-pl');
});
afterAll(async () => {
  await env.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function publishedText(title: string, text: string, policy: AccessPolicy = 'PUBLIC'): Promise<string> {
  const up = await uploadFile(api, staff, Buffer.from(text), 'van-ban.txt', 'text/plain');
  expect(up.status).toBe(201);
  const created = data(await api.gql(EResCreateDocument, { input: { kind: 'DIGITISED', description: { title, language: 'vie' }, fileIds: [up.body.id!] } }, { token: staff })).createEResource;
  if (created.__typename !== 'EResource') throw new Error(JSON.stringify(created));
  const published = data(await api.gql(EResPublishDocument, { id: created.id, policy }, { token: staff })).publishEResource;
  if (published.__typename !== 'EResource') throw new Error(JSON.stringify(published));
  return created.id;
}

async function extracted(id: string): Promise<void> {
  await eventually(async () => {
    const r = data(await api.gql(EResGetDocument, { id }, { token: staff })).eResource;
    return r && r.files.every((f) => f.textExtraction === 'DONE') ? true : undefined;
  });
}

type Edge = EResSearchQuery['searchEResources']['edges'][number];

/** Walks every page of a search; returns the edges, the first page's counts and each page's SQL statements. */
async function walk(server: TestServer, query: string, first: number, opts: { token?: string; filter?: EResourceFilter } = {}) {
  const edges: Edge[] = [];
  const statements: number[] = [];
  let after: string | null = null;
  let totals: { totalCount: number; totalCountExact: boolean } | null = null;
  for (let page = 0; page < 50; page++) {
    const res = await server.gql(EResSearchDocument, { query, first, after, filter: opts.filter }, { token: opts.token });
    const conn: EResSearchQuery['searchEResources'] = data(res).searchEResources;
    statements.push(res.extensions!.sqlStatements as number);
    totals ??= { totalCount: conn.totalCount, totalCountExact: conn.totalCountExact };
    edges.push(...conn.edges);
    if (!conn.pageInfo.hasNextPage) return { edges, totals: totals!, statements };
    after = conn.pageInfo.endCursor!;
  }
  throw new Error('more than 50 pages');
}

describe('paging through description and in-text hits', () => {
  const titled: string[] = [];
  const inText: string[] = [];
  let both: string;
  let staffOnly: string;

  beforeAll(async () => {
    for (let i = 1; i <= 3; i++) titled.push(await publishedText(`Sứa biển Quy Nhơn, tập ${i}`, `Ghi chép về nghề cá, tập ${i}.`));
    both = await publishedText('Mùa sứa ở Nhơn Lý', 'Mùa sứa về, ngư dân Nhơn Lý ra khơi sớm.');
    for (let i = 1; i <= 4; i++) {
      inText.push(await publishedText(`Nhật ký làng chài, quyển ${i}`, `Buổi sáng thứ ${i} trên bãi biển. Đàn sứa trôi dạt vào bờ, trẻ con chạy theo xem.`));
    }
    staffOnly = await publishedText('Hồ sơ nội bộ', 'Báo cáo về sứa độc ở vùng biển gần bờ.', 'STAFF_ONLY');
    for (const id of [...titled, both, ...inText, staffOnly]) await extracted(id);
  });

  /** ranked: description hits by score; false: newest first (broad); 'either': whichever the statistics chose. */
  const expectWalk = (edges: Edge[], ranked: boolean | 'either') => {
    const ids = edges.map((e) => e.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    if (ranked === 'either') ranked = typeof edges[0]?.score === 'number';
    // description hits first (ranked, or newest first), then the in-text hits newest first
    expect(new Set(ids.slice(0, 4))).toEqual(new Set([...titled, both]));
    if (!ranked) expect(ids.slice(0, 4)).toEqual([...titled, both].reverse());
    expect(ids.slice(4)).toEqual([...inText].reverse());
    expect(edges.map((e) => e.matchedIn)).toEqual([...Array(4).fill('METADATA'), ...Array(4).fill('FULL_TEXT')]);
    expect(edges.slice(0, 4).every((e) => (ranked ? typeof e.score === 'number' : e.score === null) && e.snippet === null)).toBe(true);
    for (const e of edges.slice(4)) {
      expect(e.score).toBeNull();
      const s = e.snippet!;
      expect(s.text).toContain('Đàn sứa trôi dạt');
      expect(s.highlights.map((h) => s.text.slice(h.start, h.start + h.length))).toEqual(['sứa']);
    }
  };

  test('a query without diacritics walks every hit once, whatever the page size; a whole page is one statement', async () => {
    const whole = await walk(api, 'sua', 20);
    expectWalk(whole.edges, true);
    // every match counted exactly, in the statement that found the page
    expect(whole.totals).toEqual({ totalCount: 8, totalCountExact: true });
    expect(whole.statements).toEqual([1]);
    for (const first of [1, 2, 3, 5]) {
      const paged = await walk(api, 'sua', first);
      expectWalk(paged.edges, true);
      expect(paged.totals).toEqual({ totalCount: 8, totalCountExact: true });
      // a page is one statement; counting what the page did not reach is at most one more
      expect(Math.max(...paged.statements)).toBeLessThanOrEqual(2);
    }
    // the same with the diacritics, and for staff, who also find the staff-only document
    expectWalk((await walk(api, 'sứa', 4)).edges, true);
    const forStaff = await walk(api, 'SỨA', 3, { token: staff });
    expect(forStaff.edges.map((e) => e.node.id)).toContain(staffOnly);
    expect(forStaff.totals.totalCount).toBe(9);
  });

  test('filters apply to in-text hits too; a word only inside documents finds them with their passage', async () => {
    const licensed = await walk(api, 'sua', 5, { filter: { kinds: ['LICENSED'] } });
    expect(licensed.edges).toEqual([]);
    expect(licensed.totals).toEqual({ totalCount: 0, totalCountExact: true });
    const onlyInText = await walk(api, 'tróôi dat', 2);
    // "tróôi" is a typo widened to "trôi"; "dat" folds "dạt"
    expect(onlyInText.edges.map((e) => e.node.id)).toEqual([...inText].reverse());
    expect(onlyInText.edges.every((e) => e.matchedIn === 'FULL_TEXT' && e.snippet!.text.includes('trôi dạt'))).toBe(true);
    const nothing = await walk(api, 'sua xyzzyq', 5);
    expect(nothing.edges).toEqual([]);
    expect(nothing.totals).toEqual({ totalCount: 0, totalCountExact: true });
  });

  test('the same walk when the statistics call the word dense (newest texts walked first) and past the ranking cap', async () => {
    await env.sql(dbUrl, 'analyze e_resources');
    await env.sql(dbUrl, 'analyze e_resource_texts');
    const dense = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir } });
    for (const first of [1, 2, 3, 20]) expectWalk((await walk(dense, 'sua', first)).edges, 'either');
    await dense.stop();
    const capped = await env.server({ dbUrl, env: { SCHEDULER_INTERVAL_MS: '0', SHELFNET_DATA_DIR: dataDir, SEARCH_NARROW_CAP: '2' } });
    for (const first of [1, 2, 3, 20]) {
      const w = await walk(capped, 'sua', first);
      expectWalk(w.edges, false);
      expect(w.totals.totalCountExact).toBe(false);
    }
    await capped.stop();
  });
});

describe('what the text search finds follows the files', () => {
  test('replacing a file replaces the words found inside the document', async () => {
    const id = await publishedText('Tài liệu thay tệp', 'Rong biển phơi khô trên bãi cát.');
    await extracted(id);
    const found = async (q: string) => data(await api.gql(EResSearchDocument, { query: q })).searchEResources.edges.filter((e) => e.node.id === id);
    expect(await found('rong bien phoi kho')).toMatchObject([{ matchedIn: 'FULL_TEXT' }]);
    const up = await uploadFile(api, staff, Buffer.from('San hô đỏ mọc quanh hòn đảo nhỏ.'), 'thay-the.txt', 'text/plain');
    const updated = data(await api.gql(EResUpdateDocument, { input: { id, fileIds: [up.body.id!] } }, { token: staff })).updateEResource;
    expect(updated.__typename).toBe('EResource');
    await extracted(id);
    await eventually(async () => ((await found('san ho do')).length === 1 ? true : undefined));
    expect(await found('san ho do')).toMatchObject([{ matchedIn: 'FULL_TEXT', snippet: { text: 'San hô đỏ mọc quanh hòn đảo nhỏ.' } }]);
    expect(await found('rong bien phoi kho')).toEqual([]);
  });
});
