import { GraphQLError } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { NotPermittedError, resultUnion } from '../../common/error-results';
import { badInput, unauthenticated } from '../../common/errors';
import { decodeIdOf, toGlobalId } from '../../common/ids';
import { type Context, refreshForEvent } from '../../server/context';
import { MeType } from '../auth/auth.types';
import { InvalidIsbnError, ItemNotFoundError, ItemType, RecordNotFoundError, RecordType, UnknownLibraryError } from '../catalog/catalog.types';
import { ItemNotAvailableError } from '../circulation/circulation.types';
import { StreamEvent, decodeStreamCursor, encodeStreamCursor } from '../events/event-hub';
import { eventStream } from '../events/events.resolver';
import { LibraryType } from '../libraries/library.types';
import { PatronBlockedError, PatronExpiredError, PatronNotFoundError, PatronType } from '../patrons/patron.types';
import { illActionsService } from './ill-actions.service';
import { IllRequest } from './ill-request.entity';
import { illRequestsService } from './ill-requests.service';
import { illStatisticsService } from './ill-statistics.service';
import { roleOf, viewerActions } from './ill.core';
import { BORROWER_ATTENTION, IllAction, LENDER_ATTENTION, STATES } from './ill.state-machine';
import {
  CreateIllRequestInput,
  DuplicateIllRequestError,
  IllCitationType,
  IllConditionsType,
  IllHistoryEntryType,
  IllLenderStatisticsType,
  IllRequestConnection,
  IllRequestFilter,
  IllRequestNotFoundError,
  IllRequestType,
  IllRequestUpdateType,
  IllRotaCandidateType,
  IllRotaEntryType,
  IllStatisticsType,
  IllegalTransitionError,
  ItemNotForRequestError,
  LibraryNotSharingError,
  NoLenderAvailableError,
  RespondToIllRequestInput,
} from './ill.types';

export const CreateIllRequestResult = resultUnion('CreateIllRequestResult', 'The new request (sent to its first lender), or why it could not be made.', { entity: IllRequest, type: IllRequestType }, [
  RecordNotFoundError,
  UnknownLibraryError,
  InvalidIsbnError,
  PatronNotFoundError,
  PatronBlockedError,
  PatronExpiredError,
  NoLenderAvailableError,
  DuplicateIllRequestError,
  LibraryNotSharingError,
  NotPermittedError,
]);
export const IllActionResult = resultUnion('IllActionResult', 'The request after the action, or why the action was refused.', { entity: IllRequest, type: IllRequestType }, [
  IllRequestNotFoundError,
  IllegalTransitionError,
  NotPermittedError,
]);
export const IllItemActionResult = resultUnion('IllItemActionResult', 'The request after the action on its copy, or why the action was refused.', { entity: IllRequest, type: IllRequestType }, [
  IllRequestNotFoundError,
  IllegalTransitionError,
  ItemNotFoundError,
  NotPermittedError,
]);
export const ShipIllItemResult = resultUnion('ShipIllItemResult', 'The request with its copy on the way, or why the copy could not be sent.', { entity: IllRequest, type: IllRequestType }, [
  IllRequestNotFoundError,
  IllegalTransitionError,
  ItemNotFoundError,
  ItemNotAvailableError,
  ItemNotForRequestError,
  NotPermittedError,
]);

const ID_ARG = { description: 'The inter-library request.' };
const NOTE_ARG = { nullable: true, description: 'A note for the other library (at most 2,000 characters).' };

@Resolver(() => IllRequestType)
export class IllRequestResolver {
  @Mutation(() => CreateIllRequestResult, {
    description:
      'Asks the network for something the library does not have: a union-catalog record (the rota of lenders is built from the ' +
      'catalog) or a citation (with named lenders). Staff ask for a reader of theirs or for their library; a patron asks for themself.',
  })
  createIllRequest(@Ctx() ctx: Context, @Arg('input', () => CreateIllRequestInput, { description: 'What, for whom, where.' }) input: CreateIllRequestInput) {
    return illRequestsService.create(ctx, input);
  }

