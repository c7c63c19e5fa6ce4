import { ERESOURCE_COLUMNS } from './eresources.service';

/**
 * The statements of a digital-library search. A whole page is one statement: the query parsed (with
 * typo widening), description hits (ranked, or newest first when broad), hits only inside documents
 * (newest first), the passage of each in-text hit, and the counts it found on the way. The choices
 * the statistics cannot make safely ahead (does a newest-first window fill a page? do the matches fit
 * the ranking cap? do the newest documents hold enough in-text hits?) are made inside the statement
 * by CASE gates, so a fallback costs no extra round trip.
 *
 * The parsed query lives in a one-row CTE and is only ever read through scalar subqueries (InitPlans):
 * the planner sees parameters, never a join with the query, so it keeps the plans written here
 * (index scans of the GIN indexes, or newest-first walks of the primary key that stop after a page).
 */

/** Documents a newest-first walk reads at most per page before the index plan takes over. */
export const WINDOW = 1500;
/** Description hits score above this, so ranked ones always come before unranked ones. */
const META_BASE = 100;

const TSQ = '(select tsq from q)';

/**
 * Relevance of a description hit = META_BASE + tier + ts_rank_cd (normalised below 1, as the catalog's;
 * the weights are PostgreSQL's defaults, given implicitly because the explicit array costs per call).
 * The tier (whole title 32, phrase in the title 16, every word in the title 8, in the creators 2) is
 * an even integer, so a hit's tier alone bounds its score: ts_rank_cd, by far the costliest part
 * (~10 µs a row), is computed only for hits whose tier can reach the page.
 */
const META_TIER = `(case when e.title_phrase = (select ph from q) then 32 else 0 end
    + case when strpos(e.title_phrase, (select ph from q)) > 0 then 16 else 0 end
    + case when e.search_vector @@ (select tq_a from q) then 8 else 0 end
    + case when e.search_vector @@ (select tq_b from q) then 2 else 0 end)`;
const META_SCORE = `(${META_BASE} + tier + ts_rank_cd(sv, ${TSQ}, 32))::float8`;

/** The parsed query, its weighted forms (title A, creators B) and its phrase: bound to the raw query twice. */
const QUERY = `q as materialized (
  select x.tsq, sn_tsquery_weight(x.tsq, 'A') tq_a, sn_tsquery_weight(x.tsq, 'B') tq_b, sn_phrase(?::text) ph
    from (select sn_eresource_query(?::text) tsq) x)`;

/** What the page continues: the first page decides between ranking and newest first itself. */
export type MetaPlan =
  | { kind: 'first'; windowFirst: boolean }
  | { kind: 'ranked'; score: number; id: number }
  | { kind: 'broad'; afterId: number }
  | { kind: 'none' };

export interface PagePlan {
  q: string;
  /** The filter conditions on `e` (e_resources) and their bindings, repeated wherever they apply. */
  where: string;
  params: unknown[];
  /** Rows wanted: page size + 1. */
  need: number;
  cap: number;
  meta: MetaPlan;
  /** Dense words: walk the newest documents' texts first (the index plan if they hold too few). */
  textWalk: boolean;
  /** Continue the in-text hits below this id. */
  textAfter: number | null;
}

/** Extra columns of a page row beside ERESOURCE_COLUMNS. */
export const HIT_COLUMNS = ['hit_phase', 'hit_ranked', 'hit_score', 'q_text', 'meta_mode', 'n_meta', 'text_mode', 'n_text', 'snip_page', 'snip_body'] as const;

class Sql {
  readonly bindings: unknown[] = [];
  constructor(private readonly p: { where: string; params: unknown[] }) {}
  /** A value placeholder. */
  v(x: unknown): string {
    this.bindings.push(x);
    return '?';
  }
  /** The filter conditions (placeholders bound again at each use). */
  get w(): string {
    this.bindings.push(...this.p.params);
    return this.p.where;
  }
}

