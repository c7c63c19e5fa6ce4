import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { pageSize } from '../../common/pagination';
import type { Context } from '../../server/context';
import { ItemNotFoundError, ItemType, RecordNotFoundError, RecordType, UnknownLibraryError } from '../catalog/catalog.types';
import { catalogService } from '../catalog/catalog.service';
import { RecordFormat } from '../catalog/record.entity';
import { LibraryType } from '../libraries/library.types';
import { librariesService } from '../libraries/libraries.service';
import { PatronCategory } from '../patrons/patron.entity';
import { PatronBlockedError, PatronExpiredError, PatronNotFoundError, PatronType } from '../patrons/patron.types';
import { requireStaff } from '../patrons/patrons.service';
import { CheckinResultValue, circulationService } from './circulation.service';
import { circulationQueries } from './circulation.queries';
import {
  AlreadyOnLoanToPatronError,
  CheckinOutcome,
  CirculationPolicyType,
  DuplicateHoldError,
  HoldLimitReachedError,
  HoldNotChangeableError,
  HoldNotFoundError,
  HoldPendingError,
  HoldType,
  HoldsNotAllowedError,
  ItemNotAvailableError,
  ItemNotCheckedOutError,
  ItemNotLoanableError,
  ItemOnHoldForOtherError,
  LoanConnection,
  LoanFilter,
  LoanLimitReachedError,
  LoanNotFoundError,
  LoanStatus,
  LoanType,
  NoTransitError,
  OverdueTooLongError,
  RenewalLimitReachedError,
  TransitDirection,
  TransitType,
} from './circulation.types';
import { Hold } from './hold.entity';
import { holdsService } from './holds.service';
import { Loan } from './loan.entity';
import { effectivePolicy } from './policy';
import { Transit } from './transit.entity';
import { IllLoanError } from '../sharing/ill.types';

export const CheckoutResult = resultUnion('CheckoutResult', 'The new loan, or why the copy could not be lent.', { entity: Loan, type: LoanType }, [
  ItemNotFoundError,
  ItemNotLoanableError,
  ItemNotAvailableError,
  ItemOnHoldForOtherError,
  PatronNotFoundError,
  PatronBlockedError,
  PatronExpiredError,
  LoanLimitReachedError,
  NotPermittedError,
]);

const isCheckin = (v: unknown) => typeof v === 'object' && v !== null && (v as CheckinResultValue).kind === 'CheckinOutcome';
export const CheckinResult = resultUnion('CheckinResult', 'What happens next to the copy, or why it could not be checked in.', { entity: isCheckin, type: CheckinOutcome }, [
  ItemNotFoundError,
  ItemNotCheckedOutError,
  NoTransitError,
  NotPermittedError,
]);
export const ReceiveTransitResult = resultUnion('ReceiveTransitResult', 'What happens next to the received copy, or why it was refused.', { entity: isCheckin, type: CheckinOutcome }, [
  ItemNotFoundError,
  NoTransitError,
  NotPermittedError,
]);
export const RenewLoanResult = resultUnion('RenewLoanResult', 'The renewed loan, or why it was refused.', { entity: Loan, type: LoanType }, [
  LoanNotFoundError,
  IllLoanError,
  RenewalLimitReachedError,
  HoldPendingError,
  OverdueTooLongError,
  PatronBlockedError,
]);
export const PlaceHoldResult = resultUnion('PlaceHoldResult', 'The new hold, or why it was refused.', { entity: Hold, type: HoldType }, [
  RecordNotFoundError,
  ItemNotFoundError,
  UnknownLibraryError,
  PatronNotFoundError,
  PatronBlockedError,
  PatronExpiredError,
  HoldsNotAllowedError,
  HoldLimitReachedError,
  AlreadyOnLoanToPatronError,
  DuplicateHoldError,
  NotPermittedError,
]);
export const HoldChangeResult = resultUnion('HoldChangeResult', 'The changed hold, or why the change was refused.', { entity: Hold, type: HoldType }, [
  HoldNotFoundError,
  HoldNotChangeableError,
  UnknownLibraryError,
  HoldsNotAllowedError,
]);

