/**
 * The catalog search contract: `searchCatalog(query, filter, first, after)`.
 *
 * Folding (case, Vietnamese diacritics, đ → d), ISBNs typed any way, relevance tiers, typo tolerance
 * without flooding, browsing with filters, facets, keyset pagination under concurrent inserts, SQL
 * statements per request and refused input. Records made up for a test carry invented words (zorvath,
 * quillan, pellucar, kestrin, thraxomandelite…) so the demo data cannot interfere with them.
 */
import {
  CatalogFilter,
  CreateRecordDocument,
  CreateRecordInput,
  LibrariesDocument,
  SearchCountsDocument,
  SearchFacetsProbeDocument,
  SearchHoldingsProbeDocument,
  SearchPageDocument,
  SearchPageQuery,
} from './__generated__/operations';
import { GqlResponse, TestEnv, TestServer } from './support/harness';

type Hit = SearchPageQuery['searchCatalog']['edges'][number];
type Node = Hit['node'];

const env = new TestEnv();
let api: TestServer;
let dbUrl: string;
let adminToken: string;

beforeAll(async () => {
  dbUrl = await env.database('demo');
  api = await env.server({ dbUrl });
  adminToken = await api.login('admin');
});
afterAll(() => env.close());

// ---------------------------------------------------------------------------------------------------
// helpers

async function search(query: string | null, opts: { filter?: CatalogFilter; first?: number; after?: string } = {}) {
  const res = await api.gql(SearchPageDocument, { query, filter: opts.filter, first: opts.first, after: opts.after });
  expect(res.errors).toBeUndefined();
  return res.data!.searchCatalog;
}

/** Every hit of a search, page after page (`first` per page), in the order the API gives them. */
async function walk(query: string | null, filter?: CatalogFilter, first = 7, after?: string): Promise<{ hits: Hit[]; pages: number }> {
  const hits: Hit[] = [];
  let cursor = after;
  for (let pages = 1; pages <= 200; pages++) {
    const page = await search(query, { filter, first, after: cursor });
    expect(page.edges.length).toBeLessThanOrEqual(first);
    hits.push(...page.edges);
    if (!page.pageInfo.hasNextPage) {
      if (page.edges.length > 0) expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
      return { hits, pages };
    }
    // a page that says another follows is full and tells where to continue
    expect(page.edges.length).toBe(first);
    expect(page.pageInfo.endCursor).toBeTruthy();
    cursor = page.pageInfo.endCursor!;
  }
  throw new Error(`more than 200 pages for ${JSON.stringify({ query, filter })}`);
}

async function counts(query: string | null, filter?: CatalogFilter) {
  const res = await api.gql(SearchCountsDocument, { query, filter });
  expect(res.errors).toBeUndefined();
  return res.data!.searchCatalog;
}

async function createRecord(input: CreateRecordInput): Promise<string> {
  const res = await api.gql(CreateRecordDocument, { input }, { token: adminToken });
  expect(res.errors).toBeUndefined();
  const r = res.data!.createRecord;
  if (r.__typename !== 'BibliographicRecord') throw new Error(`createRecord refused: ${JSON.stringify(r)}`);
  return r.id;
}

const ids = (hits: Hit[]) => hits.map((h) => h.node.id);
const titles = (hits: Hit[]) => hits.map((h) => h.node.title);
const hasNguyenDu = (n: Node) => n.contributors.some((c) => c.name === 'Nguyễn Du');

/** Number of live records satisfying an SQL condition on `r` (bib_records): the truth a filter must match. */
async function sqlCount(condition: string, params: unknown[] = []): Promise<number> {
  const rows = await env.sql<{ n: number }>(
    dbUrl,
    `select count(*)::int n from bib_records r where r.merged_into_id is null and (${condition})`,
    params,
  );
  return rows[0].n;
}

