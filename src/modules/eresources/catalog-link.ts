import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { EResource } from './eresource.entity';

/** Union-catalog format of an e-resource, from its media type. */
function recordFormat(r: EResource): string {
  if (r.format?.startsWith('audio/')) return 'AUDIO';
  if (r.format?.startsWith('video/')) return 'VIDEO';
  return 'DIGITAL';
}

/**
 * Every published e-resource is in the union catalog, so readers find it with the books: one linked
 * by staff to an existing record shows there as "online"; one without a record gets a record made
 * from its Dublin Core description (format DIGITAL, AUDIO or VIDEO), kept in step while it is the
 * resource's own (record_generated).
 */
export async function syncCatalogRecord(ctx: Context, em: EntityManager, r: EResource): Promise<void> {
  const contributors = JSON.stringify([
    ...r.creators.map((name) => ({ name, role: 'author' })),
    ...r.contributors.map((name) => ({ name, role: 'contributor' })),
  ]);
  const year = r.date ? Number(r.date.slice(0, 4)) : null;
  const values = [r.title, contributors, r.publisher, year, r.language, pgArray(em, r.subjects, 'text'), recordFormat(r), r.description];
  if (r.recordId === null) {
    const rows = await query<{ id: string }>(
      em,
      `insert into bib_records (title, contributors, publisher, year, language, subjects, format, description)
       values (?, ?::jsonb, ?, ?, ?, ?, ?, ?) returning id`,
      values,
    );
    const recordId = Number(rows[0].id);
    await query(em, 'update e_resources set record_id = ?, record_generated = true where id = ?', [recordId, r.id]);
    await audit({ em, viewer: ctx.viewer }, { action: 'eresource.catalogue', entity: 'BibliographicRecord', entityId: recordId, libraryId: r.libraryId, after: { eResourceId: r.id, title: r.title } });
  } else if (r.recordGenerated) {
    await query(
      em,
      `update bib_records set title = ?, contributors = ?::jsonb, publisher = ?, year = ?, language = ?, subjects = ?,
              format = ?, description = ?, updated_at = now()
        where id = ?`,
      [...values, r.recordId],
    );
  }
}
