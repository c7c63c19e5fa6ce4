import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { ErrorResult, badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { fromRow } from '../../db/rows';
import { preparedQuery, query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { RECORD_COLUMNS } from '../catalog/catalog.loaders';
import { ItemNotFoundError } from '../catalog/catalog.types';
import { Item, ItemStatus } from '../catalog/item.entity';
import { BibliographicRecord } from '../catalog/record.entity';
import { emitEvent } from '../events/outbox';
import { librariesService } from '../libraries/libraries.service';
import { Library } from '../libraries/library.entity';
import { PatronStatus } from '../patrons/patron.entity';
import { PatronBlockedError, PatronExpiredError, PatronNotFoundError } from '../patrons/patron.types';
import { parseCardNumber, requireStaff } from '../patrons/patrons.service';
import {
  CheckinAction,
  HoldPendingError,
  ItemNotAvailableError,
  ItemNotCheckedOutError,
  ItemNotLoanableError,
  ItemOnHoldForOtherError,
  LoanLimitReachedError,
  LoanNotFoundError,
  NoTransitError,
  OverdueTooLongError,
  RenewalLimitReachedError,
} from './circulation.types';
import { Loan } from './loan.entity';
import { END_OF_LOCAL_DAY, effectivePolicy, endOfLocalDayParams } from './policy';
import { CopyRows, LockedItem, RouteResult, idOrNull, lockItemByBarcode, routeFreeItem } from './routing';
import { illCheckin, illTransitArrived } from '../sharing/ill-circulation';
import { IllLoanError } from '../sharing/ill.types';

const BARCODE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

export interface CheckinResultValue {
  kind: 'CheckinOutcome';
  action: CheckinAction;
  itemId: number;
  loanId: number | null;
  holdId: number | null;
  transitId: number | null;
  destinationLibraryId: number | null;
  overdueDays: number;
  fineVnd: number;
}

/**
 * The desk's answer shows the copy (and its title): hand the loaders the rows read under the lock,
 * with the copy's status as it is now, so the answer costs no further read.
 */
function primeCopy(ctx: Context, item: LockedItem & { rows?: CopyRows }): void {
  if (item.rows) primeCopyRows(ctx, { ...item.rows.item, status: item.status }, item.rows.record);
}

/** The same from the copy's and its record's rows as a desk function returned them. */
function primeCopyRows(ctx: Context, itemRow: Record<string, unknown>, recordRow: Record<string, unknown>): void {
  const copy = fromRow(ctx.em, Item, itemRow);
  ctx.loaders.itemById.clear(copy.id).prime(copy.id, copy);
  const record = fromRow(ctx.em, BibliographicRecord, recordRow);
  ctx.loaders.recordById.prime(record.id, record);
}

/** A desk function's answer with the title of its copy (`item_row`), for the loaders. */
function withRecordRow(fn: string): string {
  return `select c.*, (select to_jsonb(x) from (select ${RECORD_COLUMNS} from bib_records r where r.id = (c.item_row->>'record_id')::bigint) x) record_row
    from ${fn} c`;
}

/** A transit that just arrived (closed) at the desk. */
interface ArrivedTransit {
  transitId: number;
  holdId: number | null;
  reason: string;
  illRequestId: number | null;
}

function parseBarcode(raw: string): string {
  const b = (raw ?? '').trim();
  if (!BARCODE.test(b)) throw badInput('barcode is not valid', 'barcode');
  return b;
}

export class CirculationService {
  /**
   * The library whose desk acts: the staff member's own library; a network admin names one.
   * Returns null when the viewer may not act for the named library.
   */
  async deskLibrary(ctx: Context, code: string | null | undefined): Promise<Library | null> {
    requireStaff(ctx, 'work at a desk');
    if (code) {
      const [lib] = await librariesService.requireCodes(ctx, [code], 'libraryCode');
      return ctx.viewer.worksAt(lib.id) ? lib : null;
    }
    if (ctx.viewer.libraryId === null) throw badInput('a network admin must name the desk library (libraryCode)', 'libraryCode');
    return ctx.loaders.libraryById.load(ctx.viewer.libraryId);
  }

  /** The id of the library whose desk acts (see deskLibrary), read from the token when no code is named. */
  async deskLibraryId(ctx: Context, code: string | null | undefined): Promise<number | null> {
    requireStaff(ctx, 'work at a desk');
    if (!code && ctx.viewer.libraryId !== null) return ctx.viewer.libraryId;
    return (await this.deskLibrary(ctx, code))?.id ?? null;
  }

  /**
   * Lends a copy to a patron at the copy's library: every check and write in one statement, its own
   * transaction (sn_checkout; see the migration desk_functions).
   */
  async checkout(ctx: Context, rawBarcode: string, rawCard: string) {
    requireStaff(ctx, 'lend');
    const barcode = parseBarcode(rawBarcode);
    const card = parseCardNumber(rawCard);
    const v = ctx.viewer;
    const rows = await preparedQuery<Record<string, unknown> & { outcome: string; detail: string | null; item_row: Record<string, unknown> | null; record_row: Record<string, unknown> | null }>(
      ctx.em,
      `select d.outcome, d.detail, d.item_row, d.record_row, (d.loan).* from (${withRecordRow('sn_checkout(?, ?, ?, ?, ?, ?)')}) d`,
      [barcode, card, v.accountId, v.apiClientId, v.isStaff ? v.libraryId : null, v.isNetworkAdmin],
    );
    const { outcome, detail, item_row, record_row, ...loanRow } = rows[0];
    switch (outcome) {
      case 'DONE':
        break;
      case 'ITEM_NOT_FOUND':
        return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      case 'NOT_PERMITTED':
        return new NotPermittedError('Only the desk of the library holding this copy may lend it.');
      case 'PATRON_NOT_FOUND':
        return new PatronNotFoundError(`No patron has the card ${card}.`);
      case 'PATRON_BLOCKED':
        return new PatronBlockedError(detail);
      case 'PATRON_EXPIRED':
        return new PatronExpiredError(detail ?? '');
      case 'ITEM_NOT_LOANABLE':
        return new ItemNotLoanableError();
      case 'ITEM_ON_HOLD_FOR_OTHER':
        return new ItemOnHoldForOtherError();
      case 'ITEM_NOT_AVAILABLE':
        return new ItemNotAvailableError(detail as ItemStatus);
      case 'LOAN_LIMIT_REACHED':
        return new LoanLimitReachedError(Number(detail));
      default:
        throw new Error(`sn_checkout answered ${outcome}`);
    }
    primeCopyRows(ctx, item_row!, record_row!);
    return ctx.em.map(Loan, loanRow);
  }

  /**
   * Takes a copy back at any network library and decides its next step (shelf, hold shelf or
   * transit). Overdue days (local days of the lending library) and the fine are recorded. An ordinary
   * check-in is one statement (sn_checkin); a copy of an inter-library request goes through resource
   * sharing's steps in a transaction here.
   */
  async checkin(ctx: Context, rawBarcode: string, libraryCode: string | null | undefined) {
    const barcode = parseBarcode(rawBarcode);
    const deskId = await this.deskLibraryId(ctx, libraryCode);
    if (deskId === null) return new NotPermittedError('You do not work at that library.');
    const v = ctx.viewer;
    const rows = await preparedQuery<{
      outcome: string; detail: string | null; action: CheckinAction; item_id: string | null; loan_id: string | null; hold_id: string | null;
      transit_id: string | null; destination_library_id: string | null; overdue_days: number; fine_vnd: number;
      item_row: Record<string, unknown> | null; record_row: Record<string, unknown> | null;
    }>(
      ctx.em,
      withRecordRow('sn_checkin(?, ?, ?, ?, ?)'),
      [barcode, deskId, v.accountId, v.patronId, v.apiClientId],
    );
    const r = rows[0];
    switch (r.outcome) {
      case 'DONE':
        primeCopyRows(ctx, r.item_row!, r.record_row!);
        return {
          kind: 'CheckinOutcome',
          action: r.action,
          itemId: Number(r.item_id),
          loanId: idOrNull(r.loan_id),
          holdId: idOrNull(r.hold_id),
          transitId: idOrNull(r.transit_id),
          destinationLibraryId: idOrNull(r.destination_library_id),
          overdueDays: r.overdue_days,
          fineVnd: r.fine_vnd,
        } satisfies CheckinResultValue;
      case 'DEFER':
        return this.checkinShared(ctx, barcode, deskId);
      case 'ITEM_NOT_FOUND':
        return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      case 'NO_TRANSIT':
        return new NoTransitError(`The copy is travelling to another library.`);
      case 'ITEM_NOT_CHECKED_OUT':
        return new ItemNotCheckedOutError(r.detail as ItemStatus);
      default:
        throw new Error(`sn_checkin answered ${r.outcome}`);
    }
  }

  /**
   * The check-in of a copy of an inter-library request (sn_checkin deferred it): the same steps in a
   * transaction, with resource sharing moving the request and, where it says so, the copy.
   */
  private async checkinShared(ctx: Context, barcode: string, deskId: number) {
    let copy: (LockedItem & { rows?: CopyRows }) | null = null;
    const result = await ctx.em.transactional(async (em) => {
      const item = await lockItemByBarcode(em, barcode, true);
      copy = item;
      if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      const before = item.status;
      let overdueDays = 0;
      let fineVnd = 0;
      let loanId: number | null = null;
      let travelledFor: number | null = null;
      let receivedTransitId: number | null = null;
      let illRequestId: number | null = null;
      let illTransit: ArrivedTransit | null = null;
      if (item.status === ItemStatus.ON_LOAN) {
        const closed = await query<{ closed_loan_id: string | null; closed_ill_request_id: string | null; closed_overdue_days: number; closed_fine_vnd: number }>(
          em,
          'select * from sn_close_loan(?, ?)',
          [item.id, deskId],
        );
        const loan = closed[0];
        if (loan.closed_loan_id !== null) {
          loanId = Number(loan.closed_loan_id);
          illRequestId = idOrNull(loan.closed_ill_request_id);
          overdueDays = loan.closed_overdue_days;
          fineVnd = loan.closed_fine_vnd;
        }
      } else if (item.status === ItemStatus.IN_TRANSIT) {
        // a copy in transit scanned at its destination is received; elsewhere it keeps travelling
        const received = await this.completeTransit(em, item, deskId);
        if (!received) return new NoTransitError(`The copy is travelling to another library.`);
        travelledFor = received.holdId;
        receivedTransitId = received.transitId;
        illTransit = received;
      } else if (![ItemStatus.AVAILABLE, ItemStatus.MISSING].includes(item.status)) {
        return new ItemNotCheckedOutError(item.status);
      }
      return this.routeAndRecord(ctx, em, item, deskId, {
        action: 'checkinItem',
        before,
        travelledFor,
        receivedTransitId,
        loanId,
        overdueDays,
        fineVnd,
        ill: illRequestId !== null
          ? () => illCheckin(em, ctx.viewer, item, illRequestId!, deskId)
          : illTransit?.illRequestId != null
            ? () => illTransitArrived(em, ctx.viewer, item, illTransit!, deskId)
            : null,
      });
    });
    if (copy && !(result instanceof ErrorResult)) primeCopy(ctx, copy);
    return result;
  }

  /** Receives a copy in transit at its destination and routes it (hold shelf, or shelf at home). */
  async receiveTransit(ctx: Context, rawBarcode: string, libraryCode: string | null | undefined) {
    const barcode = parseBarcode(rawBarcode);
    const deskId = await this.deskLibraryId(ctx, libraryCode);
    if (deskId === null) return new NotPermittedError('You do not work at that library.');
    return ctx.em.transactional(async (em) => {
      const item = await lockItemByBarcode(em, barcode);
      if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      if (item.status !== ItemStatus.IN_TRANSIT) return new NoTransitError(`The copy is ${item.status}, not in transit.`);
      const transit = await this.completeTransit(em, item, deskId);
      if (!transit) return new NoTransitError('The copy is not travelling to this library.');
      return this.routeAndRecord(ctx, em, item, deskId, {
        action: 'receiveTransit',
        before: ItemStatus.IN_TRANSIT,
        travelledFor: transit.holdId,
        receivedTransitId: transit.transitId,
        loanId: null,
        overdueDays: 0,
        fineVnd: 0,
        ill: transit.illRequestId !== null ? () => illTransitArrived(em, ctx.viewer, item, transit, deskId) : null,
      });
    });
  }

  /**
   * The common end of check-in and receive: route the free copy from this desk (next hold, transit,
   * shelf), audit what happened, and say what the desk does next.
   */
  private async routeAndRecord(
    ctx: Context,
    em: EntityManager,
    item: LockedItem,
    deskId: number,
    r: {
      action: 'checkinItem' | 'receiveTransit';
      before: ItemStatus;
      travelledFor: number | null;
      receivedTransitId: number | null;
      loanId: number | null;
      overdueDays: number;
      fineVnd: number;
      /** Resource sharing's say on a copy of an inter-library request; null leaves it to the usual routing. */
      ill: (() => Promise<RouteResult | null>) | null;
    },
  ): Promise<CheckinResultValue> {
    const route = (r.ill ? await r.ill() : null) ?? (await routeFreeItem(em, item, deskId, r.travelledFor));
    await audit(
      { em, viewer: ctx.viewer },
      {
        action: r.action,
        entity: 'Item',
        entityId: item.id,
        libraryId: deskId,
        before: { itemStatus: r.before },
        after: { itemStatus: item.status, action: route.action, loanId: r.loanId, overdueDays: r.overdueDays, fineVnd: r.fineVnd },
      },
    );
    return {
      kind: 'CheckinOutcome',
      action: route.action,
      itemId: item.id,
      loanId: r.loanId,
      holdId: route.holdId,
      transitId: route.transitId ?? r.receivedTransitId,
      destinationLibraryId: route.toLibraryId,
      overdueDays: r.overdueDays,
      fineVnd: r.fineVnd,
    };
  }

  /** Closes the open transit of a copy arriving at its destination (sn_complete_transit); null when it goes elsewhere. */
  private async completeTransit(em: EntityManager, item: LockedItem, atLibraryId: number): Promise<ArrivedTransit | null> {
    const rows = await query<{ received_transit_id: string | null; received_hold_id: string | null; received_reason: string; received_ill_request_id: string | null }>(
      em,
      'select * from sn_complete_transit(?, ?)',
      [item.id, atLibraryId],
    );
    const t = rows[0];
    if (t.received_transit_id === null) return null;
    return {
      transitId: Number(t.received_transit_id),
      holdId: idOrNull(t.received_hold_id),
      reason: t.received_reason,
      illRequestId: idOrNull(t.received_ill_request_id),
    };
  }

  /** Renews an open loan: by staff of the lending library, or by the patron themself. */
  async renew(ctx: Context, loanGid: string) {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    const loanId = decodeIdOf('Loan', loanGid, 'loanId');
    return ctx.em.transactional(async (em) => {
      const rows = await query<{
        id: string; item_id: string; patron_id: string | null; library_id: string; renewals: number; record_id: string;
        format: string; category: string; status: PatronStatus; block_reason: string | null; tz: string; overdue_days: number;
        ill_request_id: string | null;
      }>(
        em,
        `select l.id, l.item_id, l.patron_id, l.library_id, l.renewals, i.record_id, r.format, p.category, p.status, p.block_reason, l.ill_request_id,
                lib.time_zone tz, greatest(0, (now() at time zone lib.time_zone)::date - (l.due_at at time zone lib.time_zone)::date) overdue_days
           from loans l join items i on i.id = l.item_id join bib_records r on r.id = i.record_id
           join patrons p on p.id = l.patron_id join libraries lib on lib.id = l.library_id
          where l.id = ? and l.returned_at is null for update of l`,
        [loanId],
      );
      const loan = rows[0];
      const v = ctx.viewer;
      if (!loan || !(v.worksAt(Number(loan.library_id)) || (v.isPatron && v.patronId === Number(loan.patron_id)))) {
        return new LoanNotFoundError();
      }
      // the lender sets the due date of a borrowed copy: renewals go through the request
      if (loan.ill_request_id !== null) return new IllLoanError(toGlobalId('IllRequest', Number(loan.ill_request_id)));
      if (loan.status === PatronStatus.BLOCKED) return new PatronBlockedError(loan.block_reason);
      const policy = await effectivePolicy(em, Number(loan.library_id), loan.category, loan.format);
      if (loan.renewals >= policy.maxRenewals) return new RenewalLimitReachedError(policy.maxRenewals);
      if (loan.overdue_days > policy.renewOverdueMaxDays) return new OverdueTooLongError(loan.overdue_days);
      const waiting = await query<{ n: string }>(
        em,
        `select count(*) n from holds where status = 'WAITING' and (suspended_until is null or suspended_until <= now())
            and (item_id = ? or (item_id is null and record_id = ?)) and patron_id <> ?`,
        [loan.item_id, loan.record_id, loan.patron_id],
      );
      if (Number(waiting[0].n) > 0) return new HoldPendingError();
      const updated = await query<Record<string, unknown>>(
        em,
        `update loans set renewals = renewals + 1, due_at = ${END_OF_LOCAL_DAY}, overdue = false where id = ? returning *`,
        [...endOfLocalDayParams(loan.tz, policy.loanDays), loanId],
      );
      const result = em.map(Loan, updated[0]);
      await emitEvent(em, {
        type: 'loan.renewed',
        libraryIds: [Number(loan.library_id)],
        entity: 'Loan',
        entityId: loanId,
        payload: { loanId, renewals: result.renewals, dueAt: result.dueAt.toISOString() },
      });
      await audit(
        { em, viewer: ctx.viewer },
        { action: 'renewLoan', entity: 'Loan', entityId: loanId, libraryId: Number(loan.library_id), after: { renewals: result.renewals, dueAt: result.dueAt } },
      );
      return result;
    });
  }
}

export const circulationService = new CirculationService();
