import type { Context } from '../../server/context';
import { badInput } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText } from '../../common/text';
import { Raw, pgArray, query } from '../../db/sql';
import { librariesService } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import { isbnQuery } from './isbn';
import { BibliographicRecord, RecordFormat } from './record.entity';

export interface CatalogSearchFilter {
  libraryCodes?: string[] | null;
  formats?: RecordFormat[] | null;
  languages?: string[] | null;
  yearFrom?: number | null;
  yearTo?: number | null;
  availableOnly?: boolean | null;
}

export interface SearchHit {
  record: BibliographicRecord;
  score: number | null;
}

export interface SearchFacetsResult {
  libraries: { library: Library; count: number }[];
  formats: { format: RecordFormat; count: number }[];
  languages: { language: string | null; count: number }[];
}

export interface SearchResult extends Page<BibliographicRecord> {
  edges: { cursor: string; node: BibliographicRecord; score: number | null }[];
  readonly totalCount: Promise<number>;
  readonly facets: Promise<SearchFacetsResult>;
}

/** Columns of the entity (the generated search columns stay in the database). */
export const RECORD_COLUMNS = `r.id, r.title, r.subtitle, r.contributors, r.publisher, r.place, r.year, r.edition,
  r.isbns, r.issn, r.language, r.subjects, r.ddc, r.format, r.description, r.merged_into_id, r.created_at, r.updated_at`;

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

type Mode = { kind: 'browse' } | { kind: 'text'; q: string } | { kind: 'isbn'; isbn: string };

