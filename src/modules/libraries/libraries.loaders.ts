import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Library } from './library.entity';

/** Per-request loaders for libraries; both keys prime each other. */
export function createLibraryLoaders(em: EntityManager) {
  const libraryById: DataLoader<number, Library | null> = new DataLoader(async (ids) => {
    const rows = await em.find(Library, { id: { $in: [...ids] } });
    for (const l of rows) libraryByCode.prime(l.code, l);
    const map = new Map(rows.map((l) => [l.id, l]));
    return ids.map((id) => map.get(id) ?? null);
  });
  const libraryByCode: DataLoader<string, Library | null> = new DataLoader(async (codes) => {
    const rows = await em.find(Library, { code: { $in: [...codes] } });
    for (const l of rows) libraryById.prime(l.id, l);
    const map = new Map(rows.map((l) => [l.code, l]));
    return codes.map((c) => map.get(c) ?? null);
  });
  return { libraryById, libraryByCode };
}
