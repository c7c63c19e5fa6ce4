import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { ErrorResult, badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { fromRow } from '../../db/rows';
import { pgArray, query } from '../../db/sql';
import { audit } from '../audit/audit.service';
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
import { END_OF_LOCAL_DAY, effectivePolicy, endOfLocalDayParams, policySql } from './policy';
import { CopyRows, LockedItem, RouteResult, lockItemByBarcode, routeFreeItem } from './routing';
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

interface PatronRow {
  id: string;
  card_number: string;
  home_library_id: string;
  category: string;
  status: PatronStatus;
  block_reason: string | null;
  expires_on: string;
  keep_loan_history: boolean;
  expired: boolean;
}

/**
 * The desk's answer shows the copy (and its title): hand the loaders the rows read under the lock,
 * with the copy's status as it is now, so the answer costs no further read.
 */
function primeCopy(ctx: Context, item: LockedItem & { rows?: CopyRows }): void {
  if (!item.rows) return;
  const copy = fromRow(ctx.em, Item, { ...item.rows.item, status: item.status });
  ctx.loaders.itemById.clear(copy.id).prime(copy.id, copy);
  const record = fromRow(ctx.em, BibliographicRecord, item.rows.record);
  ctx.loaders.recordById.prime(record.id, record);
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

  /** Lends a copy to a patron at the copy's library. Every check and write in one transaction. */
  async checkout(ctx: Context, rawBarcode: string, rawCard: string) {
    requireStaff(ctx, 'lend');
    const barcode = parseBarcode(rawBarcode);
    const card = parseCardNumber(rawCard);
    const result = await ctx.em.transactional(async (em) => {
      // copy first, then patron: every path locks in this order, so desks cannot deadlock
      const item = await lockItemByBarcode(em, barcode, true);
      if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      // a copy on a hold shelf is lent by the pickup library's desk; any other by its owner's
      let lendingLibraryId = item.library_id;
      let held: { id: number; patronId: number } | null = null;
      if (item.status === ItemStatus.ON_HOLD_SHELF) {
        const rows = await query<{ id: string; patron_id: string; pickup_library_id: string }>(
          em,
          `select id, patron_id, pickup_library_id from holds where captured_item_id = ? and status = 'READY_FOR_PICKUP' for update`,
          [item.id],
        );
        if (rows[0]) {
          held = { id: Number(rows[0].id), patronId: Number(rows[0].patron_id) };
          lendingLibraryId = Number(rows[0].pickup_library_id);
        }
      }
      if (!ctx.viewer.worksAt(lendingLibraryId)) {
        return new NotPermittedError('Only the desk of the library holding this copy may lend it.');
      }
      // the patron (locked), the lending rule and the desk's time zone in one statement. Their open
      // loans are counted in the next one: a count inside this statement would be read before the lock
      // was granted and miss a loan that a concurrent desk committed meanwhile.
      const found = await query<PatronRow & { loan_days: number; max_loans: number; time_zone: string }>(
        em,
        `select p.id, p.card_number, p.home_library_id, p.category, p.status, p.block_reason,
                to_char(p.expires_on, 'YYYY-MM-DD') expires_on, p.keep_loan_history,
                p.expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date expired,
                pol.loan_days, pol.max_loans, lib.time_zone
           from patrons p
           join libraries lib on lib.id = ?
           cross join lateral (${policySql('lib.id', 'p.category', '?')}) pol
          where p.card_number = ? for update of p`,
        [lendingLibraryId, item.format, card],
      );
      const patron = found[0];
      if (!patron) return new PatronNotFoundError(`No patron has the card ${card}.`);
      if (patron.status === PatronStatus.BLOCKED) return new PatronBlockedError(patron.block_reason);
      if (patron.status === PatronStatus.EXPIRED || patron.expired) return new PatronExpiredError(patron.expires_on);
      if (!item.loanable) return new ItemNotLoanableError();
      const patronId = Number(patron.id);
      let fulfilledHold: number | null = null;
      if (item.status === ItemStatus.ON_HOLD_SHELF) {
        if (!held || held.patronId !== patronId) return new ItemOnHoldForOtherError();
        fulfilledHold = held.id;
      } else if (item.status !== ItemStatus.AVAILABLE) {
        return new ItemNotAvailableError(item.status);
      }
      const open = await query<{ n: string }>(em, 'select count(*) n from loans where patron_id = ? and returned_at is null', [patronId]);
      if (Number(open[0].n) >= patron.max_loans) return new LoanLimitReachedError(patron.max_loans);
      // the loan, the holds it serves (the one on the shelf, and the patron's own waiting hold on the
      // title), the copy ON_LOAN, their events and the audit row: one statement
      const before = item.status;
      const rows = await query<Record<string, unknown>>(
        em,
        `with l as (
           insert into loans (item_id, patron_id, library_id, checked_out_by, due_at)
           values (?, ?, ?, ?, ${END_OF_LOCAL_DAY}) returning *
         ), h as (
           update holds set status = 'FULFILLED', closed_at = now()
            where id = ?::bigint
               or (patron_id = ? and record_id = ? and status = 'WAITING' and (item_id is null or item_id = ?))
           returning id
         ), it as (
           update items set status = 'ON_LOAN', updated_at = now() where id = ? and status <> 'ON_LOAN' returning id
         ), ev as (
           insert into events (type, library_ids, entity, entity_id, payload)
           select 'loan.created', ?::bigint[], 'Loan', l.id,
                  jsonb_build_object('loanId', l.id, 'itemId', l.item_id, 'barcode', ?::text, 'patronId', l.patron_id, 'dueAt', l.due_at)
             from l
           union all
           select 'hold.fulfilled', ?::bigint[], 'Hold', h.id, jsonb_build_object('holdId', h.id, 'loanId', l.id, 'patronId', l.patron_id)
             from h, l
           union all
           select 'item.status_changed', array[?]::bigint[], 'Item', it.id, ?::jsonb from it
           returning 1
         ), au as (
           insert into audit_log (actor_account_id, actor_api_client_id, library_id, action, entity, entity_id, before, after)
           select ?, ?, l.library_id, 'checkoutItem', 'Loan', l.id, ?::jsonb,
                  jsonb_build_object('itemStatus', 'ON_LOAN', 'patronId', l.patron_id, 'dueAt', l.due_at)
             from l returning 1
         )
         select l.*, pg_notify('shelfnet_events', '') from l`,
        [
          item.id,
          patronId,
          lendingLibraryId,
          ctx.viewer.accountId,
          ...endOfLocalDayParams(patron.time_zone, patron.loan_days),
          fulfilledHold,
          patronId,
          item.record_id,
          item.id,
          item.id,
          pgArray(em, [...new Set([lendingLibraryId, item.library_id, Number(patron.home_library_id)])], 'bigint'),
          barcode,
          pgArray(em, [...new Set([lendingLibraryId, item.library_id])], 'bigint'),
          item.library_id,
          JSON.stringify({ itemId: item.id, barcode, before: item.status, after: ItemStatus.ON_LOAN }),
          ctx.viewer.accountId,
          ctx.viewer.apiClientId,
          JSON.stringify({ itemStatus: before }),
        ],
      );
      delete rows[0].pg_notify;
      const loan = em.map(Loan, rows[0]);
      item.status = ItemStatus.ON_LOAN;
      return { loan, item };
    });
    if (!('loan' in result)) return result;
    primeCopy(ctx, result.item);
    return result.loan;
  }

  /**
   * Takes a copy back at any network library and decides its next step (shelf, hold shelf or
   * transit). Overdue days (local days of the lending library) and the fine are recorded.
   */
  async checkin(ctx: Context, rawBarcode: string, libraryCode: string | null | undefined) {
    const barcode = parseBarcode(rawBarcode);
    const desk = await this.deskLibrary(ctx, libraryCode);
    if (!desk) return new NotPermittedError('You do not work at that library.');
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
      // a copy borrowed for an inter-library request goes back to its lender (or completes there)
      let illRequestId: number | null = null;
      let illTransit: ArrivedTransit | null = null;
      if (item.status === ItemStatus.ON_LOAN) {
        // the open loan closed with its lateness in the lender's local days and the rule's fine, its event:
        // one statement (the copy's lock serialises check-ins of it). A loan with a fine stays linked to
        // its patron until the fine is settled (finesOwed needs it).
        const closed = await query<{ id: string; library_id: string; ill_request_id: string | null; days: number; fine: number }>(
          em,
          `with c as (
             select l.id, l.library_id, l.ill_request_id, pol.fine_per_day, p.keep_loan_history keep,
                    greatest(0, (now() at time zone lib.time_zone)::date - (l.due_at at time zone lib.time_zone)::date) days
               from loans l join libraries lib on lib.id = l.library_id left join patrons p on p.id = l.patron_id
               cross join lateral (${policySql('l.library_id', "coalesce(p.category, 'ADULT')", '?')}) pol
              where l.item_id = ? and l.returned_at is null
           ), u as (
             update loans l set returned_at = now(), checkin_library_id = ?, overdue_days = c.days, fine_vnd = c.days * c.fine_per_day,
                    overdue = l.overdue or c.days > 0,
                    patron_id = case when c.keep is distinct from false or c.days * c.fine_per_day > 0 then l.patron_id end,
                    anonymised = not (c.keep is distinct from false or c.days * c.fine_per_day > 0)
               from c where l.id = c.id
             returning l.id, c.library_id, c.ill_request_id, c.days, c.days * c.fine_per_day fine
           ), ev as (
             insert into events (type, library_ids, entity, entity_id, payload)
             select 'loan.returned', array(select distinct x from unnest(array[u.library_id, ?::bigint, ?::bigint]) x), 'Loan', u.id,
                    jsonb_build_object('loanId', u.id, 'itemId', ?::bigint, 'barcode', ?::text, 'overdueDays', u.days, 'fineVnd', u.fine, 'checkinLibraryId', ?::bigint)
               from u returning 1
           )
           select u.*, pg_notify('shelfnet_events', '') from u`,
          [item.format, item.id, desk.id, desk.id, item.library_id, item.id, barcode, desk.id],
        );
        const loan = closed[0];
        if (loan) {
          loanId = Number(loan.id);
          if (loan.ill_request_id !== null) illRequestId = Number(loan.ill_request_id);
          overdueDays = loan.days;
          fineVnd = Number(loan.fine);
        }
      } else if (item.status === ItemStatus.IN_TRANSIT) {
        // a copy in transit scanned at its destination is received; elsewhere it keeps travelling
        const received = await this.completeTransit(em, item, desk.id);
        if (!received) return new NoTransitError(`The copy is travelling to another library.`);
        travelledFor = received.holdId;
        receivedTransitId = received.transitId;
        illTransit = received;
      } else if (![ItemStatus.AVAILABLE, ItemStatus.MISSING].includes(item.status)) {
        return new ItemNotCheckedOutError(item.status);
      }
      return this.routeAndRecord(ctx, em, item, desk.id, {
        action: 'checkinItem',
        before,
        travelledFor,
        receivedTransitId,
        loanId,
        overdueDays,
        fineVnd,
        ill: illRequestId !== null
          ? () => illCheckin(em, ctx.viewer, item, illRequestId!, desk.id)
          : illTransit?.illRequestId != null
            ? () => illTransitArrived(em, ctx.viewer, item, illTransit!, desk.id)
            : null,
      });
    });
    if (copy && !(result instanceof ErrorResult)) primeCopy(ctx, copy);
    return result;
  }

  /** Receives a copy in transit at its destination and routes it (hold shelf, or shelf at home). */
  async receiveTransit(ctx: Context, rawBarcode: string, libraryCode: string | null | undefined) {
    const barcode = parseBarcode(rawBarcode);
    const desk = await this.deskLibrary(ctx, libraryCode);
    if (!desk) return new NotPermittedError('You do not work at that library.');
    return ctx.em.transactional(async (em) => {
      const item = await lockItemByBarcode(em, barcode);
      if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      if (item.status !== ItemStatus.IN_TRANSIT) return new NoTransitError(`The copy is ${item.status}, not in transit.`);
      const transit = await this.completeTransit(em, item, desk.id);
      if (!transit) return new NoTransitError('The copy is not travelling to this library.');
      return this.routeAndRecord(ctx, em, item, desk.id, {
        action: 'receiveTransit',
        before: ItemStatus.IN_TRANSIT,
        travelledFor: transit.holdId,
        receivedTransitId: transit.transitId,
        loanId: null,
        overdueDays: 0,
        fineVnd: 0,
        ill: transit.illRequestId !== null ? () => illTransitArrived(em, ctx.viewer, item, transit, desk.id) : null,
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

  /** Closes the open transit of a copy arriving at its destination; null when it goes elsewhere. */
  private async completeTransit(em: EntityManager, item: LockedItem, atLibraryId: number): Promise<ArrivedTransit | null> {
    const rows = await query<{ id: string; hold_id: string | null; from_library_id: string; reason: string; ill_request_id: string | null }>(
      em,
      `update transits set received_at = now() where item_id = ? and received_at is null and to_library_id = ?
       returning id, hold_id, from_library_id, reason, ill_request_id`,
      [item.id, atLibraryId],
    );
    const t = rows[0];
    if (!t) return null;
    await emitEvent(em, {
      type: 'transit.received',
      libraryIds: [atLibraryId, Number(t.from_library_id), item.library_id],
      entity: 'Transit',
      entityId: Number(t.id),
      payload: { transitId: Number(t.id), itemId: item.id, barcode: item.barcode, at: atLibraryId },
    });
    return {
      transitId: Number(t.id),
      holdId: t.hold_id === null ? null : Number(t.hold_id),
      reason: t.reason,
      illRequestId: t.ill_request_id === null ? null : Number(t.ill_request_id),
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
