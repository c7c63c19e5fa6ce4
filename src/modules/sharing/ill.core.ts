import type { EntityManager } from '@mikro-orm/postgresql';
import { fromRow } from '../../db/rows';
import { pgArray, preparedQuery, query } from '../../db/sql';
import type { Viewer } from '../auth/viewer';
import { IllRequest } from './ill-request.entity';
import { IllAction, IllSide, IllState, RequestFacts, Transition, allowedActions } from './ill.state-machine';

const COLUMNS = [
  'id', 'requesting_library_id', 'pickup_library_id', 'patron_id', 'record_id', 'citation', 'service_type', 'needed_by', 'notes',
  'requester_state', 'supplier_state', 'lender_id', 'rota_position', 'answer_due_at', 'conditions_note', 'conditions_cost_vnd',
  'item_id', 'due_at', 'loan_id', 'renewal_requested_at', 'renewal_note', 'renewals', 'delivery_url', 'delivery_eresource_id', 'created_by_account_id',
  'created_by_patron_id', 'created_at', 'updated_at', 'shipped_at', 'received_at', 'return_shipped_at', 'closed_at',
];

/** Columns of ill_requests as the entity maps them (after SELECT, optionally of an alias, and in RETURNING). */
export function requestColumns(alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return COLUMNS.map((c) => (c === 'needed_by' ? `to_char(${p}needed_by, 'YYYY-MM-DD') needed_by` : p + c)).join(', ');
}
export const REQUEST_COLUMNS = requestColumns();

export function mapRequest(em: EntityManager, row: Record<string, unknown>): IllRequest {
  delete row.history_id;
  return fromRow(em, IllRequest, row);
}

/** The request row locked for the rest of the transaction; every action goes through here first. */
export async function lockRequest(em: EntityManager, id: number): Promise<IllRequest | null> {
  const rows = await preparedQuery<Record<string, unknown>>(em, `select ${REQUEST_COLUMNS} from ill_requests where id = ? for update`, [id]);
  return rows[0] ? mapRequest(em, rows[0]) : null;
}

export function factsOf(r: IllRequest): RequestFacts {
  return { requesterState: r.requesterState, serviceType: r.serviceType, renewalPending: r.renewalRequestedAt !== null };
}

/** The parts a viewer plays in a request. */
export interface Role {
  /** Staff of the borrowing (or pickup) library. */
  borrower: boolean;
  /** Staff of the current lender. */
  lender: boolean;
  /** The reader the request is for. */
  patron: boolean;
}

export function roleOf(v: Viewer, r: IllRequest): Role {
  return {
    borrower: v.isStaff && (v.worksAt(r.requestingLibraryId) || v.worksAt(r.pickupLibraryId)),
    lender: v.isStaff && r.lenderId !== null && v.worksAt(r.lenderId),
    patron: v.isPatron && r.patronId !== null && v.patronId === r.patronId,
  };
}

/** Whether a library was asked earlier in the rota (it still sees the request and its own answer). */
export async function wasAsked(em: EntityManager, requestId: number, libraryId: number | null): Promise<boolean> {
  if (libraryId === null) return false;
  const rows = await query(em, 'select 1 from ill_rota_entries where request_id = ? and library_id = ? and asked_at is not null', [requestId, libraryId]);
  return rows.length > 0;
}

export function viewerActions(v: Viewer, r: IllRequest): IllAction[] {
  const role = roleOf(v, r);
  return allowedActions(factsOf(r), { borrower: role.borrower || role.patron, lender: role.lender, patronOnly: role.patron && !role.borrower });
}

/** One change to a request: the transition taken and what else it writes on the row. */
export interface Step {
  transition: Transition;
  side: IllSide;
  /** Target states (default: the transition's own). */
  requesterState?: IllState;
  supplierState?: IllState | null;
  /** Further assignments: [column, SQL expression with ? placeholders, ...bindings]. */
  set?: [string, string, ...unknown[]][];
  note?: string | null;
  isMessage?: boolean;
  data?: Record<string, unknown>;
  /** Libraries concerned beyond the borrower, the pickup library and the lender after the change. */
  alsoNotify?: number[];
  /** New status of the current lender's rota entry (SUPPLYING, SUPPLIED, CANCELLED), in the same statement. */
  rota?: string;
}

