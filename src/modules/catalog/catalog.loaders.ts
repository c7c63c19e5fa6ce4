import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { fromRow } from '../../db/rows';
import { pgArray, query } from '../../db/sql';
import { Library } from '../libraries/library.entity';
import { Item } from './item.entity';
import { BibliographicRecord } from './record.entity';

export interface HoldingsRow {
  recordId: number;
  libraryId: number;
  total: number;
  available: number;
  /** Published e-resources of the record owned by the library (digital library). */
  online: number;
}

export interface ItemsPageKey {
  recordId: number;
  libraryId: number;
  /** Item id to continue after (0 = from the start). */
  afterId: number;
  limit: number;
}

/** Columns of the record entity (the generated search columns are never needed in the application). */
export const RECORD_COLUMNS = `r.id, r.title, r.subtitle, r.contributors, r.publisher, r.place, r.year, r.edition,
  r.isbns, r.issn, r.language, r.subjects, r.ddc, r.format, r.description, r.merged_into_id, r.created_at, r.updated_at`;

/** The library of a row, as `to_jsonb(l) - 'search_text'` in the same statement: it primes the library loader. */
export const LIBRARY_JSON = `to_jsonb(l) - 'search_text'`;

/** Takes the `lib` column (LIBRARY_JSON) off a row and hands the library to the loader, so resolving it costs nothing. */
export function primeLibrary(em: EntityManager, libraryById: DataLoader<number, Library | null>, row: Record<string, unknown>): void {
  const lib = row.lib as Record<string, unknown> | null | undefined;
  delete row.lib;
  if (!lib) return;
  const l = fromRow(em, Library, lib);
  libraryById.prime(l.id, l);
}

/**
 * Per-request loaders for the catalog; each batches one SQL statement per tick. Copies and holdings
 * bring their libraries along (the rows are joined anyway), so showing them costs no further statement.
 */
export function createCatalogLoaders(em: EntityManager, libraryById: DataLoader<number, Library | null>) {
  const copies = (where: string, values: unknown) =>
    query<Record<string, unknown>>(em, `select i.*, ${LIBRARY_JSON} lib from items i join libraries l on l.id = i.library_id where ${where}`, [values]).then((rows) =>
      rows.map((r) => {
        primeLibrary(em, libraryById, r);
        return fromRow(em, Item, r);
      }),
    );
  // explicit columns: the generated search columns (tsvector, phrases) stay in the database
  const recordById = new DataLoader<number, BibliographicRecord | null>(async (ids) => {
    const rows = await query<Record<string, unknown>>(em, `select ${RECORD_COLUMNS} from bib_records r where r.id = any(?)`, [
      pgArray(em, ids, 'bigint'),
    ]);
    const map = new Map(rows.map((r) => fromRow(em, BibliographicRecord, r)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const itemById = new DataLoader<number, Item | null>(async (ids) => {
    const rows = await copies('i.id = any(?)', pgArray(em, ids, 'bigint'));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  const itemByBarcode = new DataLoader<string, Item | null>(async (codes) => {
    const rows = await copies('i.barcode = any(?)', pgArray(em, codes, 'text'));
    for (const i of rows) itemById.prime(i.id, i);
    const map = new Map(rows.map((r) => [r.barcode, r]));
    return codes.map((c) => map.get(c) ?? null);
  });

  /** Holdings summary (libraries with at least one copy that is not withdrawn, or online), by record. */
  const holdingsByRecord = new DataLoader<number, HoldingsRow[]>(async (ids) => {
    const rows = await query<{ record_id: string; library_id: string; total: number; available: number; online: number; lib?: Record<string, unknown> }>(
      em,
      `select h.record_id, h.library_id, h.total, h.available, h.online, ${LIBRARY_JSON} lib
         from record_holdings h join libraries l on l.id = h.library_id
        where h.record_id = any(?) and (h.total > 0 or h.online > 0)
        order by h.record_id, l.code`,
      [pgArray(em, ids, 'bigint')],
    );
    const map = new Map<number, HoldingsRow[]>();
    for (const r of rows) {
      primeLibrary(em, libraryById, r);
      const id = Number(r.record_id);
      const list = map.get(id) ?? [];
      list.push({ recordId: id, libraryId: Number(r.library_id), total: r.total, available: r.available, online: r.online });
      map.set(id, list);
    }
    return ids.map((id) => map.get(id) ?? []);
  });

  /** One page of copies per (record, library): every key of a tick in one statement. */
  const itemsPage = new DataLoader<ItemsPageKey, Item[], string>(
    async (keys) => {
      const recs = keys.map((k) => k.recordId);
      const libs = keys.map((k) => k.libraryId);
      const afters = keys.map((k) => k.afterId);
      const limits = keys.map((k) => k.limit + 1);
      const rows = await query<Record<string, unknown> & { k: number }>(
        em,
        `select k.ord as k, i.*
           from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::int[]) with ordinality as k(r, l, a, n, ord)
           cross join lateral (
             select * from items i where i.record_id = k.r and i.library_id = k.l and i.id > k.a
              and i.status <> 'WITHDRAWN' order by i.id limit k.n) i
          order by k.ord, i.id`,
        [pgArray(em, recs, 'bigint'), pgArray(em, libs, 'bigint'), pgArray(em, afters, 'bigint'), pgArray(em, limits, 'bigint')],
      );
      const out: Item[][] = keys.map(() => []);
      for (const row of rows) {
        const ord = Number(row.k) - 1;
        delete (row as Record<string, unknown>).k;
        const item = fromRow(em, Item, row);
        itemById.prime(item.id, item);
        out[ord].push(item);
      }
      return out;
    },
    { cacheKeyFn: (k) => `${k.recordId}:${k.libraryId}:${k.afterId}:${k.limit}` },
  );

  return { recordById, itemById, itemByBarcode, holdingsByRecord, itemsPage };
}