@Resolver(() => LoanType)
export class LoanResolver {
  @Mutation(() => CheckoutResult, { description: "Lends a copy to a patron at the copy's library (staff of that library)." })
  checkoutItem(
    @Ctx() ctx: Context,
    @Arg('barcode', () => String, { description: 'Barcode of the copy.' }) barcode: string,
    @Arg('cardNumber', () => String, { description: "The patron's card number." }) cardNumber: string,
  ) {
    return circulationService.checkout(ctx, barcode, cardNumber);
  }

  @Mutation(() => CheckinResult, { description: 'Takes a copy back at any network library and says what to do with it next.' })
  checkinItem(
    @Ctx() ctx: Context,
    @Arg('barcode', () => String, { description: 'Barcode of the copy.' }) barcode: string,
    @Arg('libraryCode', () => String, { nullable: true, description: "Desk library (default: the staff member's own; network admins must give it)." })
    libraryCode: string | null,
  ) {
    return circulationService.checkin(ctx, barcode, libraryCode);
  }

  @Mutation(() => ReceiveTransitResult, { description: 'Receives a copy in transit at its destination library.' })
  receiveTransit(
    @Ctx() ctx: Context,
    @Arg('barcode', () => String, { description: 'Barcode of the copy.' }) barcode: string,
    @Arg('libraryCode', () => String, { nullable: true, description: "Desk library (default: the staff member's own)." }) libraryCode: string | null,
  ) {
    return circulationService.receiveTransit(ctx, barcode, libraryCode);
  }

  @Mutation(() => RenewLoanResult, { description: 'Renews a loan (staff of the lending library, or the patron).' })
  renewLoan(@Ctx() ctx: Context, @Arg('loanId', () => ID, { description: 'The loan.' }) loanId: string) {
    return circulationService.renew(ctx, loanId);
  }

  @Query(() => LoanConnection, { description: "Loans of a library's desk (staff of that library; network admins any), by due date." })
  loans(
    @Ctx() ctx: Context,
    @Arg('filter', () => LoanFilter, { description: 'Library and conditions.' }) filter: LoanFilter,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return circulationQueries.libraryLoans(ctx, filter, first, after);
  }

  @Query(() => CirculationPolicyType, { description: 'The lending rules in force for a library, patron category and format.' })
  async circulationPolicy(
    @Ctx() ctx: Context,
    @Arg('libraryCode', () => String, { description: 'Library.' }) libraryCode: string,
    @Arg('category', () => PatronCategory, { description: 'Patron category.' }) category: PatronCategory,
    @Arg('format', () => RecordFormat, { nullable: true, description: 'Format (default BOOK).' }) format: RecordFormat | null,
  ) {
    const [lib] = await librariesService.requireCodes(ctx, [libraryCode], 'libraryCode');
    const p = await effectivePolicy(ctx.em, lib.id, category, format ?? RecordFormat.BOOK);
    return { ...p, librarySpecific: p.libraryId !== null };
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() l: Loan) {
    return toGlobalId('Loan', l.id);
  }

  @FieldResolver(() => LoanStatus, { description: 'ACTIVE, OVERDUE (past due, not returned) or RETURNED.' })
  status(@Root() l: Loan) {
    if (l.returnedAt) return LoanStatus.RETURNED;
    return l.overdue || l.dueAt.getTime() < Date.now() ? LoanStatus.OVERDUE : LoanStatus.ACTIVE;
  }

  @FieldResolver(() => ItemType, { description: 'The copy lent.' })
  item(@Root() l: Loan, @Ctx() ctx: Context) {
    return ctx.loaders.itemById.load(l.itemId);
  }