  @Mutation(() => IllActionResult, { description: 'Borrower (staff, or the reader): cancels the request; once the lender committed, the lender confirms.' })
  cancelIllRequest(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.cancel(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: "Lender: answers the request (will supply, expects to, on conditions, cannot, maybe later). Unfilled moves it to the next lender." })
  respondToIllRequest(@Ctx() ctx: Context, @Arg('input', () => RespondToIllRequestInput, { description: 'The answer.' }) input: RespondToIllRequestInput) {
    return illActionsService.respond(ctx, input);
  }

  @Mutation(() => IllActionResult, { description: "Borrower: accepts the lender's conditions." })
  acceptIllConditions(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.acceptConditions(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: "Borrower: rejects the lender's conditions; the request moves to the next lender." })
  rejectIllConditions(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.rejectConditions(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: "Lender: confirms (accept: true) or refuses the borrower's cancel." })
  answerIllCancellation(
    @Ctx() ctx: Context,
    @Arg('requestId', () => ID, ID_ARG) id: string,
    @Arg('accept', () => Boolean, { description: 'true: cancelled; false: the lender keeps supplying.' }) accept: boolean,
    @Arg('note', () => String, NOTE_ARG) note: string | null,
  ) {
    return illActionsService.answerCancellation(ctx, id, accept, note);
  }

  @Mutation(() => ShipIllItemResult, {
    description:
      "Lender: sends a copy (its own, of the title, allowed to travel, on the shelf). It goes IN_TRANSIT to the pickup library, on loan to the borrowing library until dueAt.",
  })
  shipIllItem(
    @Ctx() ctx: Context,
    @Arg('requestId', () => ID, ID_ARG) id: string,
    @Arg('barcode', () => String, { description: 'Barcode of the copy sent.' }) barcode: string,
    @Arg('dueAt', () => Date, { nullable: true, description: "The lender's due date (default: its loan period for institutions, end of its local day)." }) dueAt: Date | null,
  ) {
    return illActionsService.ship(ctx, id, barcode, dueAt);
  }

  @Mutation(() => IllActionResult, { description: 'Lender: delivers the copy (scan) online (COPY service); the request is complete.' })
  deliverIllCopy(
    @Ctx() ctx: Context,
    @Arg('requestId', () => ID, ID_ARG) id: string,
    @Arg('url', () => String, { description: 'Where the borrower fetches the copy (http or https), e.g. a digital-library file link.' }) url: string,
    @Arg('note', () => String, NOTE_ARG) note: string | null,
  ) {
    return illActionsService.deliverCopy(ctx, id, url, note);
  }

  @Mutation(() => IllItemActionResult, { description: "Borrower: the copy arrived. It is checked in and lent to the reader (or the library) with the lender's due date." })
  receiveIllItem(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string) {
    return illActionsService.receive(ctx, id);
  }

  @Mutation(() => IllItemActionResult, { description: 'Borrower: sends the copy back to the lender (ShippedReturn). Checking the copy in at any desk does the same.' })
  returnIllItem(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.returnItem(ctx, id, note);
  }

  @Mutation(() => IllItemActionResult, { description: 'Lender: the copy is back (LoanCompleted); it goes to its next hold or the shelf. Receiving it at the desk does the same.' })
  checkInReturnedIllItem(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string) {
    return illActionsService.checkInReturned(ctx, id);
  }

  @Mutation(() => IllActionResult, { description: 'Borrower (staff, or the reader): asks the lender for more time.' })
  requestIllRenewal(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.requestRenewal(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: "Lender: grants (with a new due date, default one more loan period) or refuses the renewal asked for. The reader's loan follows." })
  answerIllRenewal(
    @Ctx() ctx: Context,
    @Arg('requestId', () => ID, ID_ARG) id: string,
    @Arg('approve', () => Boolean, { description: 'true: renewed.' }) approve: boolean,
    @Arg('dueAt', () => Date, { nullable: true, description: 'The new due date (default: one loan period from today).' }) dueAt: Date | null,
    @Arg('note', () => String, NOTE_ARG) note: string | null,
  ) {
    return illActionsService.answerRenewal(ctx, id, approve, dueAt, note);
  }

  @Mutation(() => IllActionResult, { description: 'Lender: asks for the copy back early.' })
  recallIllItem(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.recall(ctx, id, note);
  }