export class SearchService {
  /** Searches the union catalog (or browses it with an empty query). */
  async search(
    ctx: Context,
    rawQuery: string | null | undefined,
    filter: CatalogSearchFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<SearchResult> {
    const limit = pageSize(first);
    const q = cleanText(rawQuery, { field: 'query', max: MAX_QUERY });
    const mode = this.mode(q);
    const cursor = decodeCursor(mode.kind === 'browse' ? 'browse' : 'search', after);
    const { where, params } = await this.filters(ctx, filter);

    let sql: string;
    let bindings: unknown[];
    const qParams = mode.kind === 'text' ? [mode.q, mode.q, mode.q, mode.q, mode.q] : [];
    if (mode.kind === 'browse') {
      const keyset: string[] = [];
      const keyParams: unknown[] = [];
      if (cursor) {
        if (cursor.length !== 2 || typeof cursor[0] !== 'string' || !Number.isSafeInteger(cursor[1])) {
          throw badInput('after is not a valid cursor', 'after');
        }
        keyset.push('(r.title_phrase, r.id) > (?, ?)');
        keyParams.push(cursor[0], cursor[1]);
      }
      sql = `select ${RECORD_COLUMNS}, r.title_phrase as sort_key, null::float8 as score
               from bib_records r where ${[...where, ...keyset].join(' and ')}
              order by r.title_phrase, r.id limit ?`;
      bindings = [...params, ...keyParams, limit + 1];
    } else {
      const keyset: string[] = [];
      const keyParams: unknown[] = [];
      if (cursor) {
        if (cursor.length !== 2 || typeof cursor[0] !== 'number' || !Number.isSafeInteger(cursor[1])) {
          throw badInput('after is not a valid cursor', 'after');
        }
        keyset.push('(h.score, h.id) < (?::float8, ?)');
        keyParams.push(cursor[0], cursor[1]);
      }
      const match = mode.kind === 'isbn' ? 'r.isbns @> array[?]::text[]' : 'r.search_vector @@ q.tsq';
      const score = mode.kind === 'isbn' ? '1::float8' : SCORE;
      const matchParams = mode.kind === 'isbn' ? [mode.isbn] : [];
      sql = `with q as materialized (${this.querySql(mode)}),
             h as (
               select r.id, ${score} as score from bib_records r, q
                where ${match} and ${where.join(' and ')}
             )
             select ${RECORD_COLUMNS}, h.score from h join bib_records r on r.id = h.id
              ${keyset.length ? `where ${keyset.join(' and ')}` : ''}
              order by h.score desc, h.id desc limit ?`;
      bindings = [...qParams, ...matchParams, ...params, ...keyParams, limit + 1];
    }
    const rows = await query<Record<string, unknown>>(ctx.em, sql, bindings);
    const hits = rows.map((row) => {
      const score = row.score === null ? null : Number(row.score);
      const sortKey = row.sort_key as string | undefined;
      delete row.score;
      delete row.sort_key;
      const record = ctx.em.map(BibliographicRecord, row);
      ctx.loaders.recordById.prime(record.id, record);
      return { record, score, sortKey };
    });
    const page = toPage(
      hits,
      limit,
      (h) => (mode.kind === 'browse' ? encodeCursor('browse', [h.sortKey, h.record.id]) : encodeCursor('search', [h.score, h.record.id])),
      (h) => h,
    );

    let facets: Promise<{ total: number; facets: SearchFacetsResult }> | null = null;
    const loadFacets = () => (facets ??= this.facets(ctx, mode, where, params));
    return {
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: e.node.record, score: e.node.score })),
      pageInfo: page.pageInfo,
      get totalCount() {
        return loadFacets().then((f) => f.total);
      },
      get facets() {
        return loadFacets().then((f) => f.facets);
      },
    };
  }

  private mode(q: string | null): Mode {
    if (q === null || !/[\p{L}\p{N}]/u.test(q)) return { kind: 'browse' };
    const isbn = isbnQuery(q);
    if (isbn) return { kind: 'isbn', isbn };
    const words = q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (words.length > MAX_WORDS) throw badInput(`query has more than ${MAX_WORDS} words`, 'query');
    return { kind: 'text', q };
  }

  private querySql(mode: Mode): string {
    return mode.kind === 'text'
      ? `select sn_search_query(?) tsq, sn_search_query(?, 'A') tq_a, sn_search_query(?, 'B') tq_b,
                sn_search_query(?, 'C') tq_c, sn_phrase(sn_correct(?)) ph`
      : 'select null::tsquery tsq';
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
    return { where, params };
  }

  private async facets(
    ctx: Context,
    mode: Mode,
    where: string[],
    params: unknown[],
  ): Promise<{ total: number; facets: SearchFacetsResult }> {
    const match = mode.kind === 'isbn' ? 'r.isbns @> array[?]::text[]' : mode.kind === 'text' ? 'r.search_vector @@ q.tsq' : 'true';
    const qSql = mode.kind === 'text' ? 'select sn_search_query(?) tsq' : 'select null::tsquery tsq';
    const bindings = [...(mode.kind === 'text' ? [mode.q] : []), ...(mode.kind === 'isbn' ? [mode.isbn] : []), ...params];
    const rows = await query<{ k: string; v: string | null; n: string }>(
      ctx.em,
      `with q as materialized (${qSql}),
       m as materialized (select r.id, r.format, r.language from bib_records r, q where ${match} and ${where.join(' and ')})
       select 'total' k, null v, count(*) n from m
       union all select 'format', format, count(*) from m group by format
       union all select 'language', language, count(*) from m group by language
       union all select 'library', h.library_id::text, count(*)
                   from m join record_holdings h on h.record_id = m.id and h.total > 0 group by h.library_id`,
      bindings,
    );
    let total = 0;
    const formats: SearchFacetsResult['formats'] = [];
    const languages: SearchFacetsResult['languages'] = [];
    const libraryCounts: { id: number; count: number }[] = [];
    for (const r of rows) {
      const n = Number(r.n);
      if (r.k === 'total') total = n;
      else if (r.k === 'format') formats.push({ format: r.v as RecordFormat, count: n });
      else if (r.k === 'language') languages.push({ language: r.v, count: n });
      else libraryCounts.push({ id: Number(r.v), count: n });
    }
    const libs = await ctx.loaders.libraryById.loadMany(libraryCounts.map((l) => l.id));
    const libraries = libraryCounts
      .map((l, i) => ({ library: libs[i] as Library, count: l.count }))
      .filter((l) => l.library && !(l.library instanceof Error));
    const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
    libraries.sort((a, b) => b.count - a.count || a.library.code.localeCompare(b.library.code));
    return { total, facets: { libraries, formats: formats.sort(byCount), languages: languages.sort(byCount) } };
  }
}

export const searchService = new SearchService();
