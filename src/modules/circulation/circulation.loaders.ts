import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { pgArray, query } from '../../db/sql';
import { Patron } from '../patrons/patron.entity';

/** Per-request loaders for circulation. */
export function createCirculationLoaders(em: EntityManager) {
  const patronById = new DataLoader<number, Patron | null>(async (ids) => {
    const rows = await em.find(Patron, { id: { $in: [...ids] } });
    const map = new Map(rows.map((p) => [p.id, p]));
    return ids.map((id) => map.get(id) ?? null);
  });

  /** Position in the queue of its record (1 = next), for waiting holds; null otherwise. */
  const holdPosition = new DataLoader<number, number | null>(async (ids) => {
    const rows = await query<{ id: string; pos: string | null }>(
      em,
      `select h.id, case when h.status = 'WAITING' then
                (select count(*) from holds o where o.record_id = h.record_id and o.status = 'WAITING' and o.id <= h.id)
              end pos
         from holds h where h.id = any(?)`,
      [pgArray(em, ids, 'bigint')],
    );
    const map = new Map(rows.map((r) => [Number(r.id), r.pos === null ? null : Number(r.pos)]));
    return ids.map((id) => map.get(id) ?? null);
  });

  return { patronById, holdPosition };
}
