import { GraphQLDateTime } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { connectionType } from '../../common/pagination';
import { IllAction, IllState, STATES, TRANSITIONS } from './ill.state-machine';

registerEnumType(IllState, {
  name: 'IllState',
  description:
    "States of an inter-library request, in ISO 18626's vocabulary. A request has two views: the borrower's " +
    '(`requesterState`) and the current lender\'s (`supplierState`); each value says which view it belongs to.',
  valuesConfig: Object.fromEntries(
    (Object.keys(STATES) as IllState[]).map((s) => [
      s,
      { description: `${STATES[s].view === 'BOTH' ? 'Borrower and lender' : STATES[s].view === 'BORROWER' ? 'Borrower' : 'Lender'}: ${STATES[s].description}` },
    ]),
  ),
});

const ACTION_DOCS: Record<IllAction, string> = {
  CANCEL: 'Borrower: cancel (at once before the lender commits, otherwise the lender confirms). `cancelIllRequest`.',
  ACCEPT_CONDITIONS: "Borrower: accept the lender's conditions. `acceptIllConditions`.",
  REJECT_CONDITIONS: "Borrower: reject the lender's conditions; the request moves to the next lender. `rejectIllConditions`.",
  RECEIVE: 'Borrower: the copy arrived; lend it to the patron with the lender\'s due date. `receiveIllItem`.',
  RETURN: 'Borrower: send the copy back (ShippedReturn). `returnIllItem`, or check the copy in at a desk.',
  REQUEST_RENEWAL: 'Borrower: ask the lender for more time. `requestIllRenewal`.',
  MARK_LOST: 'Borrower: the copy is lost. `markIllItemLost`.',
  RESPOND_WILL_SUPPLY: 'Lender: will supply. `respondToIllRequest(answer: WILL_SUPPLY)`.',
  RESPOND_EXPECT_TO_SUPPLY: 'Lender: expects to supply. `respondToIllRequest(answer: EXPECT_TO_SUPPLY)`.',
  RESPOND_CONDITIONAL: 'Lender: will supply on conditions. `respondToIllRequest(answer: CONDITIONAL)`.',
  RESPOND_UNFILLED: 'Lender: cannot supply; the request moves to the next lender. `respondToIllRequest(answer: UNFILLED)`.',
  RESPOND_RETRY_POSSIBLE: 'Lender: cannot supply now, maybe later; the request moves on. `respondToIllRequest(answer: RETRY_POSSIBLE)`.',
  ACCEPT_CANCELLATION: "Lender: confirm the borrower's cancel. `answerIllCancellation(accept: true)`.",
  REJECT_CANCELLATION: 'Lender: refuse the cancel and keep supplying. `answerIllCancellation(accept: false)`.',
  SHIP: 'Lender: send a copy (ISO 18626 Loaned). `shipIllItem`.',
  DELIVER_COPY: 'Lender: deliver the copy (scan) online (CopyCompleted). `deliverIllCopy`.',
  CHECK_IN_RETURNED: 'Lender: the copy is back (LoanCompleted). `checkInReturnedIllItem`, or receive it at the desk.',
  APPROVE_RENEWAL: 'Lender: grant the renewal asked for. `answerIllRenewal(approve: true)`.',
  DENY_RENEWAL: 'Lender: refuse the renewal. `answerIllRenewal(approve: false)`.',
  RECALL: 'Lender: ask for the copy back early. `recallIllItem`.',
  SEND_MESSAGE: 'Either side: a message to the other library. `sendIllMessage`.',
  TIME_OUT: 'Scheduler: the lender did not answer in time; the request moves to the next lender.',
  MARK_OVERDUE: "Scheduler: the lender's due date passed.",
};
registerEnumType(IllAction, {
  name: 'IllAction',
  description: 'What can be done to an inter-library request. `allowedActions` lists those open to the viewer now.',
  valuesConfig: Object.fromEntries(
    (Object.keys(ACTION_DOCS) as IllAction[]).map((a) => {
      const iso = [...new Set(TRANSITIONS.filter((t) => t.action === a).map((t) => t.iso18626))].join('; ');
      return [a, { description: `${ACTION_DOCS[a]} ISO 18626: ${iso}.` }];
    }),
  ),
});

