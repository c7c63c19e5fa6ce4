import type { EntityManager } from '@mikro-orm/postgresql';
import { preparedQuery } from '../../db/sql';
import type { Viewer } from '../auth/viewer';
import { ItemStatus } from '../catalog/item.entity';
import { CheckinAction } from '../circulation/circulation.types';
import { LockedItem, RouteResult, startTransit } from '../circulation/routing';
import { IllRequest } from './ill-request.entity';
import { commitStep, lockRequest } from './ill.core';
import { IllAction, transitionFor } from './ill.state-machine';
import { factsOf } from './ill.core';

/**
 * Where resource sharing meets the desk: the copy of an inter-library request moves through
 * circulation (transits, a loan to the reader), and a desk scanning such a copy moves the request.
 * Every function runs inside the caller's transaction with the copy locked first, then the request
 * (the lock order of every path that touches both).
 */

/**
 * Lends the arrived copy to the reader who asked (or to the library itself), due when the lender said:
 * its transit closed, the loan, the copy ON_LOAN and their events in one statement.
 */
export async function lendToRequester(em: EntityManager, viewer: Viewer, req: IllRequest, item: LockedItem): Promise<number> {
  const rows = await preparedQuery<{ id: string }>(
    em,
    `with tr as (
       update transits set received_at = now() where item_id = ? and received_at is null returning id
     ), l as (
       insert into loans (item_id, patron_id, library_id, checked_out_by, due_at, ill_request_id)
       values (?, ?, ?, ?, ?, ?) returning id, item_id, patron_id, due_at
     ), u as (
       update items set status = 'ON_LOAN', updated_at = now() where id = ? and status <> 'ON_LOAN' returning id
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select 'loan.created', array[?, ?]::bigint[], 'Loan', l.id,
              jsonb_build_object('loanId', l.id, 'itemId', l.item_id, 'barcode', ?::text, 'patronId', l.patron_id, 'dueAt', l.due_at, 'illRequestId', ?::bigint)
         from l
       union all
       select 'item.status_changed', array[?]::bigint[], 'Item', u.id, ?::jsonb from u
       returning 1
     )
     select id from l`,
    [
      item.id,
      item.id, req.patronId, req.pickupLibraryId, viewer.accountId, req.dueAt, req.id,
      item.id,
      req.pickupLibraryId, req.requestingLibraryId, item.barcode, req.id,
      item.library_id, JSON.stringify({ itemId: item.id, barcode: item.barcode, before: item.status, after: ItemStatus.ON_LOAN }),
    ],
  );
  item.status = ItemStatus.ON_LOAN;
  return Number(rows[0].id);
}

/** The copy left the borrower another way than the desk: its open loan and open transit end, in one statement. */
export async function releaseCopy(em: EntityManager, itemId: number, atLibraryId: number | null): Promise<void> {
  await preparedQuery(
    em,
    `with l as (update loans set returned_at = now(), checkin_library_id = ? where item_id = ? and returned_at is null returning 1)
     update transits set received_at = now() where item_id = ? and received_at is null`,
    [atLibraryId, itemId, itemId],
  );
}

/**
 * A desk checked in a copy whose loan belonged to an inter-library request. At the lender the loan is
 * complete (LoanCompleted) and the copy is routed as usual (null: the caller routes it). Anywhere
 * else the copy goes back to its lender (ShippedReturn) in transit.
 */
export async function illCheckin(em: EntityManager, viewer: Viewer, item: LockedItem, requestId: number, deskId: number): Promise<RouteResult | null> {
  const req = await lockRequest(em, requestId);
  if (!req || req.closedAt !== null || req.itemId !== item.id) return null;
  if (deskId === item.library_id) {
    await completeReturn(em, viewer, req, 'desk');
    return null;
  }
  const t = transitionFor(IllAction.RETURN, 'BORROWER', factsOf(req));
  if (!t) return null;
  const transitId = await startTransit(em, item, deskId, item.library_id, 'ILL_RETURN', null, req.id);
  await commitStep(em, viewer, req, {
    transition: t,
    side: 'BORROWER',
    set: [
      ['return_shipped_at', 'now()'],
      ['renewal_requested_at', 'null'],
    ],
    data: { via: 'checkinItem', deskLibraryId: deskId, transitId },
  });
  return { action: CheckinAction.TRANSIT, holdId: null, transitId, toLibraryId: item.library_id };
}

/** The lender has the copy back: the request is complete. The caller routes the copy (holds, shelf). */
export async function completeReturn(em: EntityManager, viewer: Viewer, req: IllRequest, via: 'desk' | 'transit' | 'request'): Promise<IllRequest | null> {
  const t = transitionFor(IllAction.CHECK_IN_RETURNED, 'LENDER', factsOf(req));
  if (!t) return null;
  return commitStep(em, viewer, req, {
    transition: t,
    side: 'LENDER',
    rota: 'SUPPLIED',
    set: [
      ['closed_at', 'now()'],
      ['renewal_requested_at', 'null'],
    ],
    data: { via },
  });
}

/**
 * A transit of an inter-library copy arrived at its destination. The shipment at the pickup library:
 * the copy is received and lent to the reader (ILL_LOAN). The return at the lender: the request is
 * complete and the copy is routed as usual (null).
 */
export async function illTransitArrived(
  em: EntityManager,
  viewer: Viewer,
  item: LockedItem,
  transit: { transitId: number; reason: string; illRequestId: number | null },
  deskId: number,
): Promise<RouteResult | null> {
  if (transit.illRequestId === null) return null;
  const req = await lockRequest(em, transit.illRequestId);
  if (!req || req.closedAt !== null || req.itemId !== item.id) return null;
  if (transit.reason === 'ILL_RETURN') {
    await completeReturn(em, viewer, req, 'transit');
    return null;
  }
  if (transit.reason !== 'ILL_SHIPMENT') return null;
  const t = transitionFor(IllAction.RECEIVE, 'BORROWER', factsOf(req));
  if (!t) return null;
  const loanId = await lendToRequester(em, viewer, req, item);
  await commitStep(em, viewer, req, {
    transition: t,
    side: 'BORROWER',
    set: [
      ['received_at', 'now()'],
      ['loan_id', '?', loanId],
    ],
    data: { via: 'receiveTransit', loanId },
  });
  return { action: CheckinAction.ILL_LOAN, holdId: null, transitId: transit.transitId, toLibraryId: null };
}
