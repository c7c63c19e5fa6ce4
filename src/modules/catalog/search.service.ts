import type { Context } from '../../server/context';
import { badInput } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText } from '../../common/text';
import { fromRow } from '../../db/rows';
import { Raw, pgArray, query } from '../../db/sql';
import { librariesService } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import { isbnQuery } from './isbn';
import { LIBRARY_JSON, RECORD_COLUMNS, primeLibrary } from './catalog.loaders';
import { lexemeStats } from './search-stats';
import { BibliographicRecord, RecordFormat } from './record.entity';

export interface CatalogSearchFilter {
  libraryCodes?: string[] | null;
  formats?: RecordFormat[] | null;
  languages?: string[] | null;
  yearFrom?: number | null;
  yearTo?: number | null;
  availableOnly?: boolean | null;
  access?: ('PHYSICAL' | 'ONLINE')[] | null;
}

export interface SearchHit {
  record: BibliographicRecord;
  score: number | null;
}

export interface SearchFacetsResult {
  libraries: { library: Library; count: number }[];
  formats: { format: RecordFormat; count: number }[];
  languages: { language: string | null; count: number }[];
  access: { access: 'PHYSICAL' | 'ONLINE'; count: number }[];
}

export interface SearchResult extends Page<BibliographicRecord> {
  edges: { cursor: string; node: BibliographicRecord; score: number | null }[];
  readonly totalCount: Promise<number>;
  readonly totalCountExact: Promise<boolean>;
  readonly facets: Promise<SearchFacetsResult & { exact: boolean }>;
}

export { RECORD_COLUMNS };

const MAX_QUERY = 500;
const MAX_WORDS = 32;

/**
 * Relevance, highest first (each tier outweighs everything below it; ts_rank_cd breaks ties):
 * whole title = query (32), query as a phrase in the title or subtitle (16), every word in the title
 * (8), phrase in a contributor's name (4), every word in contributors (2), every word in subjects (1).
 */
const SCORE = `(
    case when r.title_phrase = q.ph then 32 else 0 end
  + case when strpos(r.fulltitle_phrase, q.ph) > 0 then 16 else 0 end
  + case when r.search_vector @@ q.tq_a then 8 else 0 end
  + case when strpos(r.contributors_phrase, q.ph) > 0 then 4 else 0 end
  + case when r.search_vector @@ q.tq_b then 2 else 0 end
  + case when r.search_vector @@ q.tq_c then 1 else 0 end
  + ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', r.search_vector, q.tsq, 32)
)::float8`;


/** Default of SEARCH_NARROW_CAP: a query matching more records is "broad" (see `search`). */
export const DEFAULT_NARROW_CAP = 1500;
/** Statistics-based estimate above which a query goes straight to the broad plan. */
export const BROAD_ESTIMATE = 10_000;
/** Share of the catalog above which a word counts as frequent (for the guarded broad attempt). */
const FREQUENT_WORD = 0.04;
/** Time a guarded broad attempt may take before the exact plan is used instead. */
const GUARD_MS = 40;
/** Matches aimed for in the sample of a broad query's estimated count and facets (±5 % or so). */
const FACET_SAMPLE = 400;
/** Most rows a broad query's sample reads. */
const SAMPLE_ROWS = 8000;

type Mode =
  | { kind: 'browse' }
  | { kind: 'isbn'; isbn: string }
  | { kind: 'text'; q: string; capped: boolean }
  | { kind: 'broad'; q: string; estimate: number; guarded?: boolean };

export class SearchService {
  /** Most matches ranked exactly (SEARCH_NARROW_CAP). */
  narrowCap = DEFAULT_NARROW_CAP;