  @FieldResolver(() => PatronType, { nullable: true, description: 'The borrower (null when anonymised or not visible to you).' })
  async patron(@Root() l: Loan, @Ctx() ctx: Context) {
    return l.patronId === null ? null : circulationQueries.visiblePatron(ctx, l.patronId, l.libraryId);
  }

  @FieldResolver(() => LibraryType, { description: 'The lending library.' })
  library(@Root() l: Loan, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(l.libraryId);
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'Where it was returned.' })
  checkinLibrary(@Root() l: Loan, @Ctx() ctx: Context) {
    return l.checkinLibraryId === null ? null : ctx.loaders.libraryById.load(l.checkinLibraryId);
  }
}

@Resolver(() => HoldType)
export class HoldResolver {
  @Mutation(() => PlaceHoldResult, {
    description: 'Places a hold on a title (recordId: the first suitable copy returned anywhere fills it) or on one copy (itemId).',
  })
  placeHold(
    @Ctx() ctx: Context,
    @Arg('pickupLibraryCode', () => String, { description: 'Where the patron collects it.' }) pickupLibraryCode: string,
    @Arg('recordId', () => ID, { nullable: true, description: 'The title (any copy).' }) recordId: string | null,
    @Arg('itemId', () => ID, { nullable: true, description: 'One copy.' }) itemId: string | null,
    @Arg('cardNumber', () => String, { nullable: true, description: 'The patron (staff only; patrons hold for themselves).' }) cardNumber: string | null,
  ) {
    return holdsService.place(ctx, { recordId, itemId, pickupLibraryCode, cardNumber });
  }

  @Mutation(() => HoldChangeResult, { description: 'Cancels a hold (the patron, or staff of the pickup or home library).' })
  cancelHold(@Ctx() ctx: Context, @Arg('holdId', () => ID, { description: 'The hold.' }) holdId: string) {
    return holdsService.cancel(ctx, holdId);
  }

  @Mutation(() => HoldChangeResult, { description: 'Changes where a waiting hold is collected.' })
  updateHoldPickupLibrary(
    @Ctx() ctx: Context,
    @Arg('holdId', () => ID, { description: 'The hold.' }) holdId: string,
    @Arg('pickupLibraryCode', () => String, { description: 'The new pickup library.' }) pickupLibraryCode: string,
  ) {
    return holdsService.updatePickup(ctx, holdId, pickupLibraryCode);
  }

  @Mutation(() => HoldChangeResult, { description: 'Suspends a waiting hold until a time (it keeps its place); null resumes it.' })
  suspendHold(
    @Ctx() ctx: Context,
    @Arg('holdId', () => ID, { description: 'The hold.' }) holdId: string,
    @Arg('until', () => Date, { nullable: true, description: 'Suspended until then; null resumes.' }) until: Date | null,
  ) {
    return holdsService.suspend(ctx, holdId, until ?? null);
  }

  @Query(() => [HoldType], { description: 'Waiting holds of a title in queue order (staff).' })
  async holdQueue(@Ctx() ctx: Context, @Arg('recordId', () => ID, { description: 'The title.' }) recordId: string) {
    requireStaff(ctx, 'see hold queues');
    const rec = await catalogService.record(ctx, decodeIdOf('BibliographicRecord', recordId, 'recordId'));
    return rec ? circulationQueries.holdQueue(ctx, rec.id) : [];
  }

