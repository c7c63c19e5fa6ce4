import ISBN from 'isbn3';
import { Client } from 'pg';
import { toGlobalId } from '../../src/common/ids';
import { fold } from '../../src/common/text';
import type { GqlRequest } from './load';
import { FOREIGN_AUTHORS, RARE_WORDS, STOP_WORDS } from './words';

/** A search page of 20 with the holdings summary, as a catalogue front end shows it. */
export const SEARCH_PAGE = `query BenchSearch($query: String, $filter: CatalogFilter) {
  searchCatalog(query: $query, filter: $filter, first: 20) {
    edges { cursor score node {
      id title subtitle year format contributors { name role } availableCount
      holdings { library { code name } totalCount availableCount }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The same page with the total and the facets. */
export const SEARCH_FACETS = `query BenchSearchFacets($query: String, $filter: CatalogFilter) {
  searchCatalog(query: $query, filter: $filter, first: 20) {
    totalCount
    facets { libraries { library { code name } count } formats { format count } languages { language count } }
    edges { cursor score node {
      id title subtitle year format contributors { name role } availableCount
      holdings { library { code name } totalCount availableCount }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** A record's page: holdings and the first 20 copies of each holding library. */
export const RECORD_DETAIL = `query BenchRecord($id: ID!) {
  record(id: $id) {
    id title subtitle contributors { name role } publisher place year edition isbns language subjects ddc format description
    availableCount totalCount libraryCount
    holdings {
      library { code name } totalCount availableCount
      items(first: 20) { edges { node { id barcode status location callNumber loanable lendable } } pageInfo { hasNextPage endCursor } }
    }
  }
}`;

export interface Pools {
  /** Most frequent title words (diacritics kept), with their share of sampled titles. */
  common: { word: string; share: number }[];
  /** The 40 most frequent title words. */
  commonWide: string[];
  pairs: string[];
  rare: { word: string; count: number }[];
  phrases: string[];
  isbns: string[];
  typos: { typo: string; of: string }[];
  districts: { code: string; codes: string[] }[];
  maxRecordId: number;
  sampled: number;
}

export interface Shape {
  name: string;
  what: string;
  next(): GqlRequest;
  /** Whether a response had at least one hit (search) or a record (detail). */
  hit(data: unknown): boolean;
}

const pick = <T>(a: readonly T[]): T => a[Math.floor(Math.random() * a.length)];

function words(title: string): string[] {
  return title.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function hyphenate(isbn13: string): string {
  const h = ISBN.hyphenate(isbn13);
  return h ?? `${isbn13.slice(0, 3)}-${isbn13.slice(3, 6)}-${isbn13.slice(6, 9)}-${isbn13.slice(9, 12)}-${isbn13.slice(12)}`;
}

/** One-edit misspellings of `w` (deletion, transposition, substitution) that keep its first letter. */
function typosOf(w: string): string[] {
  const out = new Set<string>();
  const letters = 'aeiouyhnmtcgrlsk';
  for (let n = 0; n < 6; n++) {
    const i = 1 + Math.floor(Math.random() * (w.length - 2));
    const kind = n % 3;
    if (kind === 0) out.add(w.slice(0, i) + w.slice(i + 1));
    else if (kind === 1) out.add(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));
    else out.add(w.slice(0, i) + letters[Math.floor(Math.random() * letters.length)] + w.slice(i + 1));
  }
  out.delete(w);
  return [...out];
}

/** Builds the query pools from the generated data, so every request can use different terms. */
export async function buildPools(c: Client, records: number): Promise<Pools> {
  const pct = Math.min(100, (20000 * 100) / Math.max(1, records));
  const titles = (await c.query<{ title: string }>(`select title from bib_records tablesample bernoulli(${pct}) repeatable (42)`)).rows.map((r) => r.title);

  const df = new Map<string, number>();
  for (const t of titles) for (const w of new Set(words(t.toLowerCase()))) df.set(w, (df.get(w) ?? 0) + 1);
  const ranked = [...df.entries()].filter(([w]) => w.length >= 2 && !STOP_WORDS.has(w) && !/^\d+$/.test(w)).sort((a, b) => b[1] - a[1]);
  const common = ranked.slice(0, 10).map(([word, n]) => ({ word, share: n / titles.length }));
  const commonWide = ranked.slice(0, 40).map(([w]) => w);
  const top20 = ranked.slice(0, 20).map(([w]) => w);
  const pairs: string[] = [];
  for (let i = 0; i < top20.length; i++) for (let j = i + 1; j < top20.length; j++) pairs.push(`${top20[i]} ${top20[j]}`);

  // Rare words: the listed rare terms (tens of records per million) and words of the invented long
  // tail drawn from the lexicon (one to a few records each).
  const tail = (
    await c.query<{ word: string }>(`select word from search_lexicon where length(word) >= 7 and word ~ '^[a-z]+$' order by random() limit 300`)
  ).rows.map((r) => r.word);
  const rare: Pools['rare'] = [];
  for (const w of new Set([...RARE_WORDS.map((x) => x.toLowerCase()), ...tail])) {
    const r = await c.query<{ n: string }>(
      'select count(*) n from bib_records r where r.merged_into_id is null and r.search_vector @@ sn_search_query($1)',
      [w],
    );
    const n = Number(r.rows[0].n);
    if (n >= 1 && n <= 500) rare.push({ word: w, count: n });
  }

  const phrases: string[] = [];
  for (const t of titles.slice(0, 2000)) {
    const ws = words(fold(t));
    if (ws.length < 2) continue;
    const len = Math.min(ws.length, 2 + Math.floor(Math.random() * 2));
    const start = Math.floor(Math.random() * (ws.length - len + 1));
    phrases.push(ws.slice(start, start + len).join(' '));
  }

  const maxRecordId = Number((await c.query<{ m: string }>('select coalesce(max(id), 0) m from bib_records')).rows[0].m);
  const ids = Array.from({ length: 3000 }, () => 1 + Math.floor(Math.random() * maxRecordId));
  const isbns = (
    await c.query<{ i: string }>('select isbns[1] i from bib_records where id = any($1::bigint[]) and cardinality(isbns) > 0', [ids])
  ).rows.map((r) => hyphenate(r.i));

  // Longer words: folded title syllables of six letters or more, and foreign authors' names.
  const longWords = [
    ...ranked.map(([w]) => fold(w)).filter((w) => w.length >= 6 && /^[a-z]+$/.test(w)).slice(0, 60),
    ...[...new Set(FOREIGN_AUTHORS.flatMap((a) => words(fold(a))))].filter((w) => w.length >= 7),
    ...tail.slice(0, 60),
  ];
  const candidates = longWords.flatMap((w) => typosOf(w).map((typo) => ({ typo, of: w })));
  const known = new Set(
    (await c.query<{ word: string }>('select word from search_lexicon where word = any($1::text[])', [candidates.map((t) => t.typo)])).rows.map(
      (r) => r.word,
    ),
  );
  const typos = candidates.filter((t) => !known.has(t.typo) && t.typo.length >= 5);

  const districts = (
    await c.query<{ code: string; codes: string[] }>(
      `select d.code, array_agg(l.code order by l.code) codes
         from libraries d join libraries l on l.id = d.id or l.parent_id = d.id
        where d.kind = 'DISTRICT' group by d.code order by d.code`,
    )
  ).rows;

  return { common, commonWide, pairs, rare, phrases, isbns, typos, districts, maxRecordId, sampled: titles.length };
}

const searchHit = (data: unknown) => ((data as { searchCatalog?: { edges?: unknown[] } })?.searchCatalog?.edges?.length ?? 0) > 0;
const search = (query: string | null, filter?: Record<string, unknown>): GqlRequest => ({ query: SEARCH_PAGE, variables: { query, filter } });

const BROWSE_FORMATS = ['BOOK', 'BOOK', 'BOOK', 'SERIAL', 'SERIAL', 'AUDIO', 'VIDEO', 'MAP', 'DIGITAL', 'MANUSCRIPT', 'OTHER'];

/** Every query shape of the benchmark, in the order they run. */
export function shapes(p: Pools): Shape[] {
  const list: Shape[] = [
    {
      name: 'common',
      what: `one of the 10 most frequent title words (${p.common.slice(0, 3).map((c) => `"${c.word}" ${(c.share * 100).toFixed(0)} %`).join(', ')}…)`,
      next: () => search(pick(p.common).word),
      hit: searchHit,
    },
    { name: 'two-common', what: 'two of the 20 most frequent title words', next: () => search(pick(p.pairs)), hit: searchHit },
    {
      name: 'rare',
      what: `a rare word (${p.rare.length} words, ${p.rare.length ? Math.min(...p.rare.map((r) => r.count)) : 0}-${p.rare.length ? Math.max(...p.rare.map((r) => r.count)) : 0} records each)`,
      next: () => search(pick(p.rare).word),
      hit: searchHit,
    },
    { name: 'no-diacritics', what: '2-3 consecutive title words without diacritics', next: () => search(pick(p.phrases)), hit: searchHit },
    { name: 'isbn', what: 'an existing ISBN-13, hyphenated', next: () => search(pick(p.isbns)), hit: searchHit },
    { name: 'typo', what: 'a one-letter typo of a word of 6+ letters', next: () => search(pick(p.typos).typo), hit: searchHit },
    {
      name: 'filtered',
      what: 'a top-40 word + libraryCodes of one district (district and its libraries) + availableOnly',
      next: () => search(pick(p.commonWide), { libraryCodes: pick(p.districts).codes, availableOnly: true }),
      hit: searchHit,
    },
    { name: 'browse', what: 'no query, one format (browse by title)', next: () => search(null, { formats: [pick(BROWSE_FORMATS)] }), hit: searchHit },
    {
      name: 'facets',
      what: 'a top-40 word with totalCount and facets',
      next: () => ({ query: SEARCH_FACETS, variables: { query: pick(p.commonWide) } }),
      hit: searchHit,
    },
    {
      name: 'record',
      what: 'record(id) of a random record with holdings and items(first: 20)',
      next: () => ({ query: RECORD_DETAIL, variables: { id: toGlobalId('BibliographicRecord', 1 + Math.floor(Math.random() * p.maxRecordId)) } }),
      hit: (data) => Boolean((data as { record?: unknown })?.record),
    },
  ];
  return list.filter((s) => {
    if (s.name === 'rare') return p.rare.length > 0;
    if (s.name === 'isbn') return p.isbns.length > 0;
    if (s.name === 'typo') return p.typos.length > 0;
    if (s.name === 'filtered') return p.districts.length > 0;
    return true;
  });
}

/** The closed-loop run's traffic: plain searches drawn from the common, two-word, rare and phrase pools. */
export function plainSearchMix(p: Pools): () => GqlRequest {
  const sources = [() => pick(p.common).word, () => pick(p.pairs), () => pick(p.phrases), ...(p.rare.length ? [() => pick(p.rare).word] : [])];
  return () => search(pick(sources)());
}

export const SHAPE_NAMES = ['common', 'two-common', 'rare', 'no-diacritics', 'isbn', 'typo', 'filtered', 'browse', 'facets', 'record'];
