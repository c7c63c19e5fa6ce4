import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { pgArray, query } from '../../db/sql';
import { Agency, EFile, EResource, eResourceFromRow } from './eresource.entity';
import { ERESOURCE_COLUMNS } from './eresources.service';

export interface BlobText {
  status: string;
  chars: number | null;
  error: string | null;
}

/** Per-request loaders of the digital library; each batches one statement per tick. */
export function createEResourceLoaders(em: EntityManager) {
  const eResourceById = new DataLoader<number, EResource | null>(async (ids) => {
    const rows = await query<Record<string, unknown>>(em, `select ${ERESOURCE_COLUMNS} from e_resources e where e.id = any(?)`, [pgArray(em, ids, 'bigint')]);
    const map = new Map(rows.map((r) => eResourceFromRow(r)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const eFilesByResource = new DataLoader<number, EFile[]>(async (ids) => {
    const rows = await em.find(EFile, { eResourceId: { $in: [...ids] } }, { orderBy: { position: 'asc', id: 'asc' } });
    return ids.map((id) => rows.filter((f) => f.eResourceId === id));
  });

  const eFileById = new DataLoader<number, EFile | null>(async (ids) => {
    const rows = await em.find(EFile, { id: { $in: [...ids] } });
    const map = new Map(rows.map((f) => [f.id, f]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const agencyById = new DataLoader<number, Agency | null>(async (ids) => {
    const rows = await em.find(Agency, { id: { $in: [...ids] } });
    const map = new Map(rows.map((a) => [a.id, a]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const blobText = new DataLoader<string, BlobText | null>(async (shas) => {
    const rows = await query<{ sha256: string; text_status: string; text_chars: number | null; text_error: string | null }>(
      em,
      'select sha256, text_status, text_chars, text_error from e_blobs where sha256 = any(?)',
      [pgArray(em, shas, 'text')],
    );
    const map = new Map(rows.map((r) => [r.sha256, { status: r.text_status, chars: r.text_chars, error: r.text_error }]));
    return shas.map((s) => map.get(s) ?? null);
  });

  /** Published, non-staff-only e-resources of a record (what "online" in its holdings stands for). */
  const eResourcesByRecord = new DataLoader<number, EResource[]>(async (ids) => {
    const rows = await query<Record<string, unknown>>(
      em,
      `select ${ERESOURCE_COLUMNS} from e_resources e where e.record_id = any(?) and e.status = 'PUBLISHED' order by e.id`,
      [pgArray(em, ids, 'bigint')],
    );
    const list = rows.map((r) => eResourceFromRow(r));
    for (const r of list) eResourceById.prime(r.id, r);
    return ids.map((id) => list.filter((r) => r.recordId === id));
  });

  return { eResourceById, eFilesByResource, eFileById, agencyById, blobText, eResourcesByRecord };
}
