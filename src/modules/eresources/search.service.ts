import { badInput } from '../../common/errors';
import { decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { cleanText, fold } from '../../common/text';
import { Raw, pgArray, preparedQuery, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { librariesService } from '../libraries/libraries.service';
import { AccessPolicy, EResource, EResourceKind, EResourceStatus, eResourceFromRow } from './eresource.entity';
import { ERESOURCE_COLUMNS } from './eresources.service';
import { HIT_COLUMNS, MetaPlan, countStatement, pageStatement } from './search-sql';
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

/**
 * Share of documents whose text holds a word above which the in-text phase walks the newest
 * documents' texts first (a window of 1,500 then holds a page) instead of reading the index.
 */
export const BROAD_TEXT_SHARE = 0.015;
/** Share of documents above which a description word counts as frequent (see the window tried first). */
const FREQUENT_WORD = 0.04;
const SNIPPET_BEFORE = 70;
const SNIPPET_LENGTH = 220;

/** Where a walk stands: phase 0 = description hits (ranked, or newest first when broad), 1 = hits only in the text. */
type Position = { phase: 0 | 1; ranked: boolean; score: number | null; id: number };

/** The words of a parsed query as its tsquery text shows them (typo alternatives included). */
function wordsOf(tsq: string | null): string[] {
  return [...(tsq ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
}

/**
 * Searches the digital library: the Dublin Core description (title first, as in the catalog) and
 * the text extracted from its files, with the catalog's Vietnamese folding and typo widening
 * (sn_search_query). Description hits come first, ranked like the catalog's (up to
 * SEARCH_NARROW_CAP matches; a broader query lists them newest first). Hits only inside a document
 * follow, newest first, each with the passage that matched. A page is one statement (search-sql.ts);
 * PostgreSQL's statistics (search-stats.ts) only choose which plan it tries first.
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
    const W = where.join(' and ');

    let meta: MetaPlan;
    if (!pos) {
      const share = descriptionStats.share(q);
      // words that are each frequent usually come together ("lich su"): their estimate undercounts, try the newest first
      const rankFirst = share === null || (share * descriptionStats.rows <= cap && !descriptionStats.allFrequent(q, FREQUENT_WORD));
      meta = { kind: 'first', windowFirst: !rankFirst };
    } else if (pos.phase === 1) meta = { kind: 'none' };
    else if (pos.ranked) meta = { kind: 'ranked', score: pos.score!, id: pos.id };
    else meta = { kind: 'broad', afterId: pos.id };
    // dense words are found fastest by walking the newest documents; words each dense usually come together
    // (a rare place name of two common syllables): walk for them too, the index takes over if they do not
    const textWalk = textStats.allFrequent(q, BROAD_TEXT_SHARE);
    const st = pageStatement({ q, where: W, params, need: limit + 1, cap, meta, textWalk, textAfter: pos?.phase === 1 ? pos.id : null });
    // without filter values the text comes from a small set (page size, plan): prepared, planned once per connection
    const rows = params.length ? await query<Record<string, unknown>>(ctx.em, st.sql, st.bindings) : await preparedQuery<Record<string, unknown>>(ctx.em, st.sql, st.bindings);

    const head = rows[0];
    const empty = rows.length === 0 && !pos; // nothing at all: every count is 0
    const metaMode = head?.meta_mode as string | undefined;
    const metaExact = empty || (meta.kind === 'first' ? metaMode === 'r' : meta.kind !== 'broad');
    const metaCount = empty ? 0 : meta.kind === 'first' && metaMode === 'r' ? Number(head.n_meta) : null;
    const textMode = (head?.text_mode as string | null | undefined) ?? null;
    const textExact = empty || (textMode ? textMode === 'i' : !textWalk);
    const textCount = empty ? 0 : head?.n_text !== null && head?.n_text !== undefined ? Number(head.n_text) : null;
    const words = wordsOf((head?.q_text as string | null | undefined) ?? null);

    type Hit = { r: EResource; phase: 0 | 1; ranked: boolean; score: number | null; snippet: Snippet | null };
    const hits: Hit[] = rows.map((row) => {
      const phase = Number(row.hit_phase) as 0 | 1;
      const ranked = row.hit_ranked === true;
      const score = ranked ? Number(row.hit_score) : null;
      const snippet = phase === 1 && typeof row.snip_body === 'string' ? { ...makeSnippet(row.snip_body, words), page: (row.snip_page as number | null) ?? null } : null;
      return { r: this.map(ctx, row), phase, ranked, score, snippet };
    });
    const page = toPage(hits, limit, (h) => encodeCursor('eres', [h.phase, h.ranked ? 1 : 0, h.score, h.r.id]), (h) => h);
    let counted: Promise<{ total: number; exact: boolean }> | null = null;
    const count = () => (counted ??= this.count(ctx, q, W, params, cap, { metaCount, metaExact, textCount, textExact }));
    return {
      edges: page.edges.map((e) => ({
        cursor: e.cursor,
        node: e.node.r,
        score: e.node.score,
        matchedIn: e.node.phase === 0 ? SearchMatch.METADATA : SearchMatch.FULL_TEXT,
        snippet: e.node.snippet,
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
   * Matches in all: exact for narrow queries (counted in one statement when the page did not already),
   * estimated from the statistics for broad ones (then totalCountExact is false).
   */
  private async count(
    ctx: Context,
    q: string,
    W: string,
    params: unknown[],
    cap: number,
    known: { metaCount: number | null; metaExact: boolean; textCount: number | null; textExact: boolean },
  ): Promise<{ total: number; exact: boolean }> {
    let meta = known.metaCount;
    let text = known.textCount;
    let exact = known.metaExact && known.textExact;
    const countMeta = meta === null && known.metaExact;
    const countText = text === null && known.textExact;
    if (countMeta || countText) {
      const st = countStatement({ q, where: W, params, cap, meta: countMeta, text: countText });
      const r = (await query<{ n_meta: string | null; n_text: string | null; n_cand: string | null }>(ctx.em, st.sql, st.bindings))[0];
      if (countMeta) {
        meta = Number(r.n_meta);
        if (meta > cap) exact = false;
      }
      // more documents hold the words than are checked one by one: estimated
      if (countText && Number(r.n_cand) <= cap) text = Number(r.n_text);
      else if (countText) exact = false;
    }
    meta ??= Math.round((descriptionStats.share(q) ?? 0) * descriptionStats.rows);
    text ??= Math.round((textStats.share(q) ?? 0) * textStats.rows);
    // the two estimates overlap where they are estimates: never more than there are e-resources
    const total = meta + text;
    return { total: !exact && descriptionStats.rows > 0 ? Math.min(total, Math.round(descriptionStats.rows)) : total, exact };
  }

  private map(ctx: Context, row: Record<string, unknown>): EResource {
    for (const k of HIT_COLUMNS) delete row[k];
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
      // no count(*) over () here: it would read every row before the index could stop after a page
      `select ${ERESOURCE_COLUMNS}, e.title_phrase as sort_key
         from e_resources e where ${where.join(' and ')} ${cursor ? 'and (e.title_phrase, e.id) > (?, ?)' : ''}
        order by e.title_phrase, e.id limit ?`,
      [...params, ...(cursor ? [cursor[0], cursor[1]] : []), limit + 1],
    );
    const hits = rows.map((row) => {
      const key = row.sort_key as string;
      delete row.sort_key;
      const r = eResourceFromRow(row);
      ctx.loaders.eResourceById.prime(r.id, r);
      return { r, key };
    });
    const page = toPage(hits, limit, (h) => encodeCursor('eres-browse', [h.key, h.r.id]), (h) => h);
    let total: Promise<number> | null = null;
    // counted only when asked for
    const count = () => (total ??= query<{ n: string }>(ctx.em, `select count(*) n from e_resources e where ${where.join(' and ')}`, params).then((r) => Number(r[0].n)));
    return {
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: e.node.r, score: null, matchedIn: null, snippet: null })) as EResourceHit[],
      pageInfo: page.pageInfo,
      get totalCount() {
        return count();
      },
      totalCountExact: true,
    };
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

/** A run of letters (marks included) folded character by character, as foldedMatches would; null if it would split. */
function foldRun(run: string): string | null {
  if (/^[A-Za-z0-9]+$/.test(run)) return run.toLowerCase();
  let out = '';
  for (const ch of run) out += foldChar(ch);
  return /^[\p{L}\p{N}]*$/u.test(out) ? out : null;
}

/** Every query word in `body`: the whole body folded character by character (the exact, slower way). */
function foldedMatches(body: string, wanted: Set<string>): { start: number; end: number }[] {
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
  const matches: { start: number; end: number }[] = [];
  const wordRe = /[\p{L}\p{N}]+/gu;
  let m: RegExpExecArray | null;
  while ((m = wordRe.exec(folded))) {
    if (wanted.has(m[0])) matches.push({ start: origin[m.index], end: origin[m.index + m[0].length] });
  }
  return matches;
}

/**
 * Characters of Latin script (Vietnamese letters, đ included) folding to one ASCII letter or digit, by
 * what they fold to; and a pattern of any character outside Latin script, blanks, combining marks and
 * punctuation, or folding to more than one character: a text without one is searched with these classes.
 */
let FOLD_CLASSES: { byTarget: Map<string, string>; unsafe: RegExp } | null = null;
function foldClasses() {
  if (FOLD_CLASSES) return FOLD_CLASSES;
  const byTarget = new Map<string, string[]>();
  const odd: string[] = [];
  const esc = (c: string) => (/[\\\]\[^-]/.test(c) ? `\\${c}` : c);
  for (const [lo, hi] of [[0x20, 0x24f], [0x1e00, 0x1eff]]) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCharCode(c);
      const f = foldChar(ch);
      if (f.length !== 1) odd.push(esc(ch));
      else if (/[a-z0-9]/.test(f)) byTarget.set(f, [...(byTarget.get(f) ?? []), esc(ch)]);
    }
  }
  // safe: controls that are blanks, Latin letters folding to one character, combining diacritics, punctuation
  const outside = '[^\\t-\\r\\u0020-\\u024f\\u0300-\\u036f\\u1e00-\\u1eff\\u2000-\\u206f]';
  FOLD_CLASSES = {
    byTarget: new Map([...byTarget].map(([k, v]) => [k, v.join('')])),
    unsafe: new RegExp(odd.length ? `${outside}|[${odd.join('')}]` : outside),
  };
  return FOLD_CLASSES;
}