  @Query(() => [HoldType], { description: "Holds waiting on a library's hold shelf (its staff), soonest to expire first." })
  holdShelf(@Ctx() ctx: Context, @Arg('libraryCode', () => String, { description: 'The pickup library.' }) libraryCode: string) {
    return circulationQueries.holdShelf(ctx, libraryCode);
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() h: Hold) {
    return toGlobalId('Hold', h.id);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Place in the queue of the title (1 = next) while WAITING.' })
  queuePosition(@Root() h: Hold, @Ctx() ctx: Context) {
    return ctx.loaders.holdPosition.load(h.id);
  }

  @FieldResolver(() => RecordType, { description: 'The title.' })
  record(@Root() h: Hold, @Ctx() ctx: Context) {
    return catalogService.record(ctx, h.recordId);
  }

  @FieldResolver(() => ItemType, { nullable: true, description: 'The copy asked for (copy-level holds).' })
  item(@Root() h: Hold, @Ctx() ctx: Context) {
    return h.itemId === null ? null : ctx.loaders.itemById.load(h.itemId);
  }

  @FieldResolver(() => ItemType, { nullable: true, description: 'The copy on its way or on the hold shelf.' })
  capturedItem(@Root() h: Hold, @Ctx() ctx: Context) {
    return h.capturedItemId === null ? null : ctx.loaders.itemById.load(h.capturedItemId);
  }

  @FieldResolver(() => LibraryType, { description: 'Where the patron collects it.' })
  pickupLibrary(@Root() h: Hold, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(h.pickupLibraryId);
  }

  @FieldResolver(() => PatronType, { nullable: true, description: 'The patron (null when not visible to you).' })
  patron(@Root() h: Hold, @Ctx() ctx: Context) {
    return circulationQueries.visiblePatron(ctx, h.patronId, h.pickupLibraryId);
  }
}

@Resolver(() => TransitType)
export class TransitResolver {
  @Query(() => [TransitType], { description: 'Copies travelling to (INCOMING) or from (OUTGOING) a library (its staff).' })
  transits(
    @Ctx() ctx: Context,
    @Arg('libraryCode', () => String, { description: 'The library.' }) libraryCode: string,
    @Arg('direction', () => TransitDirection, { description: 'INCOMING or OUTGOING.' }) direction: TransitDirection,
    @Arg('first', () => Int, { nullable: true, description: 'At most this many, oldest first (default 100).' }) first: number | null,
  ) {
    return circulationQueries.transits(ctx, libraryCode, direction, pageSize(first ?? 100));
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() t: Transit) {
    return toGlobalId('Transit', t.id);
  }

  @FieldResolver(() => ItemType, { description: 'The copy.' })
  item(@Root() t: Transit, @Ctx() ctx: Context) {
    return ctx.loaders.itemById.load(t.itemId);
  }

  @FieldResolver(() => LibraryType, { description: 'Where it left.' })
  fromLibrary(@Root() t: Transit, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(t.fromLibraryId);
  }

  @FieldResolver(() => LibraryType, { description: 'Where it goes.' })
  toLibrary(@Root() t: Transit, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(t.toLibraryId);
  }
}

@Resolver(() => CheckinOutcome)
export class CheckinOutcomeResolver {
  @FieldResolver(() => ItemType, { description: 'The copy, with its new status.' })
  item(@Root() r: CheckinResultValue, @Ctx() ctx: Context) {
    return ctx.loaders.itemById.load(r.itemId);
  }

  @FieldResolver(() => LoanType, { nullable: true, description: 'The loan that was closed, if it was on loan.' })
  loan(@Root() r: CheckinResultValue, @Ctx() ctx: Context) {
    return r.loanId === null ? null : ctx.em.findOne(Loan, { id: r.loanId });
  }

  @FieldResolver(() => HoldType, { nullable: true, description: 'The hold the copy now serves.' })
  hold(@Root() r: CheckinResultValue, @Ctx() ctx: Context) {
    return r.holdId === null ? null : ctx.em.findOne(Hold, { id: r.holdId });
  }

  @FieldResolver(() => TransitType, { nullable: true, description: 'The transit started (action TRANSIT).' })
  transit(@Root() r: CheckinResultValue, @Ctx() ctx: Context) {
    return r.transitId === null ? null : ctx.em.findOne(Transit, { id: r.transitId });
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'Where the copy goes (TRANSIT) or waits (HOLD_SHELF).' })
  destinationLibrary(@Root() r: CheckinResultValue, @Ctx() ctx: Context) {
    return r.destinationLibraryId === null ? null : ctx.loaders.libraryById.load(r.destinationLibraryId);
  }
}