export enum IllServiceTypeEnum {
  LOAN = 'LOAN',
  COPY = 'COPY',
  COPY_OR_LOAN = 'COPY_OR_LOAN',
}
registerEnumType(IllServiceTypeEnum, {
  name: 'IllServiceType',
  description: 'What the borrower wants (ISO 18626 ServiceType).',
  valuesConfig: {
    LOAN: { description: 'The physical copy, lent and returned.' },
    COPY: { description: 'A copy (scan) of the document or pages, delivered online; nothing to return.' },
    COPY_OR_LOAN: { description: 'Either, as the lender prefers.' },
  },
});

export enum IllSide {
  BORROWING = 'BORROWING',
  LENDING = 'LENDING',
}
registerEnumType(IllSide, {
  name: 'IllSide',
  description: "A library's side of its requests.",
  valuesConfig: {
    BORROWING: { description: 'Requests the library made (or that are picked up there).' },
    LENDING: { description: 'Requests the library was asked to supply (now or earlier in their rota).' },
  },
});

export enum IllAnswer {
  WILL_SUPPLY = 'WILL_SUPPLY',
  EXPECT_TO_SUPPLY = 'EXPECT_TO_SUPPLY',
  UNFILLED = 'UNFILLED',
  CONDITIONAL = 'CONDITIONAL',
  RETRY_POSSIBLE = 'RETRY_POSSIBLE',
}
registerEnumType(IllAnswer, {
  name: 'IllAnswer',
  description: "A lender's answer to a request (ISO 18626 SupplyingAgencyMessage status).",
  valuesConfig: {
    WILL_SUPPLY: { description: 'Will supply (WillSupply).' },
    EXPECT_TO_SUPPLY: { description: 'Expects to supply, still looking (ExpectToSupply).' },
    UNFILLED: { description: 'Cannot supply (Unfilled); give a `reason`. The request moves to the next lender.' },
    CONDITIONAL: { description: 'Will supply on conditions (WillSupply with conditions); give a `note` and optionally a `costVnd`.' },
    RETRY_POSSIBLE: { description: 'Cannot supply now, maybe later (RetryPossible); give a `reason`. The request moves on.' },
  },
});

export enum IllUnfilledReason {
  NOT_HELD = 'NOT_HELD',
  NOT_ON_SHELF = 'NOT_ON_SHELF',
  ON_LOAN = 'ON_LOAN',
  NON_CIRCULATING = 'NON_CIRCULATING',
  DAMAGED = 'DAMAGED',
  POLICY = 'POLICY',
  OTHER = 'OTHER',
}
registerEnumType(IllUnfilledReason, {
  name: 'IllUnfilledReason',
  description: 'Why a lender cannot supply (ISO 18626 ReasonUnfilled / ReasonRetry).',
  valuesConfig: {
    NOT_HELD: { description: 'The library does not hold it.' },
    NOT_ON_SHELF: { description: 'Not found on the shelf.' },
    ON_LOAN: { description: 'Every copy is out.' },
    NON_CIRCULATING: { description: 'Reference or rare copy: it does not leave the library.' },
    DAMAGED: { description: 'Too damaged to travel.' },
    POLICY: { description: 'Lending policy does not allow it.' },
    OTHER: { description: 'Another reason (see the note).' },
  },
});

export enum IllDistance {
  SAME_DISTRICT = 'SAME_DISTRICT',
  PROVINCIAL = 'PROVINCIAL',
  OTHER_DISTRICT = 'OTHER_DISTRICT',
  CHOSEN = 'CHOSEN',
}
registerEnumType(IllDistance, {
  name: 'IllDistance',
  description: 'How far a candidate lender is from the borrower in the network.',
  valuesConfig: {
    SAME_DISTRICT: { description: 'In the same district (the district library and its commune and school libraries).' },
    PROVINCIAL: { description: 'The provincial library.' },
    OTHER_DISTRICT: { description: 'Another district.' },
    CHOSEN: { description: 'Named by the borrower (a citation not in the union catalog).' },
  },
});

