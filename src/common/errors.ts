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
}
registerEnumType(ErrorCode, { name: 'ErrorCode', description: 'Machine-readable code of an expected failure.' });

@InterfaceType({ description: 'An expected failure, returned as data in a result union.' })
export abstract class ErrorResult {
  @Field(() => ErrorCode, { description: 'What went wrong, for programs.' })
  errorCode!: ErrorCode;

  @Field({ description: 'What went wrong, for people (English).' })
  message!: string;
}

/** Codes of thrown errors (`extensions.code`). */
export type ThrownCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'INTERNAL_SERVER_ERROR';

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
