import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { connectionType } from '../../common/pagination';
import { ItemStatus } from '../catalog/item.entity';
import { HoldStatus } from './hold.entity';

registerEnumType(HoldStatus, {
  name: 'HoldStatus',
  description: 'Where a hold stands.',
  valuesConfig: {
    WAITING: { description: 'In the queue.' },
    IN_TRANSIT: { description: 'A copy is on its way to the pickup library.' },
    READY_FOR_PICKUP: { description: 'On the hold shelf of the pickup library until shelfExpiresAt.' },
    FULFILLED: { description: 'The patron borrowed the copy.' },
    CANCELLED: { description: 'Cancelled by the patron or staff.' },
    EXPIRED: { description: 'Not collected in time.' },
  },
});

export enum LoanStatus {
  ACTIVE = 'ACTIVE',
  OVERDUE = 'OVERDUE',
  RETURNED = 'RETURNED',
}
registerEnumType(LoanStatus, {
  name: 'LoanStatus',
  description: 'State of a loan.',
  valuesConfig: {
    ACTIVE: { description: 'Out, not yet due.' },
    OVERDUE: { description: 'Out and past its due date.' },
    RETURNED: { description: 'Returned.' },
  },
});

export enum CheckinAction {
  RESHELVE = 'RESHELVE',
  HOLD_SHELF = 'HOLD_SHELF',
  TRANSIT = 'TRANSIT',
  ILL_LOAN = 'ILL_LOAN',
}
registerEnumType(CheckinAction, {
  name: 'CheckinAction',
  description: 'What the desk does with a copy just checked in or received.',
  valuesConfig: {
    RESHELVE: { description: 'Back on the shelf here (AVAILABLE).' },
    HOLD_SHELF: { description: 'Put on the hold shelf here for the patron next in the queue.' },
    TRANSIT: { description: 'Send to another library (its owner, or the pickup library of the next hold).' },
    ILL_LOAN: { description: 'A copy borrowed from another library arrived for an inter-library request: it is now lent to the reader who asked (or to this library).' },
  },
});

export enum TransitDirection {
  INCOMING = 'INCOMING',
  OUTGOING = 'OUTGOING',
}
registerEnumType(TransitDirection, {
  name: 'TransitDirection',
  description: 'Towards or away from a library.',
  valuesConfig: {
    INCOMING: { description: 'Travelling to the library.' },
    OUTGOING: { description: 'Sent from the library.' },
  },
});

@ObjectType('Loan', {
  simpleResolvers: true, implements: Node, description: 'A copy lent to a patron.' })
export class LoanType extends Node {
  @Field({ description: 'When it was lent.' })
  checkedOutAt!: Date;

  @Field({ description: "Due at the end of the lending library's local day." })
  dueAt!: Date;

  @Field(() => Int, { description: 'Renewals so far.' })
  renewals!: number;

  @Field(() => Date, { nullable: true, description: 'When it was returned (null while out).' })
  returnedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Days late at return (local days of the lending library).' })
  overdueDays!: number | null;

  @Field(() => Int, { nullable: true, description: 'Fine recorded at return, in VND.' })
  fineVnd!: number | null;
}

@ObjectType('Hold', {
  simpleResolvers: true, implements: Node, description: 'A patron waiting for a title or for one copy.' })
export class HoldType extends Node {
  @Field(() => HoldStatus, { description: 'Where the hold stands.' })
  status!: HoldStatus;

  @Field({ description: 'When it was placed.' })
  placedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Suspended (not filled) until then.' })
  suspendedUntil!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the copy reached the hold shelf.' })
  readyAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Collect before this, or the hold expires.' })
  shelfExpiresAt!: Date | null;
}

@ObjectType('Transit', {
  simpleResolvers: true, implements: Node, description: 'A copy travelling between libraries.' })
export class TransitType extends Node {
  @Field({ description: 'RETURN_HOME (back to its owner), HOLD (to a pickup library), ILL_SHIPMENT (lent to another library) or ILL_RETURN (coming back from one).' })
  reason!: string;

  @Field({ description: 'When it left.' })
  sentAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it arrived (null while travelling).' })
  receivedAt!: Date | null;
}

@ObjectType('CirculationPolicy', { description: 'Lending rules in force for a library × patron category × format.' })
export class CirculationPolicyType {
  @Field({ description: 'True when this library set the rule; false when the network default applies.' })
  librarySpecific!: boolean;

  @Field(() => Int, { description: 'Loan period in days.' }) loanDays!: number;
  @Field(() => Int, { description: 'Renewals allowed per loan.' }) maxRenewals!: number;
  @Field(() => Int, { description: 'Open loans a patron may have.' }) maxLoans!: number;
  @Field(() => Int, { description: 'Active holds a patron may have.' }) maxHolds!: number;
  @Field(() => Int, { description: 'Days a hold waits on the shelf.' }) holdShelfDays!: number;
  @Field({ description: 'Whether holds may be placed.' }) holdsAllowed!: boolean;
  @Field(() => Int, { description: 'Fine per overdue day in VND (0: none).' }) finePerDay!: number;
  @Field(() => Int, { description: 'A loan overdue longer than this cannot be renewed.' }) renewOverdueMaxDays!: number;
}

