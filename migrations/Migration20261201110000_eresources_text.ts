import { Migration } from '@mikro-orm/migrations';

/**
 * Search inside documents at the scale of the whole digital library: each e-resource keeps the
 * words of all its extracted text as one stripped tsvector (no positions: distinct words only, so
 * even a long book stays far below the tsvector limit), indexed with GIN, so a search reads
 * e_resources only; the text parts stay for snippets. Words of the texts join a lexicon of their
 * own, so a word found only inside documents is not mistaken for a typo (and widened) by the query
 * builder, which otherwise works as the catalog's sn_search_query.
 */
export class Migration20261201110000_eresources_text extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create aggregate sn_tsv_agg(tsvector) (sfunc = tsvector_concat, stype = tsvector, initcond = '');

alter table e_resources add column text_vector tsvector;
create index e_resources_text_idx on e_resources using gin (text_vector);

create table e_text_lexicon (word text primary key);
create index e_text_lexicon_trgm on e_text_lexicon using gin (word gin_trgm_ops);

-- The words of the text of every file of these resources, as one stripped vector each.
create function sn_eresource_text_refresh(ids bigint[]) returns void language sql as $$
  update e_resources e set text_vector = (
    select nullif(strip(sn_tsv_agg(p.tsv)), ''::tsvector)
      from e_files f join e_text_parts p on p.sha256 = f.sha256 where f.e_resource_id = e.id)
   where e.id = any(ids);
$$;

-- sn_search_query for the digital library: a word known to the catalog's lexicon or to the texts'
-- is taken as written; an unknown one is widened to up to three close known words of either.
create function sn_eresource_query(q text, weights text default '') returns tsquery
  language plpgsql stable parallel safe as $$
declare
  w text;
  part text;
  alts text;
  suffix text := case when weights = '' then '' else ':' || weights end;
  result text := '';
begin
  for w in
    select u.lexeme from unnest(to_tsvector('simple'::regconfig, sn_fold(q))) u, unnest(u.positions) p
    group by u.lexeme order by min(p)
  loop
    part := quote_literal(w) || suffix;
    if length(w) >= 3 and not exists (select 1 from search_lexicon where word = w)
       and not exists (select 1 from e_text_lexicon where word = w) then
      select string_agg(quote_literal(x.word) || suffix, ' | ') into alts from (
        select c.word from (
          select l.word from search_lexicon l where l.word % w
          union select t.word from e_text_lexicon t where t.word % w
        ) c
        where levenshtein(c.word, w) <= case when length(w) >= 7 then 2 else 1 end
        order by levenshtein(c.word, w), similarity(c.word, w) desc, c.word
        limit 3
      ) x;
      if alts is not null then part := '(' || part || ' | ' || alts || ')'; end if;
    end if;
    result := case when result = '' then part else result || ' & ' || part end;
  end loop;
  if result = '' then return null; end if;
  return to_tsquery('simple'::regconfig, result);
end $$;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop function if exists sn_eresource_query, sn_eresource_text_refresh;
drop table if exists e_text_lexicon;
drop index if exists e_resources_text_idx;
alter table e_resources drop column if exists text_vector;
drop aggregate if exists sn_tsv_agg(tsvector);
`);
  }
}