  @Mutation(() => IllItemActionResult, { description: "Borrower: the copy is lost. The lender's copy becomes MISSING and the request ends (CompletedWithoutReturn)." })
  markIllItemLost(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string, @Arg('note', () => String, NOTE_ARG) note: string | null) {
    return illActionsService.markLost(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: 'Either library: a message to the other side (ISO 18626 Notification), kept in the history.' })
  sendIllMessage(
    @Ctx() ctx: Context,
    @Arg('requestId', () => ID, ID_ARG) id: string,
    @Arg('note', () => String, { description: 'The message (at most 4,000 characters).' }) note: string,
  ) {
    return illActionsService.message(ctx, id, note);
  }

  @Mutation(() => IllActionResult, { description: "Marks the request's messages read for your library (unreadMessageCount becomes 0)." })
  markIllMessagesRead(@Ctx() ctx: Context, @Arg('requestId', () => ID, ID_ARG) id: string) {
    return illActionsService.markMessagesRead(ctx, id);
  }

  @Mutation(() => LibraryType, { description: "Sets how many working days a library has to answer inter-library requests (its LIBRARY_ADMIN, or a network admin)." })
  async setIllResponseDays(
    @Ctx() ctx: Context,
    @Arg('libraryCode', () => String, { description: 'The library.' }) libraryCode: string,
    @Arg('days', () => Int, { description: 'Working days, 1 to 30.' }) days: number,
  ) {
    return illRequestsService.setResponseDays(ctx, libraryCode, days);
  }

  @Query(() => IllRequestType, { nullable: true, description: 'A request, for the libraries taking part (and earlier lenders), the reader, and network admins.' })
  illRequest(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The request.' }) id: string) {
    return illRequestsService.get(ctx, id);
  }

  @Query(() => IllRequestConnection, { description: "A library's borrowing or lending queue, newest first (staff of that library; network admins any)." })
  illRequests(
    @Ctx() ctx: Context,
    @Arg('filter', () => IllRequestFilter, { description: 'Library, side, states, attention.' }) filter: IllRequestFilter,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return illRequestsService.list(ctx, filter, first, after);
  }

  @Query(() => [IllRotaCandidateType], {
    description:
      'The lenders a request for this record from this library would ask, in order, without creating anything (staff). Ranked by network ' +
      'distance (same district, then the provincial library, then other districts), then lender load, then copies on the shelf.',
  })
  previewRota(
    @Ctx() ctx: Context,
    @Arg('recordId', () => ID, { description: 'The record.' }) recordId: string,
    @Arg('requestingLibraryCode', () => String, { description: 'The borrowing library.' }) requestingLibraryCode: string,
  ) {
    return illRequestsService.previewRota(ctx, recordId, requestingLibraryCode);
  }

  @Query(() => IllStatisticsType, { description: "A library's resource-sharing figures for requests of a period (staff of that library; network admins any)." })
  illStatistics(
    @Ctx() ctx: Context,
    @Arg('libraryCode', () => String, { description: 'The library.' }) libraryCode: string,
    @Arg('from', () => Date, { description: 'Start (inclusive).' }) from: Date,
    @Arg('to', () => Date, { description: 'End (exclusive).' }) to: Date,
  ) {
    return illStatisticsService.statistics(ctx, libraryCode, from, to);
  }

  @FieldResolver(() => ID, { description: 'Opaque global id.' })
  id(@Root() r: IllRequest) {
    return toGlobalId('IllRequest', r.id);
  }

  @FieldResolver(() => LibraryType, { description: 'The borrowing library.' })
  requestingLibrary(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(r.requestingLibraryId);
  }

