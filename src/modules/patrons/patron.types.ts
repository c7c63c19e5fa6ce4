import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { connectionType } from '../../common/pagination';
import { PatronCategory, PatronStatus } from './patron.entity';

registerEnumType(PatronCategory, {
  name: 'PatronCategory',
  description: 'Category of reader; policies depend on it.',
  valuesConfig: {
    ADULT: { description: 'Adult reader.' },
    CHILD: { description: 'Child reader.' },
    STUDENT: { description: 'Pupil or student.' },
    STAFF: { description: 'Library staff borrowing as a reader.' },
    INSTITUTION: { description: 'A school, office or other body borrowing as one reader.' },
  },
});
registerEnumType(PatronStatus, {
  name: 'PatronStatus',
  description: 'Whether the reader may borrow.',
  valuesConfig: {
    ACTIVE: { description: 'May borrow.' },
    BLOCKED: { description: 'Blocked by staff (see blockReason).' },
    EXPIRED: { description: 'The card passed its expiry date.' },
  },
});

@ObjectType('Patron', {
  simpleResolvers: true, implements: Node, description: 'A reader. Visible to the reader, staff of their home library, staff of libraries where they borrow or wait, and network admins.' })
export class PatronType extends Node {
  @Field({ description: 'Card number, unique in the network.' })
  cardNumber!: string;

  @Field({ description: 'Full name.' })
  fullName!: string;

  @Field(() => PatronCategory, { description: 'Category.' })
  category!: PatronCategory;

  @Field(() => PatronStatus, { description: 'ACTIVE, BLOCKED or EXPIRED.' })
  status!: PatronStatus;

  @Field(() => String, { nullable: true, description: 'Why the card is blocked.' })
  blockReason!: string | null;

  @Field({ description: 'Date the card expires (yyyy-mm-dd).' })
  expiresOn!: string;

  @Field(() => String, { nullable: true, description: 'Date of birth (yyyy-mm-dd).' })
  dateOfBirth!: string | null;

  @Field(() => String, { nullable: true, description: 'Telephone.' })
  phone!: string | null;

  @Field(() => String, { nullable: true, description: 'E-mail.' })
  email!: string | null;

  @Field({ description: 'Preferred language: vi or en.' })
  preferredLanguage!: string;

  @Field({ description: 'Whether returned loans stay in the history (false: anonymised at return).' })
  keepLoanHistory!: boolean;

  @Field({ description: 'When the card was created.' })
  createdAt!: Date;

  @Field({ description: 'When the card last changed.' })
  updatedAt!: Date;
}

@ObjectType('PatronConnection', { description: 'A page of patrons, by card number.' })
export class PatronConnection extends connectionType('Patron', PatronType) {}

@InputType({ description: 'A new reader card.' })
export class CreatePatronInput {
  @Field({ description: 'Card number (3-32 letters, digits, hyphens), unique in the network.' })
  cardNumber!: string;

  @Field({ description: 'Full name.' })
  fullName!: string;

  @Field({ description: 'Home library code; staff create patrons of their own library.' })
  homeLibraryCode!: string;

  @Field(() => PatronCategory, { description: 'Category.' })
  category!: PatronCategory;

  @Field({ description: 'Expiry date (yyyy-mm-dd).' })
  expiresOn!: string;

  @Field(() => String, { nullable: true, description: 'Date of birth (yyyy-mm-dd).' })
  dateOfBirth?: string | null;

  @Field(() => String, { nullable: true, description: 'Telephone.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'E-mail.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'vi (default) or en.' })
  preferredLanguage?: string | null;

  @Field(() => String, { nullable: true, description: 'PIN for signing in (4-12 digits).' })
  pin?: string | null;
}

@InputType({ description: 'Changes to a patron: only given fields change.' })
export class UpdatePatronInput {
  @Field({ description: 'Card number of the patron to change.' })
  cardNumber!: string;

  @Field(() => String, { nullable: true, description: 'Full name.' }) fullName?: string | null;
  @Field(() => PatronCategory, { nullable: true, description: 'Category.' }) category?: PatronCategory | null;
  @Field(() => String, { nullable: true, description: 'Expiry date (yyyy-mm-dd); a future date reactivates an EXPIRED card.' }) expiresOn?: string | null;
  @Field(() => String, { nullable: true, description: 'Date of birth (yyyy-mm-dd).' }) dateOfBirth?: string | null;
  @Field(() => String, { nullable: true, description: 'Telephone.' }) phone?: string | null;
  @Field(() => String, { nullable: true, description: 'E-mail.' }) email?: string | null;
  @Field(() => String, { nullable: true, description: 'vi or en.' }) preferredLanguage?: string | null;
  @Field(() => String, { nullable: true, description: 'New PIN (4-12 digits).' }) pin?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Block (true, with blockReason) or unblock (false).' }) blocked?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Why the card is blocked.' }) blockReason?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Keep returned loans in the history.' }) keepLoanHistory?: boolean | null;
}

@ObjectType({ implements: ErrorResult, description: 'No patron has this card number (or it is not visible to you).' })
export class PatronNotFoundError extends ErrorResult {
  constructor(message = 'No patron has this card number.') {
    super();
    this.errorCode = ErrorCode.PATRON_NOT_FOUND;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The patron is blocked.' })
export class PatronBlockedError extends ErrorResult {
  @Field(() => String, { nullable: true, description: 'Why.' })
  reason: string | null;

  constructor(reason: string | null) {
    super();
    this.errorCode = ErrorCode.PATRON_BLOCKED;
    this.message = `The patron is blocked${reason ? `: ${reason}` : ''}.`;
    this.reason = reason;
  }
}

@ObjectType({ implements: ErrorResult, description: "The patron's card has expired." })
export class PatronExpiredError extends ErrorResult {
  @Field({ description: 'The expiry date.' })
  expiresOn: string;

  constructor(expiresOn: string) {
    super();
    this.errorCode = ErrorCode.PATRON_EXPIRED;
    this.message = `The card expired on ${expiresOn}.`;
    this.expiresOn = expiresOn;
  }
}

@ObjectType({ implements: ErrorResult, description: 'Another patron already has this card number.' })
export class DuplicateCardNumberError extends ErrorResult {
  @Field({ description: 'The card number.' })
  cardNumber: string;

  constructor(cardNumber: string) {
    super();
    this.errorCode = ErrorCode.DUPLICATE_CARD_NUMBER;
    this.message = `Card number ${cardNumber} is already used.`;
    this.cardNumber = cardNumber;
  }
}