  /**
   * Searches the union catalog (or browses it by title with an empty query).
   *
   * Narrow queries (at most `narrowCap` matches: most) are ranked exactly by SCORE. Broad ones (e.g.
   * "viet nam" in half the catalog; known from the statistics or from overflowing the cap while
   * ranking the first page) cannot be scored row by row
   * within a page's time budget, so they list records whose whole title is the query first (by
   * score), then every other match newest first (year, then id) through an index that stops after
   * one page. Either way walking the pages returns every match once. Their totalCount and facets are
   * estimated from a fixed sample of the table (`totalCountExact` / `facets.exact` say so).
   */
  async search(
    ctx: Context,
    rawQuery: string | null | undefined,
    filter: CatalogSearchFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<SearchResult> {
    const limit = pageSize(first);
    const q = cleanText(rawQuery, { field: 'query', max: MAX_QUERY });
    let mode = this.mode(q);
    // the cursor decides how a walk continues (statistics may have changed since its first page)
    const kinds = mode.kind === 'browse' ? ['browse'] : mode.kind === 'isbn' ? ['search'] : ['search', 'broad'];
    const cursor = decodeCursorOf(kinds, after);
    if (cursor && (mode.kind === 'text' || mode.kind === 'broad')) {
      mode = cursor.kind === 'broad' ? { kind: 'broad', q: mode.q, estimate: BROAD_ESTIMATE } : { kind: 'text', q: mode.q, capped: false };
    }
    const { where, params } = await this.filters(ctx, filter);
    const { sql, bindings } =
      mode.kind === 'browse'
        ? this.browseSql(where, params, cursor?.key ?? null, limit)
        : mode.kind === 'broad'
          ? this.broadSql(mode.q, where, params, cursor?.key ?? null, limit)
          : this.rankedSql(mode, where, params, cursor?.key ?? null, limit);
    let rows: Record<string, unknown>[] | null;
    if (mode.kind === 'broad' && mode.guarded && !cursor) {
      rows = await this.guarded(ctx, sql, bindings);
      if (rows === null) {
        // the words seldom meet after all: scanning for them in date order is the slow way, rank them exactly
        mode = { kind: 'text', q: mode.q, capped: true };
        const ranked = this.rankedSql(mode, where, params, null, limit);
        rows = await query<Record<string, unknown>>(ctx.em, ranked.sql, ranked.bindings);
      }
    } else {
      rows = await query<Record<string, unknown>>(ctx.em, sql, bindings);
    }
    if (mode.kind === 'text' && mode.capped && rows.length > 0 && Number(rows[0].n_matches) > this.narrowCap) {
      // more matches than exact ranking can afford: this is a broad query after all
      mode = { kind: 'broad', q: mode.q, estimate: Math.max(lexemeStats.estimate(mode.q) ?? 0, this.narrowCap * 10) };
      const broad = this.broadSql(mode.q, where, params, null, limit);
      rows = await query<Record<string, unknown>>(ctx.em, broad.sql, broad.bindings);
    }
    const hits = rows.map((row) => {
      const score = row.score === null || row.score === undefined ? null : Number(row.score);
      const sortKey = row.sort_key as string | undefined;
      const phase = row.phase === undefined ? null : Number(row.phase);
      const yk = row.yk === undefined || row.yk === null ? null : Number(row.yk);
      for (const k of ['score', 'sort_key', 'phase', 'yk', 'n_matches']) delete row[k];
      const record = fromRow(ctx.em, BibliographicRecord, row);
      ctx.loaders.recordById.prime(record.id, record);
      return { record, score, sortKey, phase, yk };
    });
    const cursorOf = (h: (typeof hits)[number]) => {
      if (mode.kind === 'browse') return encodeCursor('browse', [h.sortKey, h.record.id]);
      if (mode.kind === 'broad') return encodeCursor('broad', h.phase === 0 ? [0, h.score, h.record.id] : [1, h.yk, h.record.id]);
      return encodeCursor('search', [h.score, h.record.id]);
    };
    const page = toPage(hits, limit, cursorOf, (h) => h);

    let facets: Promise<{ total: number; exact: boolean; facets: SearchFacetsResult }> | null = null;
    const loadFacets = () => (facets ??= this.facets(ctx, mode, where, params));
    return {
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: e.node.record, score: e.node.score })),
      pageInfo: page.pageInfo,
      get totalCount() {
        return loadFacets().then((f) => f.total);
      },
      get totalCountExact() {
        return loadFacets().then((f) => f.exact);
      },
      get facets() {
        return loadFacets().then((f) => ({ ...f.facets, exact: f.exact }));
      },
    };
  }

  private mode(q: string | null): Mode {
    if (q === null || !/[\p{L}\p{N}]/u.test(q)) return { kind: 'browse' };
    const isbn = isbnQuery(q);
    if (isbn) return { kind: 'isbn', isbn };
    const words = q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (words.length > MAX_WORDS) throw badInput(`query has more than ${MAX_WORDS} words`, 'query');
    // a catalog no larger than the exact-ranking cap is always ranked exactly: the broad plan's sampled
    // counts would be noise on a few hundred rows
    if (lexemeStats.catalogRows <= this.narrowCap) return { kind: 'text', q, capped: true };
    const estimate = lexemeStats.estimate(q);
    if (estimate !== null && estimate > BROAD_ESTIMATE) return { kind: 'broad', q, estimate };
    // several words that are each frequent usually occur together ("lich su", "viet nam"): the estimate,
    // which assumes independence, undercounts them. Try the broad plan first, under a time guard.
    if (new Set(words).size >= 2 && lexemeStats.allFrequent(q, FREQUENT_WORD)) {
      return { kind: 'broad', q, estimate: Math.max(estimate ?? 0, BROAD_ESTIMATE), guarded: true };
    }
    return { kind: 'text', q, capped: true };
  }

  /** Runs a broad first page with a short statement timeout; null when it ran out of time. */
  private async guarded(ctx: Context, sql: string, bindings: unknown[]): Promise<Record<string, unknown>[] | null> {
    try {
      return await ctx.em.transactional(async (em) => {
        await query(em, `set local statement_timeout = ${GUARD_MS}`);
        return query<Record<string, unknown>>(em, sql, bindings);
      });
    } catch (err) {
      if ((err as { code?: string }).code === '57014') return null; // query_canceled by the timeout
      throw err;
    }
  }

  private browseSql(where: string[], params: unknown[], key: unknown[] | null, limit: number) {
    const keyset: string[] = [];
    const keyParams: unknown[] = [];
    if (key) {
      if (key.length !== 2 || typeof key[0] !== 'string' || !Number.isSafeInteger(key[1])) throw badCursor();
      keyset.push('(r.title_phrase, r.id) > (?, ?)');
      keyParams.push(key[0], key[1]);
    }
    return {
      sql: `select ${RECORD_COLUMNS}, r.title_phrase as sort_key, null::float8 as score
              from bib_records r where ${[...where, ...keyset].join(' and ')}
             order by r.title_phrase, r.id limit ?`,
      bindings: [...params, ...keyParams, limit + 1],
    };
  }

  /** Exact ranking: score every match, keep one page, then fetch only that page's records. */
  private rankedSql(mode: Mode & { kind: 'text' | 'isbn' }, where: string[], params: unknown[], key: unknown[] | null, limit: number) {
    const keyset: string[] = [];
    const keyParams: unknown[] = [];
    if (key) {
      if (key.length !== 2 || typeof key[0] !== 'number' || !Number.isSafeInteger(key[1])) throw badCursor();
      keyset.push('(h.score, h.id) < (?::float8, ?)');
      keyParams.push(key[0], key[1]);
    }
    const isbn = mode.kind === 'isbn';
    // the first page of a text query scores at most narrowCap + 1 matches and says how many it saw
    const capped = mode.kind === 'text' && mode.capped && !key;
    return {
      sql: `with q as materialized (${isbn ? 'select null::tsquery tsq' : QUERY_SQL}),
            h as ${capped || isbn ? 'materialized' : ''} (
              select r.id, ${isbn ? '1::float8' : SCORE} as score from bib_records r, q
               where ${isbn ? 'r.isbns @> array[?]::text[]' : 'r.search_vector @@ q.tsq'} and ${where.join(' and ')}
               ${capped ? `limit ${this.narrowCap + 1}` : ''}
            ),
            top as (
              select h.id, h.score from h ${keyset.length ? `where ${keyset.join(' and ')}` : ''}
               order by h.score desc, h.id desc limit ?
            )
            select ${RECORD_COLUMNS}, top.score${capped ? ', (select count(*) from h) n_matches' : ''}
              from top join bib_records r on r.id = top.id
             order by top.score desc, top.id desc`,
      bindings: [...(isbn ? [mode.isbn] : queryParams(mode.q)), ...params, ...keyParams, limit + 1],
    };
  }

  /**
   * Broad queries: phase 0, records whose whole title is the query, by score; phase 1, every other
   * match newest first, read in (year, id) index order and stopping after a page.
   */
  private broadSql(q: string, where: string[], params: unknown[], key: unknown[] | null, limit: number) {
    const phase = key ? key[0] : 0;
    if (key && (key.length !== 3 || (phase !== 0 && phase !== 1) || !Number.isSafeInteger(key[2]))) throw badCursor();
    if (key && phase === 0 && typeof key[1] !== 'number') throw badCursor();
    if (key && phase === 1 && !Number.isSafeInteger(key[1])) throw badCursor();
    const parts: string[] = [];
    const bindings: unknown[] = [...queryParams(q)];
    if (phase === 0) {
      parts.push(`(select p0.id, 0 phase, p0.score, null::int yk from (
          select r.id, ${SCORE} as score from bib_records r, q
           where r.title_phrase = q.ph and r.search_vector @@ q.tsq and ${where.join(' and ')}) p0
         ${key ? 'where (p0.score, p0.id) < (?::float8, ?)' : ''}
         order by p0.score desc, p0.id desc limit ?)`);
      bindings.push(...params, ...(key ? [key[1], key[2]] : []), limit + 1);
    }
    // coalesce() keeps the planner off the GIN index here: for a broad query, reading the (year, id)
    // index and testing each row finds a page within a few hundred rows, where a bitmap of every match
    // would cost hundreds of milliseconds
    parts.push(`(select r.id, 1 phase, null::float8 score, coalesce(r.year, -1) yk from bib_records r, q
        where coalesce(r.search_vector, ''::tsvector) @@ q.tsq and r.title_phrase <> q.ph and ${where.join(' and ')}
          ${phase === 1 ? 'and (coalesce(r.year, -1), r.id) < (?, ?)' : ''}
        order by coalesce(r.year, -1) desc, r.id desc limit ?)`);
    bindings.push(...params, ...(phase === 1 ? [key![1], key![2]] : []), limit + 1);
    return {
      sql: `with q as materialized (${QUERY_SQL}),
            page as (${parts.join(' union all ')})
            select ${RECORD_COLUMNS}, page.phase, page.score, page.yk from page join bib_records r on r.id = page.id
             order by page.phase, page.score desc nulls last, page.yk desc, page.id desc limit ?`,
      bindings: [...bindings, limit + 1],
    };
  }

  private async filters(ctx: Context, f: CatalogSearchFilter): Promise<{ where: string[]; params: unknown[] }> {
    const where = ['r.merged_into_id is null'];
    const params: unknown[] = [];
    if (f.formats?.length) {
      where.push('r.format = any(?)');
      params.push(pgArray(ctx.em, f.formats, 'text'));
    }
    if (f.languages?.length) {
      const langs = f.languages.map((l) => {
        const v = l.trim().toLowerCase();
        if (!/^[a-z]{2,3}$/.test(v)) throw badInput(`${l} is not an ISO 639 language code`, 'filter.languages');
        return v;
      });
      where.push('r.language = any(?)');
      params.push(pgArray(ctx.em, langs, 'text'));
    }
    for (const [key, op] of [
      ['yearFrom', '>='],
      ['yearTo', '<='],
    ] as const) {
      const y = f[key];
      if (y !== null && y !== undefined) {
        if (!Number.isInteger(y) || y < 0 || y > 9999) throw badInput(`${key} must be a year`, `filter.${key}`);
        where.push(`r.year ${op} ?`);
        params.push(y);
      }
    }
    let libs: Raw | null = null;
    if (f.libraryCodes?.length) {
      if (f.libraryCodes.length > 500) throw badInput('at most 500 library codes', 'filter.libraryCodes');
      const found = await librariesService.requireCodes(ctx, f.libraryCodes, 'filter.libraryCodes');
      libs = pgArray(ctx.em, found.map((l) => l.id), 'bigint');
    }
    if (libs || f.availableOnly) {
      const conds = ['h.record_id = r.id', f.availableOnly ? 'h.available > 0' : 'h.total > 0'];
      if (libs) {
        conds.push('h.library_id = any(?)');
        params.push(libs);
      }
      where.push(`exists (select 1 from record_holdings h where ${conds.join(' and ')})`);
    }
    if (f.access?.length) {
      // digital library: PHYSICAL = copies held, ONLINE = published e-resources (record_holdings.online)
      const modes = [...new Set(f.access)].map((a) => (a === 'ONLINE' ? 'h.online > 0' : 'h.total > 0'));
      where.push(`exists (select 1 from record_holdings h where h.record_id = r.id and (${modes.join(' or ')}))`);
    }
    return { where, params };
  }

  /** Count and facets: exact for narrow queries, from a fixed table sample for broad ones. */
  private async facets(
    ctx: Context,
    mode: Mode,
    where: string[],
    params: unknown[],
  ): Promise<{ total: number; exact: boolean; facets: SearchFacetsResult }> {
    const match = mode.kind === 'isbn' ? 'r.isbns @> array[?]::text[]' : mode.kind === 'browse' ? 'true' : 'r.search_vector @@ q.tsq';
    const qSql = mode.kind === 'text' || mode.kind === 'broad' ? 'select sn_search_query(?) tsq' : 'select null::tsquery tsq';
    // broad: a repeatable page sample sized to hold about FACET_SAMPLE matches, scaled up
    // ... and reading at most about SAMPLE_ROWS rows, whatever the estimate
    const rowsCap = lexemeStats.catalogRows > 0 ? (100 * SAMPLE_ROWS) / lexemeStats.catalogRows : 100;
    // (the estimate never exceeds the catalog: a guarded broad query on a small catalog reads all of it, not an empty sample)
    const matches = lexemeStats.catalogRows > 0 ? Math.min(mode.kind === 'broad' ? mode.estimate : 0, lexemeStats.catalogRows) : mode.kind === 'broad' ? mode.estimate : 0;
    const percent = mode.kind === 'broad' ? Math.min(100, rowsCap, Math.max(0.2, (100 * FACET_SAMPLE) / Math.max(1, matches))) : 100;
    const sample = percent < 100 ? `tablesample system (${percent.toFixed(4)}) repeatable (7)` : '';
    const bindings = [
      ...(mode.kind === 'text' || mode.kind === 'broad' ? [mode.q] : []),
      ...(mode.kind === 'isbn' ? [mode.isbn] : []),
      ...params,
    ];
    // the library facet brings its libraries (to_jsonb of the row), so naming them costs no further statement
    const rows = await query<{ k: string; v: string | null; n: string; lib: Record<string, unknown> | null }>(
      ctx.em,
      `with q as materialized (${qSql}),
       m as materialized (select r.id, r.format, r.language from bib_records r ${sample}, q where ${match} and ${where.join(' and ')}),
       -- the matches' holdings, read once for the library and the access facets
       h as materialized (select h.record_id, h.library_id, h.total > 0 physical, h.online > 0 online
                            from m join record_holdings h on h.record_id = m.id where h.total > 0 or h.online > 0)
       select 'total' k, null v, count(*) n, null::jsonb lib from m
       union all select 'format', format, count(*), null from m group by format
       union all select 'language', language, count(*), null from m group by language
       union all select 'library', c.library_id::text, c.n, ${LIBRARY_JSON}
                   from (select library_id, count(*) n from h where physical group by library_id) c
                   join libraries l on l.id = c.library_id
       union all select 'access', 'PHYSICAL', count(distinct record_id), null from h where physical having count(*) > 0
       union all select 'access', 'ONLINE', count(distinct record_id), null from h where online having count(*) > 0`,
      bindings,
    );
    const scale = (n: number) => (percent < 100 ? Math.round((n * 100) / percent) : n);
    let total = 0;
    const formats: SearchFacetsResult['formats'] = [];
    const languages: SearchFacetsResult['languages'] = [];
    const libraryCounts: { id: number; count: number }[] = [];
    const access: SearchFacetsResult['access'] = [];
    for (const r of rows) {
      const n = scale(Number(r.n));
      if (r.k === 'total') total = n;
      else if (r.k === 'format') formats.push({ format: r.v as RecordFormat, count: n });
      else if (r.k === 'language') languages.push({ language: r.v, count: n });
      else if (r.k === 'access') access.push({ access: r.v as 'PHYSICAL' | 'ONLINE', count: n });
      else {
        libraryCounts.push({ id: Number(r.v), count: n });
        primeLibrary(ctx.em, ctx.loaders.libraryById, r);
      }
    }
    const libs = await ctx.loaders.libraryById.loadMany(libraryCounts.map((l) => l.id));
    const libraries = libraryCounts
      .map((l, i) => ({ library: libs[i] as Library, count: l.count }))
      .filter((l) => l.library && !(l.library instanceof Error));
    const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
    libraries.sort((a, b) => b.count - a.count || a.library.code.localeCompare(b.library.code));
    return {
      total,
      exact: percent >= 100,
      facets: { libraries, formats: formats.sort(byCount), languages: languages.sort(byCount), access: access.sort(byCount) },
    };
  }
}

const QUERY_SQL = `select sn_search_query(?) tsq, sn_search_query(?, 'A') tq_a, sn_search_query(?, 'B') tq_b,
                          sn_search_query(?, 'C') tq_c, sn_phrase(sn_correct(?)) ph`;

function queryParams(q: string): string[] {
  return [q, q, q, q, q];
}

function badCursor() {
  return badInput('after is not a valid cursor', 'after');
}

/** Decodes a cursor that must be of one of these kinds; returns its kind and key. */
function decodeCursorOf(kinds: string[], after: string | null | undefined): { kind: string; key: unknown[] } | null {
  if (after === null || after === undefined || after === '') return null;
  let lastError: unknown = null;
  for (const kind of kinds) {
    try {
      const key = decodeCursor(kind, after);
      if (key) return { kind, key };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

export const searchService = new SearchService();