/** Holding libraries by code: `exists` over record_holdings, as `available` or just held. */
function heldIn(codes: string[] | null, available: boolean): { cond: string; params: unknown[] } {
  const conds = ['h.record_id = r.id', available ? 'h.available > 0' : 'h.total > 0'];
  if (codes) conds.push('l.code = any($1)');
  return {
    cond: `exists (select 1 from record_holdings h join libraries l on l.id = h.library_id where ${conds.join(' and ')})`,
    params: codes ? [codes] : [],
  };
}

function expectBadInput(res: GqlResponse<unknown>, field?: string): string {
  expect(res.status).not.toBe(500);
  expect(res.errors?.length).toBeGreaterThan(0);
  const err = res.errors![0];
  expect(err.extensions?.code).toBe('BAD_USER_INPUT');
  if (field) expect(err.extensions?.field).toBe(field);
  expect(JSON.stringify(res)).not.toMatch(/INTERNAL_SERVER_ERROR|bib_records/);
  return err.message;
}

function sqlStatements(res: GqlResponse<unknown>): number {
  expect(res.errors).toBeUndefined();
  const n = res.extensions?.sqlStatements;
  expect(typeof n).toBe('number');
  return n as number;
}

/** ISBN-10 of a 978 ISBN-13: drop the prefix and the check digit, compute the mod-11 check digit. */
function isbn10Of(isbn13: string): string {
  expect(isbn13).toMatch(/^978\d{10}$/);
  const body = isbn13.slice(3, 12);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(body[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return body + (check === 10 ? 'X' : String(check));
}

// ---------------------------------------------------------------------------------------------------

describe('Vietnamese folding: case and diacritics do not matter', () => {
  test('"truyen kieu" finds "Truyện Kiều" first', async () => {
    const page = await search('truyen kieu');
    expect(page.edges[0].node.title).toBe('Truyện Kiều');
    expect(page.edges[0].score).not.toBeNull();
  });

  test.each([
    ['upper case with diacritics', 'TRUYỆN KIỀU'],
    ['mixed case and mixed diacritics', 'TRUYỆN kieu'],
    ['diacritics on one word only', 'Truyen KIỀU'],
    ['decomposed Unicode (combining marks, as some keyboards send)', 'truyện kiều'.normalize('NFD')],
    ['words in the other order', 'kieu truyen'],
    ['other order, upper case', 'KIỀU Truyện'],
  ])('%s: %s finds "Truyện Kiều" first', async (_label, query) => {
    const page = await search(query);
    expect(page.edges[0]?.node.title).toBe('Truyện Kiều');
  });

  test('"da nang" finds the records titled with "Đà Nẵng" (đ folds to d), ahead of the rest', async () => {
    const page = await search('da nang', { first: 50 });
    expect(page.edges.length).toBeGreaterThan(0);
    expect(page.edges[0].node.title).toContain('Đà Nẵng');
    expect(titles(page.edges)).toContain('Đà Nẵng xưa và nay');
    // every hit with Đà Nẵng in its title ranks above every hit without it
    const inTitle = page.edges.map((e) => e.node.title.includes('Đà Nẵng'));
    expect(inTitle.indexOf(false) === -1 || inTitle.lastIndexOf(true) < inTitle.indexOf(false)).toBe(true);
    // the same query typed with the letters themselves, or in capitals, gives the same answer
    for (const q of ['Đà Nẵng', 'ĐÀ NẴNG', 'DA NANG', 'đà nang']) {
      expect(ids((await search(q, { first: 50 })).edges)).toEqual(ids(page.edges));
    }
  });

  test('"nguyen du" finds the works of Nguyễn Du, ahead of every other hit', async () => {
    const works = await env.sql<{ title: string }>(
      dbUrl,
      `select title from bib_records where merged_into_id is null and contributors @> '[{"name": "Nguyễn Du"}]'`,
    );
    expect(works.length).toBeGreaterThanOrEqual(2);
    for (const q of ['nguyen du', 'Nguyễn Du', 'NGUYỄN DU', 'du nguyen']) {
      const page = await search(q, { first: 50 });
      const top = page.edges.slice(0, works.length);
      expect(top.every((e) => hasNguyenDu(e.node))).toBe(true);
      expect(titles(top).sort()).toEqual(works.map((w) => w.title).sort());
    }
  });
});

describe('ISBN typed any way', () => {
  let isbn13: string;

  beforeAll(async () => {
    const page = await search('truyen kieu', { first: 1 });
    isbn13 = page.edges[0].node.isbns[0];
    expect(isbn13).toMatch(/^978\d{10}$/);
  });

  async function expectFindsKieu(query: string) {
    const page = await search(query);
    expect(page.edges.length).toBeGreaterThan(0);
    expect(page.edges[0].node.title).toBe('Truyện Kiều');
    expect(page.edges.every((e) => e.node.isbns.includes(isbn13))).toBe(true);
  }

  test('ISBN-13 without hyphens', async () => {
    await expectFindsKieu(isbn13);
  });

  test('ISBN-13 with hyphens (and spaces around)', async () => {
    const s = isbn13;
    await expectFindsKieu(`${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6, 8)}-${s.slice(8, 12)}-${s.slice(12)}`);
    await expectFindsKieu(`  ${s.slice(0, 3)}-${s.slice(3, 12)}-${s.slice(12)} `);
  });

  test('ISBN-10 form of the 978 ISBN, plain, with spaces and with hyphens', async () => {
    const d = isbn10Of(isbn13);
    await expectFindsKieu(d);
    await expectFindsKieu(`${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5, 9)} ${d.slice(9)}`);
    await expectFindsKieu(`${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5, 9)}-${d.slice(9)}`);
  });

  test('an ISBN-10 whose check digit is X, typed with a lower-case x, finds its record', async () => {
    const id = await createRecord({ title: 'Sách thử mã số kiểm tra', isbns: ['0-8044-2957-X'] });
    for (const q of ['0-8044-2957-x', '0 8044 2957 X', '080442957x', '978-0-8044-2957-3']) {
      const page = await search(q);
      expect(ids(page.edges)).toEqual([id]);
    }
  });

  test('the second ISBN of a record with two finds it too', async () => {
    const page = await search('the tale of kieu', { first: 1 });
    const node = page.edges[0].node;
    expect(node.isbns.length).toBeGreaterThanOrEqual(2);
    const byIsbn = await search(isbn10Of(node.isbns[1]).replace(/^(\d)(\d{3})/, '$1 $2 '));
    expect(ids(byIsbn.edges)).toEqual([node.id]);
  });
});

describe('relevance', () => {
  // Created in the reverse of the expected order: ties are broken by newest first, so an order that
  // comes out right can only come from the score.
  let inDescription: string;
  let inSubjects: string;
  let inContributor: string;
  let inTitle: string;
  let wordsApart: string;
  let phrase: string;

  beforeAll(async () => {
    inDescription = await createRecord({ title: 'Tuyển tập bút ký', description: 'Có nhắc tới vùng Zorvath xa xôi.' });
    inSubjects = await createRecord({ title: 'Tạp văn ven biển', subjects: ['Zorvath', 'Văn học'] });
    inContributor = await createRecord({ title: 'Ghi chép miền núi', contributors: [{ name: 'Trần Zorvath' }] });
    inTitle = await createRecord({ title: 'Biên niên sử Zorvath' });
    phrase = await createRecord({ title: 'Quillan Mereth và những người bạn' });
    wordsApart = await createRecord({ title: 'Quillan và ngọn đèn của Mereth' });
  });

  test('title above contributor name above subjects (above description)', async () => {
    const page = await search('zorvath');
    expect(ids(page.edges)).toEqual([inTitle, inContributor, inSubjects, inDescription]);
    const scores = page.edges.map((e) => e.score!);
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]).toBeGreaterThan(scores[i]);
  });

  test('the same ranking whatever the case and diacritics of the query', async () => {
    expect(ids((await search('ZÒRVÂTH')).edges)).toEqual([inTitle, inContributor, inSubjects, inDescription]);
  });

  test('exact phrase in the title above the same words apart', async () => {
    const page = await search('quillan mereth');
    expect(ids(page.edges)).toEqual([phrase, wordsApart]);
    expect(page.edges[0].score!).toBeGreaterThan(page.edges[1].score!);
  });
});