/**
 * Writes one step in one statement: the request row, its history entry, the outbox event (to the
 * borrowing, pickup and lending libraries) and the audit row, then the NOTIFY that wakes the API
 * processes. Runs inside the caller's transaction with the request locked.
 */
export async function commitStep(em: EntityManager, viewer: Viewer, before: IllRequest, step: Step): Promise<IllRequest> {
  const t = step.transition;
  let requester = step.requesterState;
  let supplier = step.supplierState;
  if (requester === undefined) {
    if (t.to.kind === 'STATES') {
      requester = t.to.requester;
      supplier = t.to.supplier;
    } else {
      requester = before.requesterState;
      supplier = before.supplierState;
    }
  }
  if (supplier === undefined) supplier = before.supplierState;
  const sets: string[] = [];
  const setBindings: unknown[] = [];
  for (const [col, expr, ...b] of step.set ?? []) {
    if (!/^[a-z_]+$/.test(col)) throw new Error(`bad column ${col}`);
    sets.push(`${col} = ${expr}`);
    setBindings.push(...b);
  }
  // the library on whose behalf it was done: the viewer's, or the side's library for admins and the scheduler
  const sideLibrary = step.side === 'LENDER' || (step.side === 'SYSTEM' && before.lenderId !== null) ? before.lenderId : before.requestingLibraryId;
  const actingLibrary = viewer.isStaff && viewer.libraryId !== null ? viewer.libraryId : sideLibrary;
  const action = step.transition.action;
  // prepared: one text per kind of step (its assignments), planned once per connection
  const rows = await preparedQuery<Record<string, unknown>>(
    em,
    `with u as (
       update ill_requests set requester_state = ?, supplier_state = ?, updated_at = now()${sets.length ? ', ' + sets.join(', ') : ''}
        where id = ? returning ${REQUEST_COLUMNS}
     ), h as (
       insert into ill_history (request_id, action, side, actor_account_id, actor_patron_id, library_id, lender_id,
              requester_state_before, requester_state, supplier_state_before, supplier_state, is_message, note, data)
       select u.id, ?::text, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::text, u.requester_state, ?::text, u.supplier_state, ?::boolean, ?::text, ?::jsonb
         from u returning id
     ), ev as (
       insert into events (type, library_ids, entity, entity_id, payload)
       select ?::text, array_remove(array[u.requesting_library_id, u.pickup_library_id, u.lender_id] || ?::bigint[], null), 'IllRequest', u.id,
              jsonb_build_object('requestId', u.id, 'action', ?::text, 'requesterState', u.requester_state,
                                 'supplierState', u.supplier_state, 'lenderId', u.lender_id, 'historyId', (select id from h)) || ?::jsonb
         from u returning 1
     ), au as (
       insert into audit_log (actor_account_id, actor_patron_id, actor_api_client_id, library_id, action, entity, entity_id, before, after)
       select ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::text, 'IllRequest', u.id, ?::jsonb,
              jsonb_build_object('requesterState', u.requester_state, 'supplierState', u.supplier_state, 'lenderId', u.lender_id) || ?::jsonb
         from u returning 1
     ), ro as (
       update ill_rota_entries set status = coalesce(?::text, status), answered_at = coalesce(answered_at, now())
        where ?::text is not null and request_id = ? and position = ? returning 1
     )
     select u.*, (select id from h) history_id from u`,
    [
      requester,
      supplier,
      ...setBindings,
      before.id,
      // history
      action,
      step.side,
      viewer.accountId,
      viewer.patronId,
      actingLibrary,
      before.lenderId,
      before.requesterState,
      before.supplierState,
      step.isMessage ?? false,
      step.note ?? null,
      JSON.stringify(step.data ?? {}),
      // event
      step.transition.event,
      pgArray(em, [...new Set((step.alsoNotify ?? []).concat(before.lenderId ?? []))], 'bigint'),
      action,
      JSON.stringify(eventExtras(step)),
      // audit
      viewer.accountId,
      viewer.patronId,
      viewer.apiClientId,
      actingLibrary,
      `ill:${action}`,
      JSON.stringify({ requesterState: before.requesterState, supplierState: before.supplierState, lenderId: before.lenderId }),
      JSON.stringify(step.data ?? {}),
      // rota
      step.rota ?? null,
      step.rota ?? null,
      before.id,
      before.rotaPosition,
    ],
  );
  return mapRequest(em, rows[0]);
}

