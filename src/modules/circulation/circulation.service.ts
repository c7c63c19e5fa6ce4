import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../server/context';
import { NotPermittedError } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf } from '../../common/ids';
import { query } from '../../db/sql';
import { audit } from '../audit/audit.service';
import { ItemNotFoundError } from '../catalog/catalog.types';
import { ItemStatus } from '../catalog/item.entity';
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
import { LockedItem, libraryTimeZone, lockItemByBarcode, routeFreeItem, setItemStatus } from './routing';

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

  private async lockPatron(em: EntityManager, cardNumber: string): Promise<PatronRow | null> {
    const rows = await query<PatronRow>(
      em,
      `select id, card_number, home_library_id, category, status, block_reason, to_char(expires_on, 'YYYY-MM-DD') expires_on,
              keep_loan_history, expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date expired
         from patrons where card_number = ? for update`,
      [cardNumber],
    );
    return rows[0] ?? null;
  }

  /** Lends a copy to a patron at the copy's library. Every check and write in one transaction. */
  async checkout(ctx: Context, rawBarcode: string, rawCard: string) {
    requireStaff(ctx, 'lend');
    const barcode = parseBarcode(rawBarcode);
    const card = parseCardNumber(rawCard);
    return ctx.em.transactional(async (em) => {
      // copy first, then patron: every path locks in this order, so desks cannot deadlock
      const item = await lockItemByBarcode(em, barcode);
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
      const patron = await this.lockPatron(em, card);
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
      const policy = await effectivePolicy(em, lendingLibraryId, patron.category, item.format);
      const open = await query<{ n: string }>(em, 'select count(*) n from loans where patron_id = ? and returned_at is null', [patronId]);
      if (Number(open[0].n) >= policy.maxLoans) return new LoanLimitReachedError(policy.maxLoans);
      // on this transaction's connection: ctx.loaders would take a second one while we hold locks
      const timeZone = await libraryTimeZone(em, lendingLibraryId);
      const rows = await query<Record<string, unknown>>(
        em,
        `insert into loans (item_id, patron_id, library_id, checked_out_by, due_at)
         values (?, ?, ?, ?, ${END_OF_LOCAL_DAY}) returning *`,
        [item.id, patronId, lendingLibraryId, ctx.viewer.accountId, ...endOfLocalDayParams(timeZone, policy.loanDays)],
      );
      const loan = em.map(Loan, rows[0]);
      const before = item.status;
      await setItemStatus(em, item, ItemStatus.ON_LOAN);
      if (fulfilledHold !== null) {
        await query(em, `update holds set status = 'FULFILLED', closed_at = now() where id = ?`, [fulfilledHold]);
        await emitEvent(em, {
          type: 'hold.fulfilled',
          libraryIds: [item.library_id],
          entity: 'Hold',
          entityId: fulfilledHold,
          payload: { holdId: fulfilledHold, loanId: loan.id, patronId },
        });
      }
      // the patron's own waiting hold on this title is served by this loan
      const own = await query<{ id: string }>(
        em,
        `update holds set status = 'FULFILLED', closed_at = now()
          where patron_id = ? and record_id = ? and status = 'WAITING' and (item_id is null or item_id = ?) returning id`,
        [patronId, item.record_id, item.id],
      );
      for (const h of own) {
        await emitEvent(em, { type: 'hold.fulfilled', libraryIds: [lendingLibraryId], entity: 'Hold', entityId: Number(h.id), payload: { holdId: Number(h.id), loanId: loan.id, patronId } });
      }
      await emitEvent(em, {
        type: 'loan.created',
        libraryIds: [lendingLibraryId, item.library_id, Number(patron.home_library_id)],
        entity: 'Loan',
        entityId: loan.id,
        payload: { loanId: loan.id, itemId: item.id, barcode, patronId, dueAt: loan.dueAt.toISOString() },
      });
      await audit(
        { em, viewer: ctx.viewer },
        { action: 'checkoutItem', entity: 'Loan', entityId: loan.id, libraryId: lendingLibraryId, before: { itemStatus: before }, after: { itemStatus: ItemStatus.ON_LOAN, patronId, dueAt: loan.dueAt } },
      );
      return loan;
    });
  }

  /**
   * Takes a copy back at any network library and decides its next step (shelf, hold shelf or
   * transit). Overdue days (local days of the lending library) and the fine are recorded.
   */
  async checkin(ctx: Context, rawBarcode: string, libraryCode: string | null | undefined) {
    const barcode = parseBarcode(rawBarcode);
    const desk = await this.deskLibrary(ctx, libraryCode);
    if (!desk) return new NotPermittedError('You do not work at that library.');
    return ctx.em.transactional(async (em) => {
      const item = await lockItemByBarcode(em, barcode);
      if (!item) return new ItemNotFoundError(`No copy has the barcode ${barcode}.`);
      const before = item.status;
      let overdueDays = 0;
      let fineVnd = 0;
      let loanId: number | null = null;
      let travelledFor: number | null = null;
      if (item.status === ItemStatus.ON_LOAN) {
        const loans = await query<{ id: string; patron_id: string | null; library_id: string; keep: boolean | null; category: string | null; tz: string; days: number }>(
          em,
          `select l.id, l.patron_id, l.library_id, p.keep_loan_history keep, p.category, lib.time_zone tz,
                  greatest(0, (now() at time zone lib.time_zone)::date - (l.due_at at time zone lib.time_zone)::date) days
             from loans l join libraries lib on lib.id = l.library_id left join patrons p on p.id = l.patron_id
            where l.item_id = ? and l.returned_at is null for update of l`,
          [item.id],
        );
        const loan = loans[0];
        if (loan) {
          loanId = Number(loan.id);
          overdueDays = loan.days;
          const policy = await effectivePolicy(em, Number(loan.library_id), loan.category ?? 'ADULT', item.format);
          fineVnd = overdueDays * policy.finePerDay;
          await query(
            em,
            `update loans set returned_at = now(), checkin_library_id = ?, overdue_days = ?, fine_vnd = ?,
                    overdue = overdue or ? > 0,
                    patron_id = case when ? then patron_id else null end, anonymised = not ?
              where id = ?`,
            // a loan with a fine stays linked to its patron until the fine is settled (finesOwed needs it)
            [desk.id, overdueDays, fineVnd, overdueDays, loan.keep !== false || fineVnd > 0, loan.keep !== false || fineVnd > 0, loanId],
          );
          await emitEvent(em, {
            type: 'loan.returned',
            libraryIds: [Number(loan.library_id), desk.id, item.library_id],
            entity: 'Loan',
            entityId: loanId,
            payload: { loanId, itemId: item.id, barcode, overdueDays, fineVnd, checkinLibraryId: desk.id },
          });
        }
      } else if (item.status === ItemStatus.IN_TRANSIT) {
        // a copy in transit scanned at its destination is received; elsewhere it keeps travelling
        const received = await this.completeTransit(em, item, desk.id);
        if (!received) return new NoTransitError(`The copy is travelling to another library.`);
        travelledFor = received.holdId;
      } else if (![ItemStatus.AVAILABLE, ItemStatus.MISSING].includes(item.status)) {
        return new ItemNotCheckedOutError(item.status);
      }
      const route = await routeFreeItem(em, item, desk.id, travelledFor);
      await audit(
        { em, viewer: ctx.viewer },
        { action: 'checkinItem', entity: 'Item', entityId: item.id, libraryId: desk.id, before: { itemStatus: before }, after: { itemStatus: item.status, action: route.action, loanId, overdueDays, fineVnd } },
      );
      const result: CheckinResultValue = {
        kind: 'CheckinOutcome',
        action: route.action,
        itemId: item.id,
        loanId,
        holdId: route.holdId,
        transitId: route.transitId,
        destinationLibraryId: route.toLibraryId,
        overdueDays,
        fineVnd,
      };
      return result;
    });
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
      const route = await routeFreeItem(em, item, desk.id, transit.holdId);
      await audit(
        { em, viewer: ctx.viewer },
        { action: 'receiveTransit', entity: 'Item', entityId: item.id, libraryId: desk.id, before: { itemStatus: ItemStatus.IN_TRANSIT }, after: { itemStatus: item.status, action: route.action } },
      );
      const result: CheckinResultValue = {
        kind: 'CheckinOutcome',
        action: route.action,
        itemId: item.id,
        loanId: null,
        holdId: route.holdId,
        transitId: route.transitId ?? transit.transitId,
        destinationLibraryId: route.toLibraryId,
        overdueDays: 0,
        fineVnd: 0,
      };
      return result;
    });
  }

  /** Closes the open transit of a copy arriving at its destination; null when it goes elsewhere. */
  private async completeTransit(em: EntityManager, item: LockedItem, atLibraryId: number): Promise<{ transitId: number; holdId: number | null } | null> {
    const rows = await query<{ id: string; hold_id: string | null; from_library_id: string }>(
      em,
      `update transits set received_at = now() where item_id = ? and received_at is null and to_library_id = ?
       returning id, hold_id, from_library_id`,
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
    return { transitId: Number(t.id), holdId: t.hold_id === null ? null : Number(t.hold_id) };
  }

  /** Renews an open loan: by staff of the lending library, or by the patron themself. */
  async renew(ctx: Context, loanGid: string) {
    if (!ctx.viewer.isAuthenticated) throw unauthenticated();
    const loanId = decodeIdOf('Loan', loanGid, 'loanId');
    return ctx.em.transactional(async (em) => {
      const rows = await query<{
        id: string; item_id: string; patron_id: string | null; library_id: string; renewals: number; record_id: string;
        format: string; category: string; status: PatronStatus; block_reason: string | null; tz: string; overdue_days: number;
      }>(
        em,
        `select l.id, l.item_id, l.patron_id, l.library_id, l.renewals, i.record_id, r.format, p.category, p.status, p.block_reason,
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