describe('typo tolerance without flooding', () => {
  let longWordRecord: string;

  beforeAll(async () => {
    longWordRecord = await createRecord({ title: 'Thraxomandelite và những hòn đảo phía đông' });
  });

  test('"nguyen duu" still finds the works of Nguyễn Du on the first page', async () => {
    const works = await env.sql<{ title: string }>(
      dbUrl,
      `select title from bib_records where merged_into_id is null and contributors @> '[{"name": "Nguyễn Du"}]'`,
    );
    const page = await search('nguyen duu');
    const found = page.edges.filter((e) => hasNguyenDu(e.node));
    expect(titles(found).sort()).toEqual(works.map((w) => w.title).sort());
  });

  test('one wrong letter in a long word finds the record', async () => {
    for (const q of ['thraxomendelite', 'THRAXOMANDELITS', 'thraxomandelite hon dao', 'thraxomandelyte']) {
      const page = await search(q);
      expect(page.edges[0]?.node.id).toBe(longWordRecord);
    }
  });

  test('a nonsense word finds nothing', async () => {
    // letters that make no trigram of any real word: nothing is close enough to be offered instead
    const alphabet = 'qxzjkvw';
    let word = '';
    for (let i = 0; i < 11; i++) word += alphabet[Math.floor(Math.random() * alphabet.length)];
    const page = await search(word);
    expect({ word, hits: titles(page.edges) }).toEqual({ word, hits: [] });
    expect((await counts(word)).totalCount).toBe(0);
  });

  test('a typo does not return far more than the right spelling', async () => {
    const right = (await counts('nguyen du')).totalCount;
    const typo = (await counts('nguyen duu')).totalCount;
    const oneWord = (await counts('nguyen')).totalCount;
    expect(right).toBeGreaterThan(0);
    // The misspelt word is widened to at most three known neighbours besides itself, so up to about
    // four times the hits of the right spelling is fair. Flooding would look like the misspelt word
    // being dropped: every record with "nguyen" somewhere (61 in the demo network, ~12x the right
    // spelling).
    expect(typo).toBeLessThanOrEqual(4 * right);
    expect(typo).toBeLessThan(oneWord / 2);
    // the misspelt long word matches only its record
    expect((await counts('thraxomendelite')).totalCount).toBe(1);
  });
});

