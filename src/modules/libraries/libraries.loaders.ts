import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { fromRow } from '../../db/rows';
import { pgArray, query } from '../../db/sql';
import { Library } from './library.entity';

/**
 * Per-request loaders for libraries. A load also fetches the libraries' ancestors in the same
 * statement (networks are shallow), so `parent` never costs another query.
 */
export function createLibraryLoaders(em: EntityManager) {
  const withAncestors = async (where: string, keys: readonly (string | number)[], type: 'bigint' | 'text') => {
    const rows = await query<Record<string, unknown>>(
      em,
      `with recursive found as (
         select l.* from libraries l where ${where} = any(?)
         union
         select p.* from libraries p join found f on p.id = f.parent_id
       ) select distinct on (id) * from found`,
      [pgArray(em, keys, type)],
    );
    const libs = rows.map((r) => {
      delete r.search_text;
      return fromRow(em, Library, r);
    });
    for (const l of libs) {
      libraryById.prime(l.id, l);
      libraryByCode.prime(l.code, l);
    }
    return libs;
  };
  const libraryById: DataLoader<number, Library | null> = new DataLoader(async (ids) => {
    const map = new Map((await withAncestors('l.id', ids, 'bigint')).map((l) => [l.id, l]));
    return ids.map((id) => map.get(id) ?? null);
  });
  const libraryByCode: DataLoader<string, Library | null> = new DataLoader(async (codes) => {
    const map = new Map((await withAncestors('l.code', codes, 'text')).map((l) => [l.code, l]));
    return codes.map((c) => map.get(c) ?? null);
  });
  return { libraryById, libraryByCode };
}