/**
 * The query words in `body` from the first on, up to `until` past it: a regular expression of each
 * word's letters in every diacritic form finds the runs the word-by-word scan would fold to it; null
 * when the words or the text hold characters outside the classes (then the scan).
 */
function patternMatches(body: string, wanted: Set<string>): { start: number; end: number }[] | null {
  const { byTarget, unsafe } = foldClasses();
  const alts: string[] = [];
  for (const w of wanted) {
    if (!/^[a-z0-9]+$/.test(w)) return null;
    alts.push([...w].map((c) => `[${byTarget.get(c)}]\\p{M}*`).join(''));
  }
  if (!alts.length || unsafe.test(body)) return null;
  // a run starts at a letter or digit not following one (marks between count with it), ends before the next
  const re = new RegExp(`(?<![\\p{L}\\p{N}]\\p{M}*)(?:${alts.join('|')})(?![\\p{L}\\p{N}\\p{M}])`, 'gu');
  const matches: { start: number; end: number }[] = [];
  let until = Infinity;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) && m.index < until) {
    if (!wanted.has(foldRun(m[0]) ?? '')) continue;
    if (!matches.length) until = m.index + SNIPPET_LENGTH;
    matches.push({ start: m.index, end: m.index + m[0].length });
  }
  return matches;
}

/** The passage of `body` around the first query word (see above), with every query word in it marked. */
export function makeSnippet(body: string, words: string[]): { text: string; highlights: { start: number; length: number }[] } {
  const wanted = new Set(words.filter((w) => w.length > 0));
  let matches = patternMatches(body, wanted);
  if (matches === null) {
    // word by word on the text as written, stopping past the passage the first match opens (a part is
    // ~4,000 characters, a passage 220); a run whose folding would split it takes the exact way
    matches = [];
    const runRe = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
    let until = Infinity;
    let m: RegExpExecArray | null;
    while ((m = runRe.exec(body)) && m.index < until) {
      const f = foldRun(m[0]);
      if (f === null) {
        matches = foldedMatches(body, wanted);
        break;
      }
      if (wanted.has(f)) {
        if (!matches.length) until = m.index + SNIPPET_LENGTH;
        matches.push({ start: m.index, end: m.index + m[0].length });
      }
    }
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