describe('browsing with an empty query and filters', () => {
  async function browseAll(query: string | null, filter: CatalogFilter): Promise<Hit[]> {
    const { hits } = await walk(query, filter, 100);
    expect(hits.every((h) => h.score === null)).toBe(true);
    expect(new Set(ids(hits)).size).toBe(hits.length);
    return hits;
  }

  test('query null or empty or blank without a filter browses the whole catalog', async () => {
    const total = await sqlCount('true');
    for (const q of [null, '', '   ']) {
      expect((await counts(q)).totalCount).toBe(total);
      const first = await search(q, { first: 10 });
      expect(first.edges).toHaveLength(10);
      expect(first.edges.every((e) => e.score === null)).toBe(true);
    }
    expect(ids((await search('', { first: 10 })).edges)).toEqual(ids((await search(null, { first: 10 })).edges));
  });

  test('formats', async () => {
    const formats = ['SERIAL', 'MAP'] as const;
    const hits = await browseAll(null, { formats: [...formats] });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => (formats as readonly string[]).includes(h.node.format))).toBe(true);
    expect(hits.length).toBe(await sqlCount('r.format = any($1)', [formats]));
  });

  test('languages', async () => {
    const hits = await browseAll('', { languages: ['eng', 'fra'] });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.node.language === 'eng' || h.node.language === 'fra')).toBe(true);
    expect(hits.length).toBe(await sqlCount(`r.language in ('eng', 'fra')`));
  });

  test('yearFrom and yearTo (bounds included)', async () => {
    const hits = await browseAll(null, { yearFrom: 1990, yearTo: 1999 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.node.year !== null && h.node.year >= 1990 && h.node.year <= 1999)).toBe(true);
    expect(hits.length).toBe(await sqlCount('r.year between 1990 and 1999'));
    const from = await browseAll(null, { yearFrom: 2020 });
    expect(from.every((h) => h.node.year! >= 2020)).toBe(true);
    expect(from.length).toBe(await sqlCount('r.year >= 2020'));
    const to = await browseAll(null, { yearTo: 1975 });
    expect(to.every((h) => h.node.year! <= 1975)).toBe(true);
    expect(to.length).toBe(await sqlCount('r.year <= 1975'));
  });

  test('libraryCodes: held by one of the libraries', async () => {
    const codes = ['BDI-TS-BTH', 'BDI-BTQT'];
    const hits = await browseAll(null, { libraryCodes: codes });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.node.holdings.some((x) => codes.includes(x.library.code) && x.totalCount > 0))).toBe(true);
    const { cond, params } = heldIn(codes, false);
    expect(hits.length).toBe(await sqlCount(cond, params));
  });

  test('availableOnly: a copy on the shelf somewhere', async () => {
    const hits = await browseAll(null, { availableOnly: true });
    expect(hits.every((h) => h.node.holdings.some((x) => x.availableCount > 0))).toBe(true);
    const { cond, params } = heldIn(null, true);
    expect(hits.length).toBe(await sqlCount(cond, params));
    expect(hits.length).toBeLessThan(await sqlCount('true'));
  });

  test('availableOnly with libraryCodes: a copy on the shelf in those libraries', async () => {
    const codes = ['BDI-QN', 'BDI-AN'];
    const hits = await browseAll('', { libraryCodes: codes, availableOnly: true });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.node.holdings.some((x) => codes.includes(x.library.code) && x.availableCount > 0))).toBe(true);
    const there = heldIn(codes, true);
    expect(hits.length).toBe(await sqlCount(there.cond, there.params));
    // records held there whose only copies on the shelf are elsewhere are left out
    const held = heldIn(codes, false);
    const anywhere = heldIn(null, true);
    const heldThereAvailableElsewhere = await sqlCount(`${held.cond} and ${anywhere.cond}`, held.params);
    expect(hits.length).toBeLessThan(heldThereAvailableElsewhere);
  });

  test('all filters together, with a text query too', async () => {
    const filter: CatalogFilter = { formats: ['BOOK'], languages: ['vie'], yearFrom: 2000, yearTo: 2025, libraryCodes: ['BDI-QN'], availableOnly: true };
    const hits = await browseAll(null, filter);
    expect(hits.length).toBeGreaterThan(0);
    for (const { node } of hits) {
      expect(node.format).toBe('BOOK');
      expect(node.language).toBe('vie');
      expect(node.year).toBeGreaterThanOrEqual(2000);
      expect(node.year).toBeLessThanOrEqual(2025);
      expect(node.holdings.some((x) => x.library.code === 'BDI-QN' && x.availableCount > 0)).toBe(true);
    }
    const text = await walk('binh dinh', filter, 100);
    expect(text.hits.length).toBeGreaterThan(0);
    expect(text.hits.length).toBeLessThanOrEqual(hits.length);
    expect(ids(text.hits).every((id) => ids(hits).includes(id))).toBe(true);
  });
});