@ObjectType('CheckinOutcome', { description: 'What happened at check-in and what the desk does next.' })
export class CheckinOutcome {
  @Field(() => CheckinAction, { description: 'Next step for the copy.' })
  action!: CheckinAction;

  @Field(() => Int, { description: 'Days late (0 when on time or not on loan).' })
  overdueDays!: number;

  @Field(() => Int, { description: 'Fine recorded, in VND.' })
  fineVnd!: number;
}

@ObjectType('LoanConnection', { description: 'A page of loans.' })
export class LoanConnection extends connectionType('Loan', LoanType) {}

@InputType({ description: 'Filters for `loans`.' })
export class LoanFilter {
  @Field({ description: 'Lending library (staff see their own library; network admins any).' })
  libraryCode!: string;

  @Field(() => Boolean, { nullable: true, description: 'Only overdue loans (true) or only loans not yet due (false).' })
  overdue?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Only loans due before this time.' })
  dueBefore?: Date | null;
}

@ObjectType({ implements: ErrorResult, description: 'The copy may not be lent (reference or rare copy).' })
export class ItemNotLoanableError extends ErrorResult {
  constructor(message = 'This copy is not for loan.') {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_LOANABLE;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy is not on the shelf.' })
export class ItemNotAvailableError extends ErrorResult {
  @Field(() => ItemStatus, { description: 'Its current status.' })
  status: ItemStatus;

  constructor(status: ItemStatus) {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_AVAILABLE;
    this.message = `The copy is ${status}.`;
    this.status = status;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy waits on the hold shelf for another patron.' })
export class ItemOnHoldForOtherError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.ITEM_ON_HOLD_FOR_OTHER;
    this.message = 'The copy is on the hold shelf for another patron.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'Check-in of a copy that is not out (withdrawn, damaged, in processing).' })
export class ItemNotCheckedOutError extends ErrorResult {
  @Field(() => ItemStatus, { description: 'Its current status.' })
  status: ItemStatus;

  constructor(status: ItemStatus) {
    super();
    this.errorCode = ErrorCode.ITEM_NOT_CHECKED_OUT;
    this.message = `The copy is ${status}; nothing to check in.`;
    this.status = status;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The copy is not travelling to this library.' })
export class NoTransitError extends ErrorResult {
  constructor(message: string) {
    super();
    this.errorCode = ErrorCode.NO_TRANSIT;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron has as many open loans as the policy allows.' })
export class LoanLimitReachedError extends ErrorResult {
  @Field(() => Int, { description: 'The limit.' })
  limit: number;

  constructor(limit: number) {
    super();
    this.errorCode = ErrorCode.LOAN_LIMIT_REACHED;
    this.message = `The patron already has ${limit} loans, the most the policy allows.`;
    this.limit = limit;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No loan has this id (or it is not visible to you).' })
export class LoanNotFoundError extends ErrorResult {
  constructor(message = 'No open loan has this id.') {
    super();
    this.errorCode = ErrorCode.LOAN_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The loan was renewed as often as the policy allows.' })
export class RenewalLimitReachedError extends ErrorResult {
  @Field(() => Int, { description: 'Renewals allowed.' })
  limit: number;

  constructor(limit: number) {
    super();
    this.errorCode = ErrorCode.RENEWAL_LIMIT_REACHED;
    this.message = `The loan was already renewed ${limit} times.`;
    this.limit = limit;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Another patron waits for this title: the copy must come back.' })
export class HoldPendingError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.HOLD_PENDING;
    this.message = 'Another patron is waiting for this title.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'The loan is overdue for longer than renewals allow.' })
export class OverdueTooLongError extends ErrorResult {
  @Field(() => Int, { description: 'Days overdue.' })
  overdueDays: number;

  constructor(days: number) {
    super();
    this.errorCode = ErrorCode.OVERDUE_TOO_LONG;
    this.message = `The loan is ${days} days overdue: return it instead.`;
    this.overdueDays = days;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The policy does not allow holds here.' })
export class HoldsNotAllowedError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.HOLDS_NOT_ALLOWED;
    this.message = 'Holds are not allowed for this patron and title.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron has as many active holds as the policy allows.' })
export class HoldLimitReachedError extends ErrorResult {
  @Field(() => Int, { description: 'The limit.' })
  limit: number;

  constructor(limit: number) {
    super();
    this.errorCode = ErrorCode.HOLD_LIMIT_REACHED;
    this.message = `The patron already has ${limit} holds.`;
    this.limit = limit;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron already has a copy of this title.' })
export class AlreadyOnLoanToPatronError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.ALREADY_ON_LOAN_TO_PATRON;
    this.message = 'The patron already has a copy of this title on loan.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron already waits for this title.' })
export class DuplicateHoldError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.DUPLICATE_HOLD;
    this.message = 'The patron already has an active hold on this title.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'No hold has this id (or it is not visible to you).' })
export class HoldNotFoundError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.HOLD_NOT_FOUND;
    this.message = 'No hold has this id.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'The hold is not in a state that allows this change.' })
export class HoldNotChangeableError extends ErrorResult {
  @Field(() => HoldStatus, { description: 'Its current status.' })
  status: HoldStatus;

  constructor(status: HoldStatus) {
    super();
    this.errorCode = ErrorCode.HOLD_NOT_CHANGEABLE;
    this.message = `The hold is ${status}.`;
    this.status = status;
  }
}