/** Event payload beyond the states: no reader's data (lenders subscribe too). */
function eventExtras(step: Step): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(step.data ?? {})) if (!/patron|card/i.test(k)) out[k] = v;
  if (step.isMessage) out.message = true;
  return out;
}

/** Libraries in the order the rota found them, with the due time of an answer from each. */
interface NextLenderRow {
  position: number;
  library_id: string;
  ok: boolean;
  answer_due: string;
}

/**
 * Closes the current lender's rota entry with its outcome and asks the next lender that can still
 * lend (a catalog-built entry whose library no longer has a lendable copy on the shelf is skipped),
 * or ends the request at END_OF_ROTA. One history entry records the answer and the move.
 */
export async function advanceRota(
  em: EntityManager,
  viewer: Viewer,
  before: IllRequest,
  step: Step & { outcome: string; reason?: string | null },
): Promise<IllRequest> {
  if (before.rotaPosition !== null) {
    await query(em, `update ill_rota_entries set status = ?, reason = ?, note = ?, answered_at = now() where request_id = ? and position = ?`, [
      step.outcome,
      step.reason ?? null,
      step.note ?? null,
      before.id,
      before.rotaPosition,
    ]);
  }
  const candidates = await query<NextLenderRow>(
    em,
    `select e.position, e.library_id,
            (e.distance = 'CHOSEN' or r.record_id is null or exists (
               select 1 from items i where i.record_id = r.record_id and i.library_id = e.library_id
                  and i.status = 'AVAILABLE' and i.lendable and i.loanable) and lib.lends_to_network) ok,
            sn_add_working_days(now(), lib.ill_response_days, lib.time_zone) answer_due
       from ill_rota_entries e join ill_requests r on r.id = e.request_id join libraries lib on lib.id = e.library_id
      where e.request_id = ? and e.status = 'PENDING' and e.position > coalesce(?, 0)
      order by e.position`,
    [before.id, before.rotaPosition],
  );
  const nextOne = candidates.find((c) => c.ok);
  const skipped = candidates.filter((c) => !c.ok && (!nextOne || c.position < nextOne.position)).map((c) => c.position);
  if (skipped.length) {
    await query(em, `update ill_rota_entries set status = 'SKIPPED', answered_at = now() where request_id = ? and position = any(?::int[])`, [
      before.id,
      `{${skipped.join(',')}}`,
    ]);
  }
  const data = { ...(step.data ?? {}), outcome: step.outcome, reason: step.reason ?? null, previousLenderId: before.lenderId, skippedPositions: skipped };
  const previous = before.lenderId === null ? [] : [before.lenderId];
  if (nextOne) {
    await query(em, `update ill_rota_entries set status = 'ASKED', asked_at = now() where request_id = ? and position = ?`, [before.id, nextOne.position]);
    return commitStep(em, viewer, before, {
      ...step,
      requesterState: IllState.REQUESTED,
      supplierState: IllState.REQUEST_RECEIVED,
      set: [
        ['lender_id', '?', Number(nextOne.library_id)],
        ['rota_position', '?', nextOne.position],
        ['answer_due_at', '?', nextOne.answer_due],
        ['conditions_note', 'null'],
        ['conditions_cost_vnd', 'null'],
      ],
      data: { ...data, nextLenderId: Number(nextOne.library_id) },
      alsoNotify: previous,
    });
  }
  return commitStep(em, viewer, before, {
    ...step,
    requesterState: IllState.END_OF_ROTA,
    supplierState: null,
    set: [
      ['lender_id', 'null'],
      ['rota_position', 'null'],
      ['answer_due_at', 'null'],
      ['closed_at', 'now()'],
    ],
    data: { ...data, endOfRota: true },
    alsoNotify: previous,
  });
}

export { IllAction, IllState };