describe('facets', () => {
  test('a small catalog is ranked and counted exactly even when PostgreSQL has statistics of frequent words', async () => {
    // with statistics "lich su" is two frequent words, which on a large catalog takes the broad plan
    const analysed = await env.database('demo');
    await env.sql(analysed, 'analyze bib_records');
    const srv = await env.server({ dbUrl: analysed });
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GqlResponse<SearchPageQuery> = await srv.gql(SearchPageDocument, { query: 'lich su', first: 7, after });
      expect(res.errors).toBeUndefined();
      walked.push(...res.data!.searchCatalog.edges.map((e) => e.node.id));
      if (!res.data!.searchCatalog.pageInfo.hasNextPage) break;
      after = res.data!.searchCatalog.pageInfo.endCursor!;
    }
    const c = await srv.gql(SearchCountsDocument, { query: 'lich su' });
    expect(walked.length).toBeGreaterThan(5);
    expect(c.data!.searchCatalog.totalCount).toBe(walked.length);
  });

  test('totalCount is the number of records reached by walking every page', async () => {
    const cases: [string | null, CatalogFilter | undefined][] = [
      ['nguyen', undefined],
      [null, { libraryCodes: ['BDI-PM'] }],
      ['lich su', { availableOnly: true }],
    ];
    for (const [q, filter] of cases) {
      const { hits } = await walk(q, filter, 7);
      expect((await counts(q, filter)).totalCount).toBe(hits.length);
    }
  });

  test('format counts and language counts each add up to totalCount', async () => {
    for (const q of ['nguyen', null, 'binh dinh']) {
      const c = await counts(q);
      expect(c.totalCount).toBeGreaterThan(0);
      expect(c.facets.formats.reduce((n, f) => n + f.count, 0)).toBe(c.totalCount);
      expect(c.facets.languages.reduce((n, l) => n + l.count, 0)).toBe(c.totalCount);
      expect(c.facets.formats.every((f) => f.count > 0)).toBe(true);
    }
  });

  test('library counts agree with the holdings of the matching records', async () => {
    const cases: [string, CatalogFilter | undefined][] = [
      ['nguyen du', undefined],
      ['lich su', { formats: ['BOOK'] }],
    ];
    for (const [q, filter] of cases) {
      const { hits } = await walk(q, filter, 100);
      expect(hits.length).toBeGreaterThan(0);
      const expected = new Map<string, number>();
      for (const h of hits) for (const x of h.node.holdings) expected.set(x.library.code, (expected.get(x.library.code) ?? 0) + 1);
      const c = await counts(q, filter);
      const actual = new Map(c.facets.libraries.map((l) => [l.library.code, l.count]));
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      // largest first
      const n = c.facets.libraries.map((l) => l.count);
      expect(n).toEqual([...n].sort((a, b) => b - a));
    }
  });
});