export function pageStatement(p: PagePlan): { sql: string; bindings: unknown[] } {
  const s = new Sql(p);
  const ctes: string[] = [];
  ctes.push(QUERY);
  s.bindings.push(p.q, p.q);
  const { meta, need, cap } = p;
  const ranks = meta.kind === 'first' || meta.kind === 'ranked';
  const windowFirst = meta.kind === 'first' && meta.windowFirst;

  // ---- description hits
  if (ranks) {
    // every match up to the cap, scored (a broad query stops at cap + 1 and is listed newest first)
    ctes.push(`m as materialized (select e.id, e.search_vector sv, ${META_TIER} tier from e_resources e where e.search_vector @@ ${TSQ} and ${s.w} limit ${cap + 1})`);
  }
  if (windowFirst) {
    // frequent words: the newest WINDOW documents are likely to fill a page (coalesce() keeps this off the GIN index)
    ctes.push(`mw as materialized (select e.id from (select * from e_resources order by id desc limit ${WINDOW}) e
       where coalesce(e.search_vector, ''::tsvector) @@ ${TSQ} and ${s.w} order by e.id desc limit ${need})`);
  }
  const mode =
    meta.kind === 'first'
      ? `case ${windowFirst ? `when (select count(*) from mw) >= ${need} then 'w' ` : ''}when (select count(*) from m) <= ${cap} then 'r' else 'b' end`
      : meta.kind === 'ranked'
        ? `'r'`
        : meta.kind === 'broad'
          ? `'b'`
          : `'n'`;
  ctes.push(`d as materialized (select ${mode}::text mode)`);
  const branches: string[] = [];
  if (windowFirst) branches.push(`select id, false ranked, null::float8 score from mw where (select mode from d) = 'w'`);
  if (ranks) {
    if (meta.kind === 'ranked') {
      // past (score, id): hits whose tier is below the cursor's for certain are cut like a first page's;
      // those of the cursor's own tier are all ranked, then compared with the cursor
      const S = s.v(meta.score);
      ctes.push(`mc as materialized (select coalesce((select tier from m where ${META_BASE} + tier + 1 <= ${S}::float8
          order by tier desc offset ${need - 1} limit 1), -1) t)`);
      const S2 = s.v(meta.score);
      const S3 = s.v(meta.score);
      const S4 = s.v(meta.score);
      const I = s.v(meta.id);
      branches.push(`select * from (select id, true ranked, score from (
          select id, ${META_SCORE} score from m
           where ${META_BASE} + tier <= ${S2}::float8 and (${META_BASE} + tier + 1 > ${S3}::float8 or tier >= (select t from mc))) x
         where (score, id) < (${S4}::float8, ${I}::bigint) order by score desc, id desc limit ${need}) r where (select mode from d) = 'r'`);
    } else {
      // the page's hits all have a tier at least the need-th highest tier: only those are ranked
      ctes.push(`mc as materialized (select coalesce((select tier from m order by tier desc offset ${need - 1} limit 1), -1) t)`);
      branches.push(`select * from (select id, true ranked, score from (select id, ${META_SCORE} score from m where tier >= (select t from mc)) x
         order by score desc, id desc limit ${need}) r where (select mode from d) = 'r'`);
    }
  }
  if (meta.kind === 'first' || meta.kind === 'broad') {
    const keyset = meta.kind === 'broad' ? `and e.id < ${s.v(meta.afterId)}::bigint` : '';
    branches.push(`select * from (select e.id, false ranked, null::float8 score from e_resources e
       where coalesce(e.search_vector, ''::tsvector) @@ ${TSQ} and ${s.w} ${keyset} order by e.id desc limit ${need}) b where (select mode from d) = 'b'`);
  }
  if (!branches.length) branches.push(`select null::bigint id, false ranked, null::float8 score where false`);
  ctes.push(`meta as materialized (${branches.join('\n     union all\n     ')})`);

  // ---- hits only inside documents, in what is left of the page
  ctes.push(`nt as materialized (select ${need} - (select count(*) from meta) n)`);
  // "limit 1" keeps each check a lookup by primary key (the planner may not turn it into a join over every row)
  const textOnly = (id: string) => `cross join lateral (select 1 from e_resources e where e.id = ${id} and ${s.w} and not (e.search_vector @@ ${TSQ}) limit 1) ok`;
  if (p.textWalk) {
    ctes.push(`tw as materialized (
      select t.e_resource_id id
        from (select x.e_resource_id, x.text_vector from e_resource_texts x ${p.textAfter !== null ? `where x.e_resource_id < ${s.v(p.textAfter)}::bigint` : ''}
               order by x.e_resource_id desc limit ${WINDOW}) t
        ${textOnly('t.e_resource_id')}
       where t.text_vector @@ ${TSQ}
       order by t.e_resource_id desc limit greatest((select n from nt), 0))`);
  }
  const counting = p.textAfter === null;
  const after = () => (p.textAfter !== null ? `and t.e_resource_id < ${s.v(p.textAfter)}::bigint` : '');
  // rarer words: up to cap + 1 documents holding them from the index (stopping there)
  ctes.push(`tc as materialized (select t.e_resource_id id from e_resource_texts t
       where t.text_vector @@ ${TSQ} ${after()} and (select n from nt) > 0${p.textWalk ? ` and (select count(*) from tw) < (select n from nt)` : ''}
       limit ${cap + 1})`);
  // at most the cap: all of them, newest first, each checked against the description (exactly counted)
  ctes.push(`ti as materialized (
      select x.id from (select id from tc order by id desc) x
        ${textOnly('x.id')}
       where (select count(*) from tc) <= ${cap}
       order by x.id desc ${counting ? '' : 'limit greatest((select n from nt), 0)'})`);
  // more: walk every text newest first (coalesce() keeps this off the index) until the page is full
  ctes.push(`tu as materialized (
      select t.e_resource_id id from e_resource_texts t
        ${textOnly('t.e_resource_id')}
       where (select count(*) from tc) > ${cap} and coalesce(t.text_vector, ''::tsvector) @@ ${TSQ} ${after()}
       order by t.e_resource_id desc limit greatest((select n from nt), 0))`);
  ctes.push(`tm as materialized (select case when (select n from nt) <= 0 then null
      ${p.textWalk ? `when (select count(*) from tw) >= (select n from nt) then 'w' ` : ''}when (select count(*) from tc) <= ${cap} then 'i' else 'u' end mode)`);
  ctes.push(`tr as (
      ${p.textWalk ? `select id from tw where (select mode from tm) = 'w' union all ` : ''}select id from (select id from ti order by id desc limit greatest((select n from nt), 0)) y where (select mode from tm) = 'i'
      union all select id from tu where (select mode from tm) = 'u')`);
  ctes.push(`page as (select id, 0 phase, ranked, score from meta union all select id, 1, false, null::float8 from tr)`);

  const textMode = `(select mode from tm)`;
  const nMeta = meta.kind === 'first' ? `case when (select mode from d) = 'r' then (select count(*) from m) end` : 'null::bigint';
  const nText = counting ? `case when (select mode from tm) = 'i' then (select count(*) from ti) end` : 'null::bigint';
  const sql = `with ${ctes.join(',\n')}
    select ${ERESOURCE_COLUMNS}, p.phase hit_phase, p.ranked hit_ranked, p.score hit_score, (select tsq::text from q) q_text,
           (select mode from d) meta_mode, ${nMeta} n_meta, ${textMode} text_mode, ${nText} n_text,
           s.page snip_page, s.body snip_body
      from page p join e_resources e on e.id = p.id
      -- the first passage holding the words; coalesce() keeps the lookup on this document's parts
      left join lateral (
        select tp.page, tp.body from e_files f join e_text_parts tp on tp.sha256 = f.sha256
         where p.phase = 1 and f.e_resource_id = p.id and coalesce(tp.tsv, ''::tsvector) @@ ${TSQ}
         order by f.position, f.id, tp.seq limit 1) s on true
     order by p.phase, p.score desc nulls last, p.id desc`;
  return { sql, bindings: s.bindings };
}

