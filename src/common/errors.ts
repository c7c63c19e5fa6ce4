import { GraphQLError } from 'graphql';
import { Field, InterfaceType, registerEnumType } from 'type-graphql';

/** Every expected business failure has a code here; clients switch on it. */
export enum ErrorCode {
  NOT_PERMITTED = 'NOT_PERMITTED',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  INVALID_ISBN = 'INVALID_ISBN',
  INVALID_ISSN = 'INVALID_ISSN',
  DUPLICATE_BARCODE = 'DUPLICATE_BARCODE',
  UNKNOWN_LIBRARY = 'UNKNOWN_LIBRARY',
  RECORD_NOT_FOUND = 'RECORD_NOT_FOUND',
  ITEM_NOT_FOUND = 'ITEM_NOT_FOUND',
  INVALID_MERGE = 'INVALID_MERGE',
  ITEM_NOT_WITHDRAWABLE = 'ITEM_NOT_WITHDRAWABLE',
  ITEM_NOT_LOANABLE = 'ITEM_NOT_LOANABLE',
  ITEM_NOT_AVAILABLE = 'ITEM_NOT_AVAILABLE',
  ITEM_ON_HOLD_FOR_OTHER = 'ITEM_ON_HOLD_FOR_OTHER',
  ITEM_NOT_CHECKED_OUT = 'ITEM_NOT_CHECKED_OUT',
  NO_TRANSIT = 'NO_TRANSIT',
  PATRON_NOT_FOUND = 'PATRON_NOT_FOUND',
  PATRON_BLOCKED = 'PATRON_BLOCKED',
  PATRON_EXPIRED = 'PATRON_EXPIRED',
  DUPLICATE_CARD_NUMBER = 'DUPLICATE_CARD_NUMBER',
  LOAN_LIMIT_REACHED = 'LOAN_LIMIT_REACHED',
  LOAN_NOT_FOUND = 'LOAN_NOT_FOUND',
  RENEWAL_LIMIT_REACHED = 'RENEWAL_LIMIT_REACHED',
  HOLD_PENDING = 'HOLD_PENDING',
  OVERDUE_TOO_LONG = 'OVERDUE_TOO_LONG',
  HOLDS_NOT_ALLOWED = 'HOLDS_NOT_ALLOWED',
  HOLD_LIMIT_REACHED = 'HOLD_LIMIT_REACHED',
  ALREADY_ON_LOAN_TO_PATRON = 'ALREADY_ON_LOAN_TO_PATRON',
  DUPLICATE_HOLD = 'DUPLICATE_HOLD',
  HOLD_NOT_FOUND = 'HOLD_NOT_FOUND',
  HOLD_NOT_CHANGEABLE = 'HOLD_NOT_CHANGEABLE',
  // resource sharing
  ILL_REQUEST_NOT_FOUND = 'ILL_REQUEST_NOT_FOUND',
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  NO_LENDER_AVAILABLE = 'NO_LENDER_AVAILABLE',
  DUPLICATE_ILL_REQUEST = 'DUPLICATE_ILL_REQUEST',
  LIBRARY_NOT_SHARING = 'LIBRARY_NOT_SHARING',
  ITEM_NOT_FOR_REQUEST = 'ITEM_NOT_FOR_REQUEST',
  ILL_LOAN = 'ILL_LOAN',
  // digital library (issue 5)
  ERESOURCE_NOT_FOUND = 'ERESOURCE_NOT_FOUND',
  FILE_NOT_FOUND = 'FILE_NOT_FOUND',
  INVALID_ERESOURCE = 'INVALID_ERESOURCE',
  ILLEGAL_ERESOURCE_TRANSITION = 'ILLEGAL_ERESOURCE_TRANSITION',
  NO_LICENSE = 'NO_LICENSE',
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  NOT_LENDABLE = 'NOT_LENDABLE',
  DIGITAL_LOAN_REQUIRED = 'DIGITAL_LOAN_REQUIRED',
  ALREADY_BORROWED = 'ALREADY_BORROWED',
  DIGITAL_LOAN_NOT_FOUND = 'DIGITAL_LOAN_NOT_FOUND',
  UNKNOWN_AGENCY = 'UNKNOWN_AGENCY',
  DUPLICATE_AGENCY = 'DUPLICATE_AGENCY',
  DUPLICATE_USERNAME = 'DUPLICATE_USERNAME',
  // security (issue 6)
  TOO_MANY_ATTEMPTS = 'TOO_MANY_ATTEMPTS',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  API_CLIENT_NOT_FOUND = 'API_CLIENT_NOT_FOUND',
}
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'Machine-readable code of an expected failure.',
  valuesConfig: {
    NOT_PERMITTED: { description: 'The viewer may not do this to this object (e.g. staff of another library).' },
    INVALID_CREDENTIALS: { description: 'Unknown username or wrong password.' },
    INVALID_ISBN: { description: 'An ISBN with a wrong check digit or form.' },
    INVALID_ISSN: { description: 'An ISSN with a wrong check digit or form.' },
    DUPLICATE_BARCODE: { description: 'Another copy in the network already has this barcode.' },
    UNKNOWN_LIBRARY: { description: 'No library has this code.' },
    RECORD_NOT_FOUND: { description: 'No record has this id.' },
    ITEM_NOT_FOUND: { description: 'No copy has this id or barcode.' },
    INVALID_MERGE: { description: 'These records cannot be merged.' },
    ITEM_NOT_WITHDRAWABLE: { description: 'The copy is in circulation and cannot be changed or withdrawn now.' },
    ITEM_NOT_LOANABLE: { description: 'The copy may not be lent (reference or rare copy).' },
    ITEM_NOT_AVAILABLE: { description: 'The copy is not on the shelf.' },
    ITEM_ON_HOLD_FOR_OTHER: { description: 'The copy waits on the hold shelf for another patron.' },
    ITEM_NOT_CHECKED_OUT: { description: 'Check-in of a copy that is not out.' },
    NO_TRANSIT: { description: 'The copy is not travelling to this library.' },
    PATRON_NOT_FOUND: { description: 'No patron has this card number (or it is not visible to you).' },
    PATRON_BLOCKED: { description: 'The patron is blocked.' },
    PATRON_EXPIRED: { description: "The patron's card has expired." },
    DUPLICATE_CARD_NUMBER: { description: 'Another patron already has this card number.' },
    LOAN_LIMIT_REACHED: { description: 'The patron has as many open loans as the policy allows.' },
    LOAN_NOT_FOUND: { description: 'No loan has this id (or it is not visible to you).' },
    RENEWAL_LIMIT_REACHED: { description: 'The loan was renewed as often as the policy allows.' },
    HOLD_PENDING: { description: 'Another patron waits for this title: the copy must come back.' },
    OVERDUE_TOO_LONG: { description: 'The loan is overdue for longer than renewals allow.' },
    HOLDS_NOT_ALLOWED: { description: 'The policy does not allow holds here.' },
    HOLD_LIMIT_REACHED: { description: 'The patron has as many active holds as the policy allows.' },
    ALREADY_ON_LOAN_TO_PATRON: { description: 'The patron already has a copy of this title.' },
    DUPLICATE_HOLD: { description: 'The patron already waits for this title.' },
    HOLD_NOT_FOUND: { description: 'No hold has this id (or it is not visible to you).' },
    HOLD_NOT_CHANGEABLE: { description: 'The hold is not in a state that allows this change.' },
    ILL_REQUEST_NOT_FOUND: { description: 'No inter-library request has this id (or it is not visible to you).' },
    ILLEGAL_TRANSITION: { description: 'The request is not in a state that allows this action now; the error lists the actions that are.' },
    NO_LENDER_AVAILABLE: { description: 'No other library can lend this now (no lendable copy on the shelf), and no lender was named.' },
    DUPLICATE_ILL_REQUEST: { description: 'An open request for the same title and reader already exists.' },
    LIBRARY_NOT_SHARING: { description: 'The library does not take part in resource sharing this way (it does not borrow from or lend to the network).' },
    ITEM_NOT_FOR_REQUEST: { description: 'The copy cannot serve this request (another title, another library, or it may not leave its library).' },
    ILL_LOAN: { description: 'The copy is borrowed from another library: ask for a renewal through its inter-library request.' },
    ERESOURCE_NOT_FOUND: { description: 'No e-resource has this id (or it is not visible to you).' },
    FILE_NOT_FOUND: { description: 'No uploaded file has this id, it is not yours, or it belongs to another e-resource.' },
    INVALID_ERESOURCE: { description: 'The e-resource is incomplete or inconsistent for this step (e.g. no file and no URL, a licence ending before it starts).' },
    ILLEGAL_ERESOURCE_TRANSITION: { description: "The e-resource's status does not allow this step; `allowedActions` lists what does." },
    NO_LICENSE: { description: 'The access policy or licence does not let this viewer open the e-resource (COUNTER: No_License).' },
    LIMIT_EXCEEDED: { description: 'Every licence of the e-resource is lent out now (COUNTER: Limit_Exceeded).' },
    NOT_LENDABLE: { description: 'The e-resource has no concurrent-user licence: it is opened, not borrowed.' },
    DIGITAL_LOAN_REQUIRED: { description: 'The e-resource is lent within a concurrent-user licence: borrow it first.' },
    ALREADY_BORROWED: { description: 'The patron already has this e-resource on loan.' },
    DIGITAL_LOAN_NOT_FOUND: { description: 'No open digital loan has this id (or it is not yours).' },
    UNKNOWN_AGENCY: { description: 'No contributing agency has this code.' },
    DUPLICATE_AGENCY: { description: 'Another agency already has this code.' },
    DUPLICATE_USERNAME: { description: 'Another account already has this username.' },
    TOO_MANY_ATTEMPTS: { description: 'Too many failed sign-ins: wait `retryAfterSeconds` before trying again.' },
    INVALID_REFRESH_TOKEN: { description: 'The refresh token is unknown, expired, revoked or already used: sign in again.' },
    API_CLIENT_NOT_FOUND: { description: 'No API client has this id (or it is not visible to you).' },
  },
});

@InterfaceType({ description: 'An expected failure, returned as data in a result union.' })
export abstract class ErrorResult {
  @Field(() => ErrorCode, { description: 'What went wrong, for programs.' })
  errorCode!: ErrorCode;

  @Field({ description: 'What went wrong, for people (English).' })
  message!: string;
}

/** Codes of thrown errors (`extensions.code`). */
export type ThrownCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'INTERNAL_SERVER_ERROR' | 'RATE_LIMITED' | 'TIMEOUT';

export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } });
}

export function unauthenticated(message = 'Sign in first: this operation needs an authenticated viewer.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
}
