import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql';
import { emitEvent } from '../events/outbox';
import { ItemStatus } from '../catalog/item.entity';
import { END_OF_LOCAL_DAY, effectivePolicy, endOfLocalDayParams } from './policy';
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
  const rows = await query<LockedItem & { item_row?: Record<string, unknown>; record_row?: Record<string, unknown> }>(
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
  const rows = await query<LockedItem>(
    em,
    `select i.id, i.record_id, i.library_id, i.barcode, i.status, i.loanable, i.lendable and lib.lends_to_network travels, r.format
       from items i join bib_records r on r.id = i.record_id join libraries lib on lib.id = i.library_id
      where i.id = (${idSql}) for update of i`,
    bindings,
  );
  return rows[0] ? { ...rows[0], id: Number(rows[0].id), record_id: Number(rows[0].record_id), library_id: Number(rows[0].library_id) } : null;
}

/**
 * A library's time zone, read on the caller's (transaction's) connection: a per-request loader would
 * take a second pool connection while this one holds locks, and busy desks would exhaust the pool.
 */
export async function libraryTimeZone(em: EntityManager, libraryId: number): Promise<string> {
  const rows = await query<{ time_zone: string }>(em, 'select time_zone from libraries where id = ?', [libraryId]);
  return rows[0]?.time_zone ?? 'Asia/Ho_Chi_Minh';
}

/**
 * Decides where a copy that is now free at `atLibraryId` goes, and does it: to the hold shelf here for
 * the first waiting hold it can fill, in transit to that hold's pickup library, home to its owner, or
 * back on the shelf. Runs inside the caller's transaction with the copy locked; the hold is taken with
 * SKIP LOCKED, so two copies returned at once never capture the same hold.
 */
export async function routeFreeItem(
  em: EntityManager,
  item: LockedItem,
  atLibraryId: number,
  /** A hold this copy already travelled for (it keeps its claim). */
  capturedForHoldId: number | null = null,
): Promise<RouteResult> {
  type HoldRow = { id: string; patron_id: string; pickup_library_id: string; category: string };
  let holds: HoldRow[] = [];
  if (capturedForHoldId !== null) {
    holds = await query<HoldRow>(
      em,
      `select h.id, h.patron_id, h.pickup_library_id, p.category from holds h join patrons p on p.id = h.patron_id
        where h.id = ? and h.status = 'IN_TRANSIT' and h.pickup_library_id = ? for update of h`,
      [capturedForHoldId, atLibraryId],
    );
  }
  if (holds.length === 0 && item.loanable) {
    // a copy that may not leave its library (not lendable, or a library that does not lend to the
    // network) fills only holds for pickup at its own library
    holds = await query<HoldRow>(
      em,
      `select h.id, h.patron_id, h.pickup_library_id, p.category
         from holds h join patrons p on p.id = h.patron_id join libraries pl on pl.id = h.pickup_library_id
        where h.status = 'WAITING'
          and (h.suspended_until is null or h.suspended_until <= now())
          and (h.item_id = ? or (h.item_id is null and h.record_id = ?))
          and (h.pickup_library_id = ? or (? and pl.borrows_from_network))
        order by h.id
        limit 1
        for update of h skip locked`,
      [item.id, item.record_id, item.library_id, item.travels],
    );
  }
  const hold = holds[0];
  if (hold) {
    const holdId = Number(hold.id);
    const pickup = Number(hold.pickup_library_id);
    if (pickup === atLibraryId) {
      const tz = await libraryTimeZone(em, pickup);
      const policy = await effectivePolicy(em, pickup, hold.category, item.format);
      await query(
        em,
        `update holds set status = 'READY_FOR_PICKUP', captured_item_id = ?, ready_at = now(),
                shelf_expires_at = ${END_OF_LOCAL_DAY} where id = ?`,
        [item.id, ...endOfLocalDayParams(tz, policy.holdShelfDays), holdId],
      );
      await setItemStatus(em, item, ItemStatus.ON_HOLD_SHELF);
      await emitEvent(em, {
        type: 'hold.ready',
        libraryIds: [pickup, item.library_id],
        entity: 'Hold',
        entityId: holdId,
        payload: { holdId, itemId: item.id, barcode: item.barcode, patronId: Number(hold.patron_id), status: 'READY_FOR_PICKUP' },
      });
      return { action: CheckinAction.HOLD_SHELF, holdId, transitId: null, toLibraryId: pickup };
    }
    await query(em, `update holds set status = 'IN_TRANSIT', captured_item_id = ? where id = ?`, [item.id, holdId]);
    const transitId = await startTransit(em, item, atLibraryId, pickup, 'HOLD', holdId);
    return { action: CheckinAction.TRANSIT, holdId, transitId, toLibraryId: pickup };
  }
  if (item.library_id !== atLibraryId) {
    const transitId = await startTransit(em, item, atLibraryId, item.library_id, 'RETURN_HOME', null);
    return { action: CheckinAction.TRANSIT, holdId: null, transitId, toLibraryId: item.library_id };
  }
  await setItemStatus(em, item, ItemStatus.AVAILABLE);
  return { action: CheckinAction.RESHELVE, holdId: null, transitId: null, toLibraryId: null };
}

/**
 * Sends a copy on its way: the transit, the copy IN_TRANSIT and both events in one statement (the
 * copy's status event only when the status changes).
 */
export async function startTransit(
  em: EntityManager,
  item: LockedItem,
  from: number,
  to: number,
  reason: TransitReason,
  holdId: number | null,
  illRequestId: number | null = null,
): Promise<number> {
  const rows = await query<{ id: string }>(
    em,
    `with t as (
       insert into transits (item_id, from_library_id, to_library_id, reason, hold_id, ill_request_id) values (?, ?, ?, ?, ?, ?) returning id
     ), u as (
       update items set status = 'IN_TRANSIT', updated_at = now() where id = ? and status <> 'IN_TRANSIT' returning id
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select 'transit.started', ?::bigint[], 'Transit', t.id,
              jsonb_build_object('transitId', t.id, 'itemId', ?::bigint, 'barcode', ?::text, 'from', ?::bigint, 'to', ?::bigint,
                                 'reason', ?::text, 'holdId', ?::bigint, 'illRequestId', ?::bigint) from t
       union all
       select 'item.status_changed', array[?]::bigint[], 'Item', u.id, ?::jsonb from u
       returning 1
     )
     select t.id, pg_notify('shelfnet_events', '') from t`,
    [
      item.id, from, to, reason, holdId, illRequestId,
      item.id,
      pgArray(em, [...new Set([from, to, item.library_id])], 'bigint'), item.id, item.barcode, from, to, reason, holdId, illRequestId,
      item.library_id, JSON.stringify({ itemId: item.id, barcode: item.barcode, before: item.status, after: ItemStatus.IN_TRANSIT }),
    ],
  );
  item.status = ItemStatus.IN_TRANSIT;
  return Number(rows[0].id);
}

export async function setItemStatus(em: EntityManager, item: LockedItem, status: ItemStatus): Promise<void> {
  if (item.status === status) return;
  // the change and its event in one round trip
  await query(
    em,
    `with u as (update items set status = ?, updated_at = now() where id = ? returning id),
          ev as (insert into events (type, library_ids, entity, entity_id, payload)
                 select 'item.status_changed', array[?]::bigint[], 'Item', u.id, ?::jsonb from u returning seq)
     select pg_notify('shelfnet_events', '') from ev`,
    [status, item.id, item.library_id, JSON.stringify({ itemId: item.id, barcode: item.barcode, before: item.status, after: status })],
  );
  item.status = status;
}