describe('pagination', () => {
  async function expectWalkEqualsOnePage(query: string | null, filter?: CatalogFilter) {
    const big = await search(query, { filter, first: 100 });
    expect(big.pageInfo.hasNextPage).toBe(false);
    expect(big.edges.length).toBeGreaterThan(14);
    const { hits, pages } = await walk(query, filter, 7);
    expect(pages).toBe(Math.ceil(big.edges.length / 7) || 1);
    expect(new Set(ids(hits)).size).toBe(hits.length);
    expect(ids(hits)).toEqual(ids(big.edges));
  }

  test('walking a text search 7 at a time gives every hit once, as one big page does', async () => {
    await expectWalkEqualsOnePage('nguyen');
  });

  test('walking a browse 7 at a time gives every record once, as one big page does', async () => {
    await expectWalkEqualsOnePage(null, { libraryCodes: ['BDI-PM'] });
    await expectWalkEqualsOnePage('', { formats: ['SERIAL', 'MAP', 'VIDEO', 'AUDIO', 'MANUSCRIPT', 'DIGITAL', 'OTHER'] });
  });

  test('the last page says there is no next page', async () => {
    const total = (await counts('nguyen')).totalCount;
    const exact = await search('nguyen', { first: total });
    expect(exact.edges).toHaveLength(total);
    expect(exact.pageInfo.hasNextPage).toBe(false);
    const after = await search('nguyen', { first: 7, after: exact.pageInfo.endCursor! });
    expect(after.edges).toHaveLength(0);
    expect(after.pageInfo.hasNextPage).toBe(false);
  });

  /**
   * Takes page 1, inserts records around its last cursor, continues: the continuation must be exactly
   * what a fresh walk has after the cursor's record (no record twice, no original skipped, new records
   * after the cursor included), and the new records must land on both sides of the cursor.
   */
  async function expectStableUnderInserts(query: string | null, filter: CatalogFilter | undefined, insert: () => Promise<string[]>) {
    const before = await walk(query, filter, 7);
    expect(before.pages).toBeGreaterThan(1);
    const page1 = await search(query, { filter, first: 7 });
    expect(ids(page1.edges)).toEqual(ids(before.hits.slice(0, 7)));
    const cursorRecord = page1.edges[6].node.id;

    const created = await insert();
    const rest = (await walk(query, filter, 7, page1.pageInfo.endCursor!)).hits;

    const seen = [...ids(page1.edges), ...ids(rest)];
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids(before.hits)) expect(seen).toContain(id);

    const fresh = ids((await walk(query, filter, 7)).hits);
    const at = fresh.indexOf(cursorRecord);
    expect(ids(rest)).toEqual(fresh.slice(at + 1));
    const sortsBefore = created.filter((id) => fresh.indexOf(id) < at);
    const sortsAfter = created.filter((id) => fresh.indexOf(id) > at);
    expect(sortsBefore.length).toBeGreaterThan(0);
    expect(sortsAfter.length).toBeGreaterThan(0);
    expect(sortsBefore.length + sortsAfter.length).toBe(created.length);
  }

  test('text search cursors stay right while matching records are added', async () => {
    for (let i = 1; i <= 4; i++) await createRecord({ title: `Pellucar tập ${i}` });
    for (let i = 1; i <= 4; i++) await createRecord({ title: `Sổ tay đi biển ${i}`, contributors: [{ name: 'Lê Pellucar' }] });
    for (let i = 1; i <= 4; i++) await createRecord({ title: `Ghi chép đồng quê ${i}`, subjects: ['Pellucar'] });
    await expectStableUnderInserts('pellucar', undefined, async () => [
      await createRecord({ title: 'Pellucar tập 5' }),
      await createRecord({ title: 'Pellucar' }),
      await createRecord({ title: 'Sổ tay đi biển 5', contributors: [{ name: 'Lê Pellucar' }] }),
      await createRecord({ title: 'Ghi chép đồng quê 5', subjects: ['Pellucar'] }),
      await createRecord({ title: 'Ghi chép đồng quê 6', subjects: ['Pellucar', 'Biển'] }),
      await createRecord({ title: 'Nhật ký', description: 'Viết ở Pellucar.' }),
    ]);
  });

  test('browse cursors stay right while records are added', async () => {
    for (const letter of 'ABCDEFGH') await createRecord({ title: `Bản đồ Kestrin ${letter}`, format: 'MAP' });
    await expectStableUnderInserts(null, { formats: ['MAP'] }, async () => [
      await createRecord({ title: 'Aardvark atlas', format: 'MAP' }),
      await createRecord({ title: 'Bản đồ Kestrin C2', format: 'MAP' }),
      await createRecord({ title: 'Bản đồ Kestrin G2', format: 'MAP' }),
      await createRecord({ title: 'Zebra atlas', format: 'MAP' }),
    ]);
  });
});