export enum IllRotaStatus {
  PENDING = 'PENDING',
  ASKED = 'ASKED',
  SUPPLYING = 'SUPPLYING',
  SUPPLIED = 'SUPPLIED',
  UNFILLED = 'UNFILLED',
  RETRY_POSSIBLE = 'RETRY_POSSIBLE',
  NO_ANSWER = 'NO_ANSWER',
  CONDITIONS_REJECTED = 'CONDITIONS_REJECTED',
  CANCELLED = 'CANCELLED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(IllRotaStatus, {
  name: 'IllRotaStatus',
  description: "Where a rota entry stands: each candidate lender's part in the request.",
  valuesConfig: {
    PENDING: { description: 'Not asked yet (later in the rota).' },
    ASKED: { description: 'Asked now; its answer is awaited.' },
    SUPPLYING: { description: 'Said it will supply (or sent it).' },
    SUPPLIED: { description: 'Supplied: the loan or the copy is complete.' },
    UNFILLED: { description: 'Answered Unfilled.' },
    RETRY_POSSIBLE: { description: 'Answered RetryPossible.' },
    NO_ANSWER: { description: 'Did not answer in time.' },
    CONDITIONS_REJECTED: { description: 'Offered conditions the borrower rejected.' },
    CANCELLED: { description: 'The request was cancelled while this lender had it.' },
    SKIPPED: { description: 'Not asked: when its turn came it had no lendable copy on the shelf any more.' },
  },
});

@ObjectType('IllCitation', { simpleResolvers: true, description: 'What the borrower asks for, as it would be cited.' })
export class IllCitationType {
  @Field(() => String, { nullable: true, description: 'Title.' })
  title!: string | null;

  @Field(() => String, { nullable: true, description: 'Author or other first contributor.' })
  author!: string | null;

  @Field(() => String, { nullable: true, description: 'ISBN-13.' })
  isbn!: string | null;

  @Field(() => Int, { nullable: true, description: 'Year of publication.' })
  year!: number | null;

  @Field(() => String, { nullable: true, description: 'Publisher.' })
  publisher!: string | null;

  @Field(() => String, { nullable: true, description: 'Edition.' })
  edition!: string | null;

  @Field(() => String, { nullable: true, description: 'For copies: the article or chapter.' })
  articleTitle!: string | null;

  @Field(() => String, { nullable: true, description: 'For copies: the pages.' })
  pages!: string | null;

  @Field(() => String, { nullable: true, description: 'Volume (serials).' })
  volume!: string | null;
}

@InputType('IllCitationInput', { description: 'A citation for something not in the union catalog (title required).' })
export class IllCitationInput {
  @Field({ description: 'Title (required).' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Author.' })
  author?: string | null;

  @Field(() => String, { nullable: true, description: 'ISBN, any form (10 or 13 digits, hyphens allowed): a record with it is then used.' })
  isbn?: string | null;

  @Field(() => Int, { nullable: true, description: 'Year.' })
  year?: number | null;

  @Field(() => String, { nullable: true, description: 'Publisher.' })
  publisher?: string | null;

  @Field(() => String, { nullable: true, description: 'Edition.' })
  edition?: string | null;

  @Field(() => String, { nullable: true, description: 'For copies: article or chapter title.' })
  articleTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'For copies: pages, e.g. "12-30".' })
  pages?: string | null;

  @Field(() => String, { nullable: true, description: 'Volume.' })
  volume?: string | null;
}

@ObjectType('IllConditions', { simpleResolvers: true, description: "A lender's conditions for supplying." })
export class IllConditionsType {
  @Field({ description: 'What the lender asks (e.g. "reading room use only").' })
  note!: string;

  @Field(() => Int, { nullable: true, description: 'Cost the lender charges, in VND.' })
  costVnd!: number | null;
}

@ObjectType('IllRotaEntry', { description: 'A candidate lender in the rota, with why it ranks there and what it answered.' })
export class IllRotaEntryType {
  @Field(() => Int, { description: 'Position (1 = asked first).' })
  position!: number;

  // resolved by the resolver from libraryId
  libraryId!: number;

  @Field(() => Int, { description: 'Lendable copies on its shelf when the rota was built.' })
  availableCopies!: number;

  @Field(() => Int, { description: 'Open lending requests it had then (its load).' })
  openLendingRequests!: number;

  @Field(() => IllDistance, { description: 'Network distance from the borrower.' })
  distance!: IllDistance;

  @Field({ description: 'Why it ranks here, in words.' })
  rankReason!: string;

  @Field(() => IllRotaStatus, { description: 'Its part so far.' })
  status!: IllRotaStatus;

  @Field(() => IllUnfilledReason, { nullable: true, description: 'Why it did not supply (Unfilled / RetryPossible).' })
  reason!: IllUnfilledReason | null;

  @Field(() => String, { nullable: true, description: "The lender's note with its answer." })
  note!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was asked.' })
  askedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it answered (or timed out).' })
  answeredAt!: Date | null;
}

