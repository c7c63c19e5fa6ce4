import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { connectionType } from '../../common/pagination';
import { StaffRole } from './account.entity';
import { ApiPermission } from './viewer';

registerEnumType(StaffRole, {
  name: 'StaffRole',
  description: 'What a staff account may do.',
  valuesConfig: {
    LIBRARIAN: { description: 'Desk and cataloguing work for one library.' },
    LIBRARY_ADMIN: { description: 'Runs one library.' },
    NETWORK_ADMIN: { description: 'Runs the whole network.' },
    CONTRIBUTOR: { description: 'Works for a contributing agency: submits documents to the digital library, nothing else.' },
  },
});

export enum ViewerKind {
  STAFF = 'STAFF',
  PATRON = 'PATRON',
  API_CLIENT = 'API_CLIENT',
}
registerEnumType(ViewerKind, {
  name: 'ViewerKind',
  description: 'Kind of signed-in viewer.',
  valuesConfig: {
    STAFF: { description: 'A staff account of the network or of one library.' },
    PATRON: { description: 'A reader signed in with card number and PIN.' },
    API_CLIENT: { description: "A partner system calling with an API key of one library (see `apiClient`)." },
  },
});

registerEnumType(ApiPermission, {
  name: 'ApiPermission',
  description: 'What an API key may do, always at its own library only.',
  valuesConfig: {
    READ_HOLDINGS: { description: 'Read the catalog, holdings and copies.' },
    READ_PATRONS: { description: "Read the library's readers." },
    CIRCULATION: { description: "Desk work at the library: lend, return, renew, holds, desk lists." },
    RESOURCE_SHARING: { description: 'Inter-library loans on behalf of the library.' },
    READ_EVENTS: { description: "Follow the library's event stream." },
  },
});

@ObjectType('StaffAccount', {
  simpleResolvers: true, implements: Node, description: 'A staff account.' })
export class StaffAccountType extends Node {
  @Field({ description: 'Login name.' })
  username!: string;

  @Field(() => String, { nullable: true, description: 'Name shown to colleagues.' })
  displayName!: string | null;

  @Field(() => StaffRole, { description: 'Role.' })
  role!: StaffRole;

  @Field({ description: 'Whether the account may sign in.' })
  active!: boolean;
}

@ObjectType('Me', { description: 'The signed-in viewer.' })
export class MeType {
  @Field(() => ViewerKind, { description: 'Kind of viewer.' })
  kind!: ViewerKind;

  @Field(() => StaffAccountType, { nullable: true, description: 'The staff account, for staff viewers.' })
  account!: unknown;
}

@ObjectType('AuthPayload', { description: 'A signed access token, and the refresh token that gets the next one.' })
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>` (HTTP) or `connectionParams.authorization` (WebSocket). Short-lived (15 minutes by default).' })
  token!: string;

  @Field({ description: 'When the token stops working.' })
  expiresAt!: Date;

  @Field({ description: 'Pass to `refreshToken` before `expiresAt` for a new pair. Each refresh token works once: using a spent one again ends the session.' })
  refreshToken!: string;

  @Field({ description: 'When the session ends at the latest (sign in again then).' })
  refreshTokenExpiresAt!: Date;

  @Field(() => StaffAccountType, { description: 'The account signed in.' })
  account!: unknown;
}

@ObjectType({ implements: ErrorResult, description: 'Unknown username, wrong password, or a disabled account.' })
export class InvalidCredentialsError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.INVALID_CREDENTIALS;
    this.message = 'Username or password is wrong, or the account is disabled.';
  }
}

@ObjectType({ implements: ErrorResult, description: 'Too many failed sign-ins for this account or from this address: wait, then try again.' })
export class TooManyAttemptsError extends ErrorResult {
  @Field(() => Int, { description: 'Seconds to wait before the next attempt is checked.' })
  retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super();
    this.errorCode = ErrorCode.TOO_MANY_ATTEMPTS;
    this.message = `Too many failed sign-ins: try again in ${retryAfterSeconds} s.`;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

@ObjectType({ implements: ErrorResult, description: 'The refresh token is unknown, expired, revoked or already used.' })
export class InvalidRefreshTokenError extends ErrorResult {
  constructor(message = 'This refresh token no longer works: sign in again.') {
    super();
    this.errorCode = ErrorCode.INVALID_REFRESH_TOKEN;
    this.message = message;
  }
}

@ObjectType({ implements: ErrorResult, description: 'No API client has this id (or it is not visible to you).' })
export class ApiClientNotFoundError extends ErrorResult {
  constructor() {
    super();
    this.errorCode = ErrorCode.API_CLIENT_NOT_FOUND;
    this.message = 'No API client has this id.';
  }
}

@ObjectType('ApiClient', { simpleResolvers: true, description: 'A partner system with an API key scoped to one library and named permissions.' })
export class ApiClientType {
  @Field(() => ID, { description: 'Opaque id (for `revokeApiClient`).' })
  id!: string;

  @Field({ description: 'Name given at creation, e.g. the partner system.' })
  name!: string;

  @Field(() => [ApiPermission], { description: 'What the key may do, at its library only.' })
  permissions!: ApiPermission[];

  @Field({ description: 'First characters of the key (`snk_<prefix>_…`), to recognise it; the key itself is never shown again.' })
  keyPrefix!: string;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (to the minute).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked (null: active).' })
  revokedAt!: Date | null;

  @Field({ description: 'Whether the key works.' })
  active!: boolean;
}

@ObjectType('ApiClientConnection', { description: 'A page of API clients, newest first.' })
export class ApiClientConnection extends connectionType('ApiClient', ApiClientType) {}

@ObjectType('ApiClientCreated', { description: 'A new API client and its key.' })
export class ApiClientCreated {
  @Field({ description: 'The API key: shown this once, stored only as a hash. Send it as `X-API-Key: <key>` (or `Authorization: Bearer <key>`).' })
  apiKey!: string;

  @Field(() => ApiClientType, { description: 'The client.' })
  client!: ApiClientType;
}

@InputType({ description: 'A new API client.' })
export class CreateApiClientInput {
  @Field({ description: 'The library the key works for (library admins: their own).' })
  libraryCode!: string;

  @Field({ description: 'Name of the partner system (1-200 characters).' })
  name!: string;

  @Field(() => [ApiPermission], { description: 'What the key may do (at least one).' })
  permissions!: ApiPermission[];
}