describe('SQL statements per request', () => {
  const cases: [string, string | null, CatalogFilter | undefined][] = [
    ['text search', 'nguyen', undefined],
    ['browse', null, undefined],
    ['filtered text search', 'viet nam', { libraryCodes: ['BDI-QN', 'BDI-AN'], availableOnly: true, yearFrom: 1980 }],
    ['filtered browse', null, { libraryCodes: ['BDI-PM'], formats: ['BOOK'] }],
  ];

  test.each(cases)('%s: 100 records with their holdings cost no more than 5 do, at most 4 statements', async (_l, query, filter) => {
    const big = await api.gql(SearchHoldingsProbeDocument, { query, filter, first: 100 });
    const small = await api.gql(SearchHoldingsProbeDocument, { query, filter, first: 5 });
    expect(big.data!.searchCatalog.edges.length).toBeGreaterThan(5);
    expect(small.data!.searchCatalog.edges).toHaveLength(5);
    const nBig = sqlStatements(big);
    const nSmall = sqlStatements(small);
    // the holdings bring their libraries; a parent library not among them costs one statement, for any page size
    expect(nBig).toBeLessThanOrEqual(nSmall);
    expect(nSmall).toBeLessThanOrEqual(4);
  });

  test.each(cases)('%s: with totalCount and facets, at most 6 statements', async (_l, query, filter) => {
    for (const first of [5, 100]) {
      const res = await api.gql(SearchFacetsProbeDocument, { query, filter, first });
      expect(res.data!.searchCatalog.totalCount).toBeGreaterThan(5);
      expect(sqlStatements(res)).toBeLessThanOrEqual(6);
    }
  });
});