@ObjectType('IllRotaCandidate', { description: 'A lender `previewRota` would ask, in order.' })
export class IllRotaCandidateType {
  @Field(() => Int, { description: 'Position (1 = asked first).' })
  position!: number;

  libraryId!: number;

  @Field(() => Int, { description: 'Lendable copies on its shelf now.' })
  availableCopies!: number;

  @Field(() => Int, { description: 'Open lending requests it has now.' })
  openLendingRequests!: number;

  @Field(() => IllDistance, { description: 'Network distance from the borrower.' })
  distance!: IllDistance;

  @Field({ description: 'Why it ranks here, in words.' })
  rankReason!: string;
}

@ObjectType('IllHistoryEntry', { description: 'One step in the life of a request: a transition or a message.' })
export class IllHistoryEntryType {
  @Field(() => ID, { description: 'Opaque id of the entry (increases with time).' })
  id!: string;

  @Field({ description: 'When.' })
  at!: Date;

  @Field(() => IllAction, { nullable: true, description: 'What was done (null for the creation).' })
  action!: IllAction | null;

  @Field({ description: 'BORROWER, LENDER or SYSTEM (the scheduler).' })
  side!: string;

  // resolved from ids
  libraryId!: number | null;
  lenderId!: number | null;

  @Field(() => String, { nullable: true, description: 'Username of the staff member who did it (null for the scheduler and patrons).' })
  actor!: string | null;

  @Field({ description: 'True for a message (sendIllMessage).' })
  isMessage!: boolean;

  @Field(() => String, { nullable: true, description: 'Note or message text.' })
  note!: string | null;

  @Field(() => IllState, { nullable: true, description: 'Borrower state before.' })
  requesterStateBefore!: IllState | null;

  @Field(() => IllState, { description: 'Borrower state after.' })
  requesterState!: IllState;

  @Field(() => IllState, { nullable: true, description: 'Lender state before.' })
  supplierStateBefore!: IllState | null;

  @Field(() => IllState, { nullable: true, description: 'Lender state after.' })
  supplierState!: IllState | null;
}

@ObjectType('IllRequest', { implements: Node, description: 'An inter-library request: a library (for a reader, or for itself) asks the network for something it does not have.' })
export class IllRequestType extends Node {
  @Field(() => IllServiceTypeEnum, { description: 'Loan, copy, or either.' })
  serviceType!: IllServiceTypeEnum;

  @Field(() => IllState, { description: "The borrower's view of the request." })
  requesterState!: IllState;

  @Field(() => IllState, { nullable: true, description: "The current lender's view (null when no lender has it: end of rota)." })
  supplierState!: IllState | null;

  @Field(() => String, { nullable: true, description: 'Needed by this date (YYYY-MM-DD), as the borrower said.' })
  neededBy!: string | null;

  @Field(() => String, { nullable: true, description: "The borrower's notes." })
  notes!: string | null;