  @FieldResolver(() => LibraryType, { description: 'Where the reader collects the copy.' })
  pickupLibrary(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(r.pickupLibraryId);
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'The current lender (null at end of rota).' })
  lender(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return r.lenderId === null ? null : ctx.loaders.libraryById.load(r.lenderId);
  }

  @FieldResolver(() => PatronType, { nullable: true, description: 'The reader it is for: shown to the borrowing side and the reader only (lenders never see readers).' })
  patron(@Root() r: IllRequest, @Ctx() ctx: Context) {
    if (r.patronId === null) return null;
    const role = roleOf(ctx.viewer, r);
    return role.borrower || role.patron ? ctx.loaders.patronById.load(r.patronId) : null;
  }

  @FieldResolver(() => RecordType, { nullable: true, description: 'The union-catalog record asked for (null for a citation not in the catalog).' })
  record(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return r.recordId === null ? null : ctx.loaders.recordById.load(r.recordId);
  }

  @FieldResolver(() => IllCitationType, { description: 'What is asked for, as cited (from the record when there is one).' })
  citation(@Root() r: IllRequest): IllCitationType {
    const c = r.citation ?? {};
    return {
      title: c.title ?? null,
      author: c.author ?? null,
      isbn: c.isbn ?? null,
      year: c.year ?? null,
      publisher: c.publisher ?? null,
      edition: c.edition ?? null,
      articleTitle: c.articleTitle ?? null,
      pages: c.pages ?? null,
      volume: c.volume ?? null,
    };
  }

  @FieldResolver(() => IllConditionsType, { nullable: true, description: "The lender's conditions, while offered or accepted." })
  conditions(@Root() r: IllRequest): IllConditionsType | null {
    return r.conditionsNote === null ? null : { note: r.conditionsNote, costVnd: r.conditionsCostVnd };
  }

  @FieldResolver(() => ItemType, { nullable: true, description: 'The copy sent (once shipped).' })
  item(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return r.itemId === null ? null : ctx.loaders.itemById.load(r.itemId);
  }

  @FieldResolver(() => Boolean, { description: 'The borrower asked for a renewal the lender has not answered yet.' })
  renewalPending(@Root() r: IllRequest) {
    return r.renewalRequestedAt !== null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The current lender's status in ISO 18626 terms (e.g. WillSupply, Loaned)." })
  iso18626Status(@Root() r: IllRequest) {
    return r.supplierState === null ? null : (STATES[r.supplierState].iso18626Status ?? null);
  }

  @FieldResolver(() => [IllRotaEntryType], { description: 'The candidate lenders in order, with why each ranks there and what each answered.' })
  rota(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return ctx.loaders.illRota.load(r.id);
  }

  @FieldResolver(() => [IllHistoryEntryType], { description: 'Every transition and message, oldest first (staff of the libraries taking part).' })
  history(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return ctx.viewer.isStaff ? ctx.loaders.illHistory.load(r.id) : [];
  }

  @FieldResolver(() => [IllAction], { description: 'What the viewer may do to the request now.' })
  allowedActions(@Root() r: IllRequest, @Ctx() ctx: Context) {
    return viewerActions(ctx.viewer, r);
  }

  @FieldResolver(() => Boolean, { description: "The viewer's library has the next move." })
  needsAttention(@Root() r: IllRequest, @Ctx() ctx: Context) {
    const lib = ctx.viewer.isStaff ? ctx.viewer.libraryId : null;
    if (lib === null) return false;
    if ((lib === r.requestingLibraryId || lib === r.pickupLibraryId) && BORROWER_ATTENTION.includes(r.requesterState)) return true;
    return lib === r.lenderId && ((r.supplierState !== null && LENDER_ATTENTION.includes(r.supplierState)) || (r.renewalRequestedAt !== null && r.closedAt === null));
  }

  @FieldResolver(() => Int, { description: "Messages from the other side your library has not marked read (markIllMessagesRead)." })
  unreadMessageCount(@Root() r: IllRequest, @Ctx() ctx: Context) {
    const lib = ctx.viewer.isStaff ? ctx.viewer.libraryId : null;
    return lib === null ? 0 : ctx.loaders.illUnread.load(`${r.id}:${lib}`);
  }

  @FieldResolver(() => String, { description: 'Where the request stands, in plain words for the reader (Vietnamese by default).' })
  statusText(@Root() r: IllRequest, @Arg('language', () => String, { nullable: true, description: 'vi (default) or en.' }) language: string | null) {
    if (language != null && language !== 'vi' && language !== 'en') throw badInput('language must be vi or en', 'language');
    const t = STATES[r.requesterState].patronText;
    return t ? t[(language ?? 'vi') as 'vi' | 'en'] : r.requesterState;
  }

  @Subscription(() => IllRequestUpdateType, {
    description:
      'Every change to one request as it happens (staff of the libraries taking part, the reader, network admins). With `after` it first ' +
      'delivers every change since that cursor. Each update carries the request as it is now.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      if (!ctx.events) throw new GraphQLError('Events are not available on this server.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      if (!ctx.viewer.isAuthenticated) throw unauthenticated('Sign in (connectionParams.authorization) to follow a request.');
      const id = decodeIdOf('IllRequest', String(args.id), 'id');
      const req = await illRequestsService.visible(ctx, id);
      if (!req) throw new GraphQLError('No inter-library request has this id (or it is not visible to you).', { extensions: { code: 'NOT_FOUND' } });
      let after = null;
      if (args.after) {
        after = decodeStreamCursor(String(args.after));
        if (!after) throw badInput('after is not a valid event cursor', 'after');
      }
      return eventStream(ctx.events, { entity: 'IllRequest', entityId: id }, after);
    },
  })
  illRequestUpdated(
    @Root() e: StreamEvent,
    @Arg('id', () => ID, { description: 'The request.' }) _id: string,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last update received.' }) _after: string | null,
    @Ctx() ctx: Context,
  ): IllRequestUpdateType {
    refreshForEvent(ctx);
    return { cursor: encodeStreamCursor(e), type: e.type, occurredAt: e.occurredAt, requestId: e.entityId! };
  }
}