describe('bad input', () => {
  test('first above 100 or below 0', async () => {
    for (const first of [101, -1]) {
      for (const query of ['kieu', null]) {
        expectBadInput(await api.gql(SearchPageDocument, { query, first }), 'first');
      }
    }
  });

  test('a malformed after', async () => {
    const notJson = Buffer.from('not json').toString('base64url');
    const wrongShape = Buffer.from(JSON.stringify(['search', 'x', 1])).toString('base64url');
    const notAList = Buffer.from(JSON.stringify({ kind: 'search' })).toString('base64url');
    for (const after of ['!!!', 'abc', notJson, wrongShape, notAList, 'A'.repeat(3000)]) {
      expectBadInput(await api.gql(SearchPageDocument, { query: 'kieu', after }), 'after');
    }
  });

  test('a cursor of another list', async () => {
    const browseCursor = (await search(null, { first: 1 })).edges[0].cursor;
    const searchCursor = (await search('kieu', { first: 1 })).edges[0].cursor;
    const libraries = await api.gql(LibrariesDocument, { first: 1 });
    const libraryCursor = libraries.data!.libraries.edges[0].cursor;
    expectBadInput(await api.gql(SearchPageDocument, { query: 'kieu', after: browseCursor }), 'after');
    expectBadInput(await api.gql(SearchPageDocument, { query: null, after: searchCursor }), 'after');
    expectBadInput(await api.gql(SearchPageDocument, { query: 'kieu', after: libraryCursor }), 'after');
    expectBadInput(await api.gql(SearchPageDocument, { query: null, after: libraryCursor }), 'after');
  });

  test('an unknown library code is named', async () => {
    const res = await api.gql(SearchPageDocument, { query: 'kieu', filter: { libraryCodes: ['BDI-QN', 'NOPE-42'] } });
    expect(expectBadInput(res, 'filter.libraryCodes')).toContain('NOPE-42');
    const browse = await api.gql(SearchPageDocument, { query: null, filter: { libraryCodes: ['NOPE-42'], availableOnly: true } });
    expect(expectBadInput(browse, 'filter.libraryCodes')).toContain('NOPE-42');
  });

  test('a 600-character query', async () => {
    const res = await api.gql(SearchPageDocument, { query: 'kieu '.repeat(120) });
    expectBadInput(res, 'query');
    // as one long word, too
    expectBadInput(await api.gql(SearchPageDocument, { query: 'a'.repeat(600) }), 'query');
  });
});
