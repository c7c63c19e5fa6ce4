import { badInput } from '../../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText, fold } from '../../common/text';
import { Raw, pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { librariesService } from '../libraries/libraries.service';
import { AccessPolicy, EResource, EResourceKind, EResourceStatus } from './eresource.entity';
import { ERESOURCE_COLUMNS } from './eresources.service';
import { SearchMatch } from './eresources.types';

export interface EResourceSearchFilter {
  kinds?: EResourceKind[] | null;
  libraryCodes?: string[] | null;
  accessPolicies?: AccessPolicy[] | null;
  languages?: string[] | null;
  statuses?: EResourceStatus[] | null;
  agencyCode?: string | null;
}

export interface Snippet {
  text: string;
  highlights: { start: number; length: number }[];
  page: number | null;
}

export interface EResourceHit {
  cursor: string;
  node: EResource;
  score: number | null;
  matchedIn: SearchMatch | null;
  snippet: Snippet | null;
}

/** Description matches ranked exactly, at most this many (beyond, the count is a lower bound). */
export const META_CAP = 1000;
/** Text parts read for in-document matches (a very common word stops here). */
export const PART_CAP = 4000;
/** Description hits score above this, so they always come before hits found only in the text. */
const META_BASE = 100;
const SNIPPET_BEFORE = 70;
const SNIPPET_LENGTH = 220;

const META_SCORE = `(${META_BASE}
    + case when e.title_phrase = q.ph then 32 else 0 end
    + case when strpos(e.title_phrase, q.ph) > 0 then 16 else 0 end
    + case when e.search_vector @@ q.tq_a then 8 else 0 end
    + case when e.search_vector @@ q.tq_b then 2 else 0 end
    + ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', e.search_vector, q.tsq, 32))::float8`;

/**
 * Searches the digital library: the Dublin Core description (title first, as in the catalog) and
 * the text extracted from its files, with the catalog's Vietnamese folding and typo widening
 * (sn_search_query). Hits only inside a document come after description hits and carry a snippet.
 */
export class EResourceSearchService {
  async search(ctx: Context, rawQuery: string | null | undefined, filter: EResourceSearchFilter, first: number | null | undefined, after: string | null | undefined) {
    const limit = pageSize(first);
    const q = cleanText(rawQuery, { field: 'query', max: 500 });
    const { where, params } = await this.filters(ctx, filter);
    if (q === null || !/[\p{L}\p{N}]/u.test(q)) return this.browse(ctx, where, params, limit, after);
    if (q.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length > 32) throw badInput('query has more than 32 words', 'query');

    const cursor = decodeCursor('eres', after);
    if (cursor && (cursor.length !== 2 || typeof cursor[0] !== 'number' || !Number.isSafeInteger(cursor[1]))) {
      throw badInput('after is not a valid cursor', 'after');
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `with q as materialized (
         select sn_search_query(?) tsq, sn_search_query(?, 'A') tq_a, sn_search_query(?, 'B') tq_b, sn_phrase(sn_correct(?)) ph
       ),
       m as materialized (
         select e.id, ${META_SCORE} score from e_resources e, q where e.search_vector @@ q.tsq and ${where.join(' and ')} limit ${META_CAP + 1}
       ),
       p as materialized (
         select p.sha256, ts_rank(p.tsv, q.tsq) r from e_text_parts p, q where p.tsv @@ q.tsq limit ${PART_CAP + 1}
       ),
       t as materialized (
         select f.e_resource_id id, max(p.r)::float8 score
           from p join e_files f on f.sha256 = p.sha256 join e_resources e on e.id = f.e_resource_id
          where ${where.join(' and ')} and not exists (select 1 from m where m.id = f.e_resource_id)
          group by f.e_resource_id
       ),
       h as (select id, score, 0 src from m union all select id, score, 1 from t),
       page as (
         select h.* from h ${cursor ? 'where (h.score, h.id) < (?::float8, ?)' : ''} order by h.score desc, h.id desc limit ?
       )
       select ${ERESOURCE_COLUMNS}, page.score as hit_score, page.src as hit_src,
              (select count(*) from h) as n_hits, (select count(*) from m) as n_meta, (select count(*) from p) as n_parts
         from page join e_resources e on e.id = page.id
        order by page.score desc, page.id desc`,
      [q, q, q, q, ...params, ...params, ...(cursor ? [cursor[0], cursor[1]] : []), limit + 1],
    );
    let total = 0;
    let exact = true;
    const hits = rows.map((row) => {
      const score = Number(row.hit_score);
      const src = Number(row.hit_src);
      total = Number(row.n_hits);
      exact = Number(row.n_meta) <= META_CAP && Number(row.n_parts) <= PART_CAP;
      for (const k of ['hit_score', 'hit_src', 'n_hits', 'n_meta', 'n_parts']) delete row[k];
      const r = ctx.em.map(EResource, row);
      ctx.loaders.eResourceById.prime(r.id, r);
      return { r, score, src };
    });
    const page = toPage(hits, limit, (h) => encodeCursor('eres', [h.score, h.r.id]), (h) => h);
    const textHits = page.edges.filter((e) => e.node.src === 1).map((e) => e.node.r.id);
    const snippets = textHits.length ? await this.snippets(ctx, q, textHits) : new Map<number, Snippet>();
    return {
      edges: page.edges.map((e) => ({
        cursor: e.cursor,
        node: e.node.r,
        score: e.node.score,
        matchedIn: e.node.src === 0 ? SearchMatch.METADATA : SearchMatch.FULL_TEXT,
        snippet: snippets.get(e.node.r.id) ?? null,
      })) as EResourceHit[],
      pageInfo: page.pageInfo,
      totalCount: total,
      totalCountExact: exact,
    };
  }

  private async browse(ctx: Context, where: string[], params: unknown[], limit: number, after: string | null | undefined) {
    const cursor = decodeCursor('eres-browse', after);
    if (cursor && (cursor.length !== 2 || typeof cursor[0] !== 'string' || !Number.isSafeInteger(cursor[1]))) {
      throw badInput('after is not a valid cursor', 'after');
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select ${ERESOURCE_COLUMNS}, e.title_phrase as sort_key, count(*) over () as n_all
         from e_resources e where ${where.join(' and ')} ${cursor ? 'and (e.title_phrase, e.id) > (?, ?)' : ''}
        order by e.title_phrase, e.id limit ?`,
      [...params, ...(cursor ? [cursor[0], cursor[1]] : []), limit + 1],
    );
    const total = await query<{ n: string }>(ctx.em, `select count(*) n from e_resources e where ${where.join(' and ')}`, params);
    const hits = rows.map((row) => {
      const key = row.sort_key as string;
      delete row.sort_key;
      delete row.n_all;
      const r = ctx.em.map(EResource, row);
      ctx.loaders.eResourceById.prime(r.id, r);
      return { r, key };
    });
    const page = toPage(hits, limit, (h) => encodeCursor('eres-browse', [h.key, h.r.id]), (h) => h);
    return {
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: e.node.r, score: null, matchedIn: null, snippet: null })) as EResourceHit[],
      pageInfo: page.pageInfo,
      totalCount: Number(total[0].n),
      totalCountExact: true,
    };
  }

  /** The first matching passage of each document, with the query words marked. */
  private async snippets(ctx: Context, q: string, ids: number[]): Promise<Map<number, Snippet>> {
    const rows = await query<{ id: string; page: number | null; body: string; words: string[] }>(
      ctx.em,
      `with q as materialized (
         select sn_search_query(?) tsq,
                array(select distinct u.lexeme from unnest(to_tsvector('simple'::regconfig, sn_fold(sn_correct(?)))) u) ||
                array(select distinct u.lexeme from unnest(to_tsvector('simple'::regconfig, sn_fold(?))) u) words
       )
       select x.id, s.page, s.body, q.words from q, unnest(?::bigint[]) x(id)
       cross join lateral (
         select p.page, p.body from e_files f join e_text_parts p on p.sha256 = f.sha256
          where f.e_resource_id = x.id and p.tsv @@ q.tsq order by f.position, f.id, p.seq limit 1
       ) s`,
      [q, q, q, pgArray(ctx.em, ids, 'bigint')],
    );
    return new Map(rows.map((r) => [Number(r.id), { ...makeSnippet(r.body, r.words), page: r.page }]));
  }

  private async filters(ctx: Context, f: EResourceSearchFilter): Promise<{ where: string[]; params: unknown[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const v = ctx.viewer;
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (f.statuses?.length) {
      if (!v.isStaff) throw badInput('only staff filter by status', 'filter.statuses');
      add('e.status = any(?)', pgArray(ctx.em, f.statuses, 'text'));
      if (!v.isNetworkAdmin) add(`(e.status = 'PUBLISHED' or e.library_id = ?)`, v.libraryId);
    } else {
      where.push(`e.status = 'PUBLISHED'`);
    }
    if (!v.isStaff) where.push(`e.access_policy <> 'STAFF_ONLY'`);
    if (f.kinds?.length) add('e.kind = any(?)', pgArray(ctx.em, f.kinds, 'text'));
    if (f.accessPolicies?.length) add('e.access_policy = any(?)', pgArray(ctx.em, f.accessPolicies, 'text'));
    if (f.languages?.length) {
      const langs = f.languages.map((l) => {
        const x = l.trim().toLowerCase();
        if (!/^[a-z]{2,3}$/.test(x)) throw badInput(`${l} is not an ISO 639 language code`, 'filter.languages');
        return x;
      });
      add('e.language = any(?)', pgArray(ctx.em, langs, 'text'));
    }
    if (f.libraryCodes?.length) {
      if (f.libraryCodes.length > 500) throw badInput('at most 500 library codes', 'filter.libraryCodes');
      const libs = await librariesService.requireCodes(ctx, f.libraryCodes, 'filter.libraryCodes');
      add('e.library_id = any(?)', pgArray(ctx.em, libs.map((l) => l.id), 'bigint') as Raw);
    }
    if (f.agencyCode) {
      add('e.agency_id = (select id from agencies where code = ?)', f.agencyCode.trim().toUpperCase());
    }
    return { where, params };
  }
}

/**
 * A passage of about SNIPPET_LENGTH characters around the first query word in `body`, found on the
 * folded text (case and diacritics off, as the index sees it) but cut from the text as written.
 */
export function makeSnippet(body: string, words: string[]): { text: string; highlights: { start: number; length: number }[] } {
  // fold character by character, remembering where each folded character came from
  let folded = '';
  const origin: number[] = [];
  let i = 0;
  for (const ch of body) {
    const f = fold(ch);
    for (let k = 0; k < f.length; k++) {
      folded += f[k];
      origin.push(i);
    }
    i += ch.length;
  }
  origin.push(body.length);
  const wanted = new Set(words.filter((w) => w.length > 0));
  const matches: { start: number; end: number }[] = [];
  const wordRe = /[\p{L}\p{N}]+/gu;
  let m: RegExpExecArray | null;
  while ((m = wordRe.exec(folded))) {
    if (wanted.has(m[0])) matches.push({ start: origin[m.index], end: origin[m.index + m[0].length] });
  }
  const first = matches[0];
  let start = first ? Math.max(0, first.start - SNIPPET_BEFORE) : 0;
  if (start > 0) {
    const blank = body.indexOf(' ', start);
    if (blank !== -1 && blank < (first?.start ?? start)) start = blank + 1;
  }
  let end = Math.min(body.length, start + SNIPPET_LENGTH);
  if (end < body.length) {
    const blank = body.lastIndexOf(' ', end);
    if (blank > (first?.end ?? start)) end = blank;
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < body.length ? '…' : '';
  const text = prefix + body.slice(start, end) + suffix;
  const highlights = matches
    .filter((x) => x.start >= start && x.end <= end)
    .map((x) => ({ start: x.start - start + prefix.length, length: x.end - x.start }));
  return { text, highlights };
}

export const eResourceSearchService = new EResourceSearchService();