/**
 * Exact counts a page did not find on its way: description matches (up to cap + 1) and/or hits only
 * in the text, counted among at most cap + 1 documents holding the words (n_cand says how many did).
 */
export function countStatement(p: { q: string; where: string; params: unknown[]; cap: number; meta: boolean; text: boolean }): { sql: string; bindings: unknown[] } {
  const s = new Sql(p);
  s.bindings.push(p.q, p.q);
  const ctes = [QUERY];
  if (p.text) ctes.push(`c as materialized (select t.e_resource_id id from e_resource_texts t where t.text_vector @@ ${TSQ} limit ${p.cap + 1})`);
  const meta = p.meta ? `(select count(*) from (select 1 from e_resources e where e.search_vector @@ ${TSQ} and ${s.w} limit ${p.cap + 1}) x)` : 'null::bigint';
  const text = p.text
    ? `(select count(*) from c cross join lateral (select 1 from e_resources e where e.id = c.id and ${s.w} and not (e.search_vector @@ ${TSQ}) limit 1) ok)`
    : 'null::bigint';
  return { sql: `with ${ctes.join(',\n')} select ${meta} n_meta, ${text} n_text, ${p.text ? '(select count(*) from c)' : 'null::bigint'} n_cand`, bindings: s.bindings };
}
