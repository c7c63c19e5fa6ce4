import { Migration } from '@mikro-orm/migrations';

/**
 * Search speed of the digital library (issue 5's targets at 100,000 documents).
 *
 * - Each e-resource's text vector moves out of e_resources into e_resource_texts: description
 *   searches (ranking reads every match's row) read a compact e_resources (a third of its size with
 *   the vectors of 100,000 short texts inline), and in-text searches read the texts' own GIN index and
 *   heap. A vector over the toast threshold (a book's) goes out of line whole rather than compressed
 *   inline (toast_tuple_target = 128), so the rows an in-text search visits stay small.
 * - Both search GIN indexes without the pending list (fastupdate off): documents are written seldom
 *   and read all the time, and every search would otherwise scan the unsorted pending entries.
 * - sn_tsquery_weight: the weighted forms of a parsed query (title, creators) in SQL, so a whole
 *   search page (query parsing, hits, counts, passages) is one statement.
 */
export class Migration20261201300000_eresources_search_speed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table e_resource_texts (
  e_resource_id bigint primary key references e_resources(id) on delete cascade,
  text_vector tsvector not null check (text_vector <> ''::tsvector)
) with (toast_tuple_target = 128);

insert into e_resource_texts (e_resource_id, text_vector)
select id, text_vector from e_resources where text_vector is not null and text_vector <> ''::tsvector;

create index e_resource_texts_vector_idx on e_resource_texts using gin (text_vector) with (fastupdate = off);
drop index if exists e_resources_text_idx;
alter table e_resources drop column text_vector;

alter index e_resources_search_idx set (fastupdate = off);
select gin_clean_pending_list('e_resources_search_idx'::regclass);

-- The words of the text of every file of these resources, as one stripped vector each (none: no row).
create or replace function sn_eresource_text_refresh(ids bigint[]) returns void language sql as $$
  with v as (
    select x.id, (select nullif(strip(sn_tsv_agg(p.tsv)), ''::tsvector)
                    from e_files f join e_text_parts p on p.sha256 = f.sha256 where f.e_resource_id = x.id) vec
      from (select distinct unnest(ids) id) x
  ),
  gone as (
    delete from e_resource_texts t using v where t.e_resource_id = v.id and v.vec is null
  )
  insert into e_resource_texts (e_resource_id, text_vector)
  select v.id, v.vec from v join e_resources e on e.id = v.id where v.vec is not null
  on conflict (e_resource_id) do update set text_vector = excluded.text_vector
   where e_resource_texts.text_vector is distinct from excluded.text_vector;
$$;

-- A parsed query (sn_eresource_query) with every lexeme restricted to one weight: 'A' title, 'B' creators.
create function sn_tsquery_weight(q tsquery, w text) returns tsquery
  language sql immutable strict parallel safe
  return regexp_replace(q::text, '''(?:[^'']|'''')*''', '\\&:' || w, 'g')::tsquery;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop function if exists sn_tsquery_weight(tsquery, text);
alter index e_resources_search_idx set (fastupdate = on);
alter table e_resources add column text_vector tsvector;
update e_resources e set text_vector = t.text_vector from e_resource_texts t where t.e_resource_id = e.id;
create index e_resources_text_idx on e_resources using gin (text_vector);
drop table if exists e_resource_texts;
create or replace function sn_eresource_text_refresh(ids bigint[]) returns void language sql as $$
  update e_resources e set text_vector = (
    select nullif(strip(sn_tsv_agg(p.tsv)), ''::tsvector)
      from e_files f join e_text_parts p on p.sha256 = f.sha256 where f.e_resource_id = e.id)
   where e.id = any(ids);
$$;
`);
  }
}
