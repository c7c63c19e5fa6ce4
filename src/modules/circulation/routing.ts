import type { EntityManager } from '@mikro-orm/postgresql';
import { preparedQuery } from '../../db/sql';
import { ItemStatus } from '../catalog/item.entity';
import { CheckinAction } from './circulation.types';
import { RECORD_COLUMNS } from '../catalog/catalog.loaders';
import type { TransitReason } from './transit.entity';

/** A copy row locked FOR UPDATE, with what routing needs. */
export interface LockedItem {
  id: number;
  record_id: number;
  library_id: number;
  barcode: string;
  status: ItemStatus;
  loanable: boolean;
  /** Lendable and its library lends to the network: it may travel to fill a hold elsewhere. */
  travels: boolean;
  format: string;
}

export interface RouteResult {
  action: CheckinAction;
  holdId: number | null;
  transitId: number | null;
  toLibraryId: number | null;
}

/** The copy's and its record's rows as read under the lock, for the desk's answer (no second read). */
export interface CopyRows {
  item: Record<string, unknown>;
  record: Record<string, unknown>;
}

/**
 * Locks a copy by barcode (with its record's format and whether it may travel); null when there is
 * none. `withRows` also returns the copy's and its record's rows, so the desk's answer needs no
 * further read.
 */
export async function lockItemByBarcode(em: EntityManager, barcode: string, withRows = false): Promise<(LockedItem & { rows?: CopyRows }) | null> {
  const rows = await preparedQuery<LockedItem & { item_row?: Record<string, unknown>; record_row?: Record<string, unknown> }>(
    em,
    `select i.id, i.record_id, i.library_id, i.barcode, i.status, i.loanable, i.lendable and lib.lends_to_network travels, r.format
            ${withRows ? `, to_jsonb(i) item_row, (select to_jsonb(x) from (select ${RECORD_COLUMNS}) x) record_row` : ''}
       from items i join bib_records r on r.id = i.record_id join libraries lib on lib.id = i.library_id
      where i.barcode = ? for update of i`,
    [barcode],
  );
  const r = rows[0];
  if (!r) return null;
  const { item_row, record_row, ...locked } = r;
  return {
    ...locked,
    id: Number(r.id),
    record_id: Number(r.record_id),
    library_id: Number(r.library_id),
    ...(item_row && record_row ? { rows: { item: item_row, record: record_row } } : {}),
  };
}

/** Locks the copy a row points at (`sql` selects its id, e.g. a request's item_id); null when none. */
export async function lockItemWhere(em: EntityManager, idSql: string, bindings: unknown[]): Promise<LockedItem | null> {
  const rows = await preparedQuery<LockedItem>(
    em,
    `select i.id, i.record_id, i.library_id, i.barcode, i.status, i.loanable, i.lendable and lib.lends_to_network travels, r.format
       from items i join bib_records r on r.id = i.record_id join libraries lib on lib.id = i.library_id
      where i.id = (${idSql}) for update of i`,
    bindings,
  );
  return rows[0] ? { ...rows[0], id: Number(rows[0].id), record_id: Number(rows[0].record_id), library_id: Number(rows[0].library_id) } : null;
}

/**
 * Decides where a copy that is now free at `atLibraryId` goes, and does it (sn_route_free_item, one
 * statement): to the hold shelf here for the first waiting hold it can fill, in transit to that hold's
 * pickup library, home to its owner, or back on the shelf. Runs inside the caller's transaction with the
 * copy locked; the hold is taken with SKIP LOCKED, so two copies returned at once never capture the
 * same hold.
 */
export async function routeFreeItem(
  em: EntityManager,
  item: LockedItem,
  atLibraryId: number,
  /** A hold this copy already travelled for (it keeps its claim). */
  capturedForHoldId: number | null = null,
): Promise<RouteResult> {
  const rows = await preparedQuery<{
    route_action: CheckinAction; route_hold_id: string | null; route_transit_id: string | null; route_to_library_id: string | null; new_item_status: ItemStatus;
  }>(em, 'select * from sn_route_free_item(?, ?, ?)', [item.id, atLibraryId, capturedForHoldId]);
  const r = rows[0];
  item.status = r.new_item_status;
  return {
    action: r.route_action,
    holdId: idOrNull(r.route_hold_id),
    transitId: idOrNull(r.route_transit_id),
    toLibraryId: idOrNull(r.route_to_library_id),
  };
}

/** A bigint column's value (pg gives text) as a number, null kept. */
export function idOrNull(v: string | number | null): number | null {
  return v === null ? null : Number(v);
}

/** Sends a copy on its way (sn_start_transit): the transit, its event, the copy IN_TRANSIT. */
export async function startTransit(
  em: EntityManager,
  item: LockedItem,
  from: number,
  to: number,
  reason: TransitReason,
  holdId: number | null,
  illRequestId: number | null = null,
): Promise<number> {
  const rows = await preparedQuery<{ id: string }>(em, 'select sn_start_transit(?, ?, ?, ?, ?, ?) id', [item.id, from, to, reason, holdId, illRequestId]);
  item.status = ItemStatus.IN_TRANSIT;
  return Number(rows[0].id);
}

/** A copy's status, with its event when it changes (sn_set_item_status). */
export async function setItemStatus(em: EntityManager, item: LockedItem, status: ItemStatus): Promise<void> {
  if (item.status === status) return;
  await preparedQuery(em, 'select sn_set_item_status(?, ?)', [item.id, status]);
  item.status = status;
}