  @Field(() => Date, { nullable: true, description: 'The current lender answers before this, or the request moves to the next lender.' })
  answerDueAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "The lender's due date for the copy." })
  dueAt!: Date | null;

  @Field(() => Int, { description: 'Renewals the lender granted.' })
  renewals!: number;

  @Field(() => String, { nullable: true, description: 'Where the delivered copy (scan) can be fetched (COPY service).' })
  deliveryUrl!: string | null;

  @Field({ description: 'When it was made.' })
  createdAt!: Date;

  @Field({ description: 'When it last changed.' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the lender shipped the copy.' })
  shippedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the borrower received it.' })
  receivedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the borrower sent it back.' })
  returnShippedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it ended (completed, cancelled, end of rota, lost).' })
  closedAt!: Date | null;
}

@ObjectType('IllRequestConnection', { description: 'A page of inter-library requests, newest first.' })
export class IllRequestConnection extends connectionType('IllRequest', IllRequestType) {
  @Field(() => Int, { description: 'Requests matching the filter.' })
  totalCount!: number;
}

@InputType('IllRequestFilter', { description: 'Which requests of a library to list.' })
export class IllRequestFilter {
  @Field({ description: 'The library (staff see their own; network admins any).' })
  libraryCode!: string;

  @Field(() => IllSide, { description: 'Borrowing or lending side.' })
  side!: IllSide;

  @Field(() => [IllState], { nullable: true, description: "Only requests in these states of the side's own view (requesterState when borrowing, the library's lender state when lending)." })
  states?: IllState[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only requests where this library has the next move; false: only the others.' })
  needsAttention?: boolean | null;
}

@InputType('CreateIllRequestInput', { description: 'A new inter-library request. Give `recordId` (a union-catalog record) or `citation`.' })
export class CreateIllRequestInput {
  @Field(() => ID, { nullable: true, description: 'The union-catalog record wanted.' })
  recordId?: string | null;

  @Field(() => IllCitationInput, { nullable: true, description: 'For something not in the catalog (a record with its ISBN is used when there is one).' })
  citation?: IllCitationInput | null;

  @Field(() => IllServiceTypeEnum, { nullable: true, description: 'LOAN (default), COPY or COPY_OR_LOAN.' })
  serviceType?: IllServiceTypeEnum | null;

  @Field(() => String, { nullable: true, description: 'The reader it is for (staff; a signed-in patron asks for themself). Omit when the library asks for itself.' })
  cardNumber?: string | null;

  @Field(() => String, { nullable: true, description: "The borrowing library (default: the staff member's own or the patron's home library; network admins must give it)." })
  requestingLibraryCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Where the reader collects it (default: the borrowing library).' })
  pickupLibraryCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Needed by (YYYY-MM-DD).' })
  neededBy?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes for the lender (at most 2,000 characters).' })
  notes?: string | null;

  @Field(() => [String], { nullable: true, description: 'Lenders to ask, in order, instead of the rota built from the catalog (needed for a citation not in the catalog).' })
  lenderCodes?: string[] | null;
}

@InputType('RespondToIllRequestInput', { description: "A lender's answer." })
export class RespondToIllRequestInput {
  @Field(() => ID, { description: 'The request.' })
  requestId!: string;

  @Field(() => IllAnswer, { description: 'The answer.' })
  answer!: IllAnswer;

  @Field(() => IllUnfilledReason, { nullable: true, description: 'Why not (UNFILLED, RETRY_POSSIBLE: required).' })
  reason?: IllUnfilledReason | null;

  @Field(() => String, { nullable: true, description: 'A note for the borrower; the conditions for CONDITIONAL (required there).' })
  note?: string | null;

  @Field(() => Int, { nullable: true, description: 'CONDITIONAL: the cost asked, in VND.' })
  costVnd?: number | null;
}

@ObjectType('IllTurnaround', { simpleResolvers: true, description: 'Turnaround times in hours, over the requests that got that far.' })
export class IllTurnaroundType {
  @Field(() => Int, { description: 'Requests measured.' })
  count!: number;

  @Field(() => Float, { nullable: true, description: 'Median, in hours.' })
  medianHours!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile, in hours.' })
  p90Hours!: number | null;
}

@ObjectType('IllSideStatistics', { description: 'Figures for one side of a library\'s resource sharing in a period.' })
export class IllSideStatisticsType {
  @Field(() => Int, { description: 'Requests made (borrowing) or received (lending: each time the library was asked).' })
  requests!: number;

  @Field(() => Int, { description: 'Of those, filled: shipped or delivered.' })
  filled!: number;

  @Field(() => Int, { description: 'Unfilled: end of rota (borrowing) or answered Unfilled / RetryPossible / no answer (lending).' })
  unfilled!: number;

  @Field(() => Int, { description: 'Cancelled.' })
  cancelled!: number;

  @Field(() => Int, { description: 'Still open.' })
  open!: number;

  @Field(() => Float, { nullable: true, description: 'filled / (requests − open − cancelled), null when nothing is decided yet.' })
  fillRate!: number | null;

  @Field(() => IllTurnaroundType, { description: 'Created → shipped (or delivered).' })
  createdToShipped!: IllTurnaroundType;

  @Field(() => IllTurnaroundType, { description: 'Created → received by the borrower.' })
  createdToReceived!: IllTurnaroundType;
}

@ObjectType('IllLenderStatistics', { description: 'Figures of one lender for the requests of a borrowing library.' })
export class IllLenderStatisticsType {
  lenderId!: number;

  @Field(() => Int, { description: 'Times this lender was asked.' })
  asked!: number;

  @Field(() => Int, { description: 'Times it supplied.' })
  filled!: number;

  @Field(() => Int, { description: 'Times it declined or did not answer.' })
  unfilled!: number;

  @Field(() => Float, { nullable: true, description: 'filled / asked (decided ones).' })
  fillRate!: number | null;

  @Field(() => IllTurnaroundType, { description: 'Asked → shipped, for this lender.' })
  askedToShipped!: IllTurnaroundType;
}

@ObjectType('IllStatistics', { description: "A library's resource sharing in a period, computed from the requests' history." })
export class IllStatisticsType {
  libraryId!: number;

  @Field({ description: 'Start of the period (inclusive): requests created from then.' })
  from!: Date;

  @Field({ description: 'End of the period (exclusive).' })
  to!: Date;

  @Field(() => IllSideStatisticsType, { description: 'Requests the library made.' })
  borrowing!: IllSideStatisticsType;

  @Field(() => IllSideStatisticsType, { description: 'Requests the library was asked to supply.' })
  lending!: IllSideStatisticsType;

  @Field(() => [IllLenderStatisticsType], { description: "Per lender, for the library's own requests (most asked first)." })
  perLender!: IllLenderStatisticsType[];
}

@ObjectType('IllRequestUpdate', { description: 'A change to one request, as it happens.' })
export class IllRequestUpdateType {
  @Field({ description: 'Stream cursor: pass it as `after` to resume after this change.' })
  cursor!: string;

  @Field({ description: 'What happened, e.g. ill.shipped.' })
  type!: string;

  @Field(() => GraphQLDateTime, { description: 'When.' })
  occurredAt!: Date;

  // resolved freshly for every event (a subscription's own loaders would go stale)
  requestId!: number;
}

// ── errors ──────────────────────────────────────────────────────────────────────────────────

@ObjectType({ implements: ErrorResult, description: 'No inter-library request has this id (or it is not visible to you).' })
export class IllRequestNotFoundError extends ErrorResult {
  constructor(message = 'No inter-library request has this id.') {
    super();
    this.errorCode = ErrorCode.ILL_REQUEST_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The action is not allowed in the request\'s current state; `allowedActions` are.' })
export class IllegalTransitionError extends ErrorResult {
  @Field(() => IllAction, { description: 'The action tried.' })
  action: IllAction;

  @Field(() => IllState, { description: 'The borrower state it was tried in.' })
  requesterState: IllState;

  @Field(() => IllState, { nullable: true, description: 'The lender state it was tried in.' })
  supplierState: IllState | null;

  @Field(() => [IllAction], { description: 'What the viewer may do now instead.' })
  allowedActions: IllAction[];

  constructor(action: IllAction, requesterState: IllState, supplierState: IllState | null, allowed: IllAction[]) {
    super();
    this.errorCode = ErrorCode.ILLEGAL_TRANSITION;
    this.message = `${action} is not allowed while the request is ${requesterState}${supplierState ? ` / ${supplierState}` : ''}; allowed now: ${allowed.length ? allowed.join(', ') : 'nothing'}.`;
    this.action = action;
    this.requesterState = requesterState;
    this.supplierState = supplierState;
    this.allowedActions = allowed;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No other library can lend this now, and no lender was named.' })
export class NoLenderAvailableError extends ErrorResult {
  constructor(message = 'No other library has a lendable copy on its shelf now. Name lenders with lenderCodes, or place a hold.') {
    super();
    this.errorCode = ErrorCode.NO_LENDER_AVAILABLE;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'An open request for the same title and reader already exists.' })
export class DuplicateIllRequestError extends ErrorResult {
  @Field(() => ID, { description: 'The open request.' })
  existingRequestId: string;

  constructor(existingRequestId: string) {
    super();
    this.errorCode = ErrorCode.DUPLICATE_ILL_REQUEST;
    this.message = 'An open request for this title and reader already exists.';
    this.existingRequestId = existingRequestId;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The library does not take part in resource sharing this way.' })
export class LibraryNotSharingError extends ErrorResult {
  @Field({ description: 'The library code.' })
  libraryCode: string;

  constructor(message: string, libraryCode: string) {
    super();
    this.errorCode = ErrorCode.LIBRARY_NOT_SHARING;
    this.message = message;
    this.libraryCode = libraryCode;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy cannot serve this request.' })
export class ItemNotForRequestError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_FOR_REQUEST;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy is borrowed from another library: renew through the inter-library request.' })
export class IllLoanError extends ErrorResult {
  @Field(() => ID, { description: 'The inter-library request the loan belongs to.' })
  requestId: string;

  constructor(requestId: string) {
    super();
    this.errorCode = ErrorCode.ILL_LOAN;
    this.message = 'This copy is borrowed from another library: ask the lender for a renewal (requestIllRenewal).';
    this.requestId = requestId;
  }
}
