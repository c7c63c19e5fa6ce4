import { badInput } from '../../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText, fold } from '../../common/text';
import { Raw, pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { librariesService } from '../libraries/libraries.service';
import { AccessPolicy, EResource, EResourceKind, EResourceStatus, eResourceFromRow } from './eresource.entity';
import { ERESOURCE_COLUMNS } from './eresources.service';
import { SearchMatch } from './eresources.types';
import { descriptionStats, textStats } from './search-stats';

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

/** Share of documents above which an in-text query scans newest first instead of reading the index. */
export const BROAD_TEXT_SHARE = 0.02;
/** Share of documents above which a description word counts as frequent (see the guarded broad attempt). */
const FREQUENT_WORD = 0.04;
/** Documents a newest-first walk reads at most per page before the index plan is used instead. */
const WINDOW = 1500;
/** Description hits score above this, so ranked ones always come before unranked ones. */
const META_BASE = 100;
const SNIPPET_BEFORE = 70;
const SNIPPET_LENGTH = 220;

const META_SCORE = `(${META_BASE}
    + case when e.title_phrase = q.ph then 32 else 0 end
    + case when strpos(e.title_phrase, q.ph) > 0 then 16 else 0 end
    + case when e.search_vector @@ q.tq_a then 8 else 0 end
    + case when e.search_vector @@ q.tq_b then 2 else 0 end
    + ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', e.search_vector, q.tsq, 32))::float8`;

/** The parsed query, computed once per request (typo widening reads the lexicon) and passed to every statement. */
const QUERY = `select ?::tsquery tsq, ?::tsquery tq_a, ?::tsquery tq_b, ?::text ph`;

async function parseQuery(ctx: Context, q: string): Promise<{ params: string[]; words: string[] }> {
  const rows = await query<{ tsq: string | null; ph: string }>(ctx.em, `select sn_eresource_query(?)::text tsq, sn_phrase(?) ph`, [q, q]);
  const tsq = rows[0].tsq ?? '';
  // the weighted forms (title, creators) of the same query: each lexeme, alternatives included, with its weight
  const weighted = (w: string) => tsq.replace(/'(?:[^']|'')*'/g, (m) => `${m}:${w}`);
  const words = [...tsq.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
  return { params: [tsq, weighted('A'), weighted('B'), rows[0].ph], words };
}

/** Where a walk stands: phase 0 = description hits (ranked, or newest first when broad), 1 = hits only in the text. */
type Position = { phase: 0 | 1; ranked: boolean; score: number | null; id: number };

/**
 * Searches the digital library: the Dublin Core description (title first, as in the catalog) and
 * the text extracted from its files, with the catalog's Vietnamese folding and typo widening
 * (sn_search_query). Description hits come first, ranked like the catalog's (up to
 * SEARCH_NARROW_CAP matches; a broader query lists them newest first). Hits only inside a document
 * follow, newest first, each with the passage that matched. Words found in a large share of the
 * documents' text are found by walking the newest documents (a page within a few hundred rows);
 * rarer ones through the full-text index: PostgreSQL's statistics decide (search-stats.ts).
 */
export class EResourceSearchService {
  async search(ctx: Context, rawQuery: string | null | undefined, filter: EResourceSearchFilter, first: number | null | undefined, after: string | null | undefined) {
    const limit = pageSize(first);
    const q = cleanText(rawQuery, { field: 'query', max: 500 });
    const { where, params } = await this.filters(ctx, filter);
    if (q === null || !/[\p{L}\p{N}]/u.test(q)) return this.browse(ctx, where, params, limit, after);
    if (q.split(/[^\p{L}\p{N}]+/u).filter(Boolean).length > 32) throw badInput('query has more than 32 words', 'query');
    const pos = decodePosition(after);
    const cap = ctx.config.searchNarrowCap;
    const { params: qp, words } = await parseQuery(ctx, q);
    const W = where.join(' and ');

    type Hit = { r: EResource; phase: 0 | 1; ranked: boolean; score: number | null };
    const hits: Hit[] = [];
    let metaCount: number | null = null;
    let metaExact = true;

    if (!pos || pos.phase === 0) {
      const share = descriptionStats.share(q);
      // words that are each frequent usually come together ("lich su"): their estimate undercounts, try broad first
      let ranked = pos ? pos.ranked : share === null || (share * descriptionStats.rows <= cap && !descriptionStats.allFrequent(q, FREQUENT_WORD));
      let broadRows: Record<string, unknown>[] | null = null;
      if (!ranked && !pos) {
        // first page: walk only the newest WINDOW documents; a page not filled there means the words seldom meet: rank them
        broadRows = await query<Record<string, unknown>>(ctx.em, this.metaBroadSql(W, false, true), [...qp, ...params, limit + 1]);
        if (broadRows.length <= limit) {
          broadRows = null;
          ranked = true;
        }
      }
      if (ranked) {
        const rows = await query<Record<string, unknown>>(
          ctx.em,
          `with q as materialized (${QUERY}),
           m as materialized (select e.id, ${META_SCORE} score from e_resources e, q where e.search_vector @@ q.tsq and ${W} limit ${cap + 1})
           select ${ERESOURCE_COLUMNS}, m.score hit_score, (select count(*) from m) n
             from m join e_resources e on e.id = m.id
            ${pos ? 'where (m.score, m.id) < (?::float8, ?)' : ''}
            order by m.score desc, m.id desc limit ?`,
          [...qp, ...params, ...(pos ? [pos.score, pos.id] : []), limit + 1],
        );
        const n = rows.length ? Number(rows[0].n) : 0;
        if (!pos && n > cap) ranked = false; // broader than ranking can afford: newest first after all
        else {
          metaCount = pos ? null : n;
          for (const row of rows) {
            const score = Number(row.hit_score);
            hits.push({ r: this.map(ctx, row), phase: 0, ranked: true, score });
          }
        }
      }
      if (!ranked) {
        metaExact = false;
        const rows =
          broadRows ??
          (await query<Record<string, unknown>>(ctx.em, this.metaBroadSql(W, pos !== null), [...qp, ...params, ...(pos ? [pos.id] : []), limit + 1]));
        for (const row of rows) hits.push({ r: this.map(ctx, row), phase: 0, ranked: false, score: null });
      }
    }

    let textCount: number | null = null;
    const textShare = textStats.share(q);
    // dense words are found fastest by walking the newest documents; a word missing from the statistics may be rare
    let broad = textShare !== null && textShare >= BROAD_TEXT_SHARE && textStats.allFrequent(q);
    if (hits.length <= limit) {
      const afterId = pos?.phase === 1 ? pos.id : null;
      const bind = [...qp, ...params, ...(afterId ? [afterId] : []), limit + 1 - hits.length];
      // walk the newest WINDOW documents past the position; not enough there: the index plan, same order, takes over
      let rows = broad ? await query<Record<string, unknown>>(ctx.em, this.textBroadSql(W, afterId !== null), [...qp, ...(afterId ? [afterId] : []), ...params, limit + 1 - hits.length]) : null;
      if (rows !== null && rows.length < limit + 1 - hits.length) rows = null;
      if (rows === null) {
        broad = false;
        rows = await query<Record<string, unknown>>(
          ctx.em,
          // few documents hold the words: read them through the index, then order that small set
          `with q as materialized (${QUERY}),
           t as materialized (select e.id from e_resources e, q where e.text_vector @@ q.tsq and ${W} and not (e.search_vector @@ q.tsq))
           select ${ERESOURCE_COLUMNS}, (select count(*) from t) n from t join e_resources e on e.id = t.id
            ${afterId ? 'where t.id < ?' : ''}
            order by t.id desc limit ?`,
          bind,
        );
      }
      if (!broad && !afterId) textCount = rows.length ? Number(rows[0].n) : 0;
      for (const row of rows) {
        delete row.n;
        hits.push({ r: this.map(ctx, row), phase: 1, ranked: false, score: null });
      }
    }

    const page = toPage(hits, limit, (h) => encodeCursor('eres', [h.phase, h.ranked ? 1 : 0, h.score, h.r.id]), (h) => h);
    const textHits = page.edges.filter((e) => e.node.phase === 1).map((e) => e.node.r.id);
    const textExact = !broad;
    const snippets = textHits.length ? await this.snippets(ctx, qp, words, textHits) : new Map<number, Snippet>();
    const self = this;
    let counted: Promise<{ total: number; exact: boolean }> | null = null;
    const count = () =>
      (counted ??= self.count(ctx, q, qp, W, params, cap, { metaCount, metaExact, textCount, textExact }));
    return {
      edges: page.edges.map((e) => ({
        cursor: e.cursor,
        node: e.node.r,
        score: e.node.score,
        matchedIn: e.node.phase === 0 ? SearchMatch.METADATA : SearchMatch.FULL_TEXT,
        snippet: snippets.get(e.node.r.id) ?? null,
      })) as EResourceHit[],
      pageInfo: page.pageInfo,
      get totalCount() {
        return count().then((c) => c.total);
      },
      get totalCountExact() {
        return count().then((c) => c.exact);
      },
    };
  }

  /**
   * Matches in all: exact for narrow queries (counted when the page did not already), estimated from
   * the statistics for broad ones (then totalCountExact is false).
   */
  private async count(
    ctx: Context,
    q: string,
    qp: string[],
    W: string,
    params: unknown[],
    cap: number,
    known: { metaCount: number | null; metaExact: boolean; textCount: number | null; textExact: boolean },
  ): Promise<{ total: number; exact: boolean }> {
    let meta = known.metaCount;
    let exact = known.metaExact && known.textExact;
    if (meta === null) {
      if (known.metaExact) {
        const r = await query<{ n: string }>(ctx.em, `with q as materialized (${QUERY}) select count(*) n from (select 1 from e_resources e, q where e.search_vector @@ q.tsq and ${W} limit ${cap + 1}) x`, [...qp, ...params]);
        meta = Number(r[0].n);
        if (meta > cap) exact = false;
      } else {
        meta = Math.round((descriptionStats.share(q) ?? 0) * descriptionStats.rows);
      }
    }
    let text = known.textCount;
    if (text === null) {
      if (known.textExact) {
        const r = await query<{ n: string }>(
          ctx.em,
          `with q as materialized (${QUERY})
           select count(*) n from e_resources e, q where e.text_vector @@ q.tsq and ${W} and not (e.search_vector @@ q.tsq)`,
          [...qp, ...params],
        );
        text = Number(r[0].n);
      } else {
        text = Math.round((textStats.share(q) ?? 0) * textStats.rows);
      }
    }
    // the two estimates overlap where they are estimates: never more than there are e-resources
    const total = meta + text;
    return { total: !exact && descriptionStats.rows > 0 ? Math.min(total, Math.round(descriptionStats.rows)) : total, exact };
  }

  /**
   * Description matches newest first (coalesce() keeps the planner off the GIN index: a page within a
   * few hundred rows); `windowed` looks at the newest WINDOW documents only.
   */
  private metaBroadSql(W: string, after = false, windowed = false): string {
    const from = windowed ? `(select * from e_resources order by id desc limit ${WINDOW})` : 'e_resources';
    return `with q as materialized (${QUERY})
      select ${ERESOURCE_COLUMNS} from ${from} e, q
       where coalesce(e.search_vector, ''::tsvector) @@ q.tsq and ${W} ${after ? 'and e.id < ?' : ''}
       order by e.id desc limit ?`;
  }

  /** Documents whose text holds the words among the newest WINDOW documents (past the position), newest first. */
  private textBroadSql(W: string, after: boolean): string {
    return `with q as materialized (${QUERY})
      select ${ERESOURCE_COLUMNS} from (select * from e_resources ${after ? 'where id < ?' : ''} order by id desc limit ${WINDOW}) e, q
       where ${W} and coalesce(e.text_vector, ''::tsvector) @@ q.tsq and not (e.search_vector @@ q.tsq)
       order by e.id desc limit ?`;
  }

  private map(ctx: Context, row: Record<string, unknown>): EResource {
    delete row.hit_score;
    delete row.n;
    const r = eResourceFromRow(row);
    ctx.loaders.eResourceById.prime(r.id, r);
    return r;
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
      const r = eResourceFromRow(row);
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
  private async snippets(ctx: Context, qp: string[], words: string[], ids: number[]): Promise<Map<number, Snippet>> {
    const rows = await query<{ id: string; page: number | null; body: string }>(
      ctx.em,
      `with q as materialized (${QUERY})
       -- coalesce() keeps each lookup on this document's parts (not a scan of the index for every document)
       select x.id, s.page, s.body from q, unnest(?::bigint[]) x(id)
       cross join lateral (
         select p.page, p.body from e_files f join e_text_parts p on p.sha256 = f.sha256
          where f.e_resource_id = x.id and coalesce(p.tsv, ''::tsvector) @@ q.tsq order by f.position, f.id, p.seq limit 1
       ) s`,
      [...qp, pgArray(ctx.em, ids, 'bigint')],
    );
    return new Map(rows.map((r) => [Number(r.id), { ...makeSnippet(r.body, words), page: r.page }]));
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
const FOLDED = new Map<string, string>();
function foldChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch.length === 1 && code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
  let f = FOLDED.get(ch);
  if (f === undefined) {
    f = fold(ch);
    if (FOLDED.size < 10_000) FOLDED.set(ch, f);
  }
  return f;
}

export function makeSnippet(body: string, words: string[]): { text: string; highlights: { start: number; length: number }[] } {
  // fold character by character, remembering where each folded character came from
  let folded = '';
  const origin: number[] = [];
  let i = 0;
  for (const ch of body) {
    const f = foldChar(ch);
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

function decodePosition(after: string | null | undefined): Position | null {
  const key = decodeCursor('eres', after);
  if (!key) return null;
  const [phase, ranked, score, id] = key;
  if (key.length !== 4 || (phase !== 0 && phase !== 1) || (ranked !== 0 && ranked !== 1) || !Number.isSafeInteger(id)) {
    throw badInput('after is not a valid cursor', 'after');
  }
  if (ranked === 1 && typeof score !== 'number') throw badInput('after is not a valid cursor', 'after');
  return { phase, ranked: ranked === 1, score: typeof score === 'number' ? score : null, id: id as number };
}

export const eResourceSearchService = new EResourceSearchService();