@Resolver(() => IllRequestUpdateType)
export class IllRequestUpdateResolver {
  @FieldResolver(() => IllRequestType, { nullable: true, description: 'The request as it is now (null if it is no longer visible to you).' })
  request(@Root() u: IllRequestUpdateType, @Ctx() ctx: Context) {
    return illRequestsService.visible(ctx, u.requestId);
  }
}

@Resolver(() => IllRotaEntryType)
export class IllRotaEntryResolver {
  @FieldResolver(() => LibraryType, { description: 'The candidate lender.' })
  library(@Root() e: IllRotaEntryType, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(e.libraryId);
  }
}

@Resolver(() => IllRotaCandidateType)
export class IllRotaCandidateResolver {
  @FieldResolver(() => LibraryType, { description: 'The candidate lender.' })
  library(@Root() e: IllRotaCandidateType, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(e.libraryId);
  }
}

@Resolver(() => IllHistoryEntryType)
export class IllHistoryEntryResolver {
  @FieldResolver(() => LibraryType, { nullable: true, description: 'The library on whose behalf it was done.' })
  library(@Root() e: IllHistoryEntryType, @Ctx() ctx: Context) {
    return e.libraryId === null ? null : ctx.loaders.libraryById.load(e.libraryId);
  }

  @FieldResolver(() => LibraryType, { nullable: true, description: 'The lender at the time.' })
  lender(@Root() e: IllHistoryEntryType, @Ctx() ctx: Context) {
    return e.lenderId === null ? null : ctx.loaders.libraryById.load(e.lenderId);
  }
}

@Resolver(() => IllStatisticsType)
export class IllStatisticsResolver {
  @FieldResolver(() => LibraryType, { description: 'The library.' })
  library(@Root() s: IllStatisticsType, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(s.libraryId);
  }
}

@Resolver(() => IllLenderStatisticsType)
export class IllLenderStatisticsResolver {
  @FieldResolver(() => LibraryType, { description: 'The lender.' })
  lender(@Root() s: IllLenderStatisticsType, @Ctx() ctx: Context) {
    return ctx.loaders.libraryById.load(s.lenderId);
  }
}

/** The reader's own requests in `me`. */
@Resolver(() => MeType)
export class MeIllResolver {
  @FieldResolver(() => IllRequestConnection, { description: 'Inter-library requests made for the signed-in patron, newest first (statusText says where each stands).' })
  illRequests(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, at most 100 (default 20).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after: string | null,
  ) {
    return illRequestsService.mine(ctx, first, after);
  }
}

export const sharingResolvers = [
  IllRequestResolver,
  IllRequestUpdateResolver,
  IllRotaEntryResolver,
  IllRotaCandidateResolver,
  IllHistoryEntryResolver,
  IllStatisticsResolver,
  IllLenderStatisticsResolver,
  MeIllResolver,
] as const;

