import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCode, ErrorResult } from '../../common/errors';
import { Node } from '../../common/node.types';
import { StaffRole } from './account.entity';

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
}
registerEnumType(ViewerKind, {
  name: 'ViewerKind',
  description: 'Kind of signed-in viewer.',
  valuesConfig: {
    STAFF: { description: 'A staff account of the network or of one library.' },
    PATRON: { description: 'A reader signed in with card number and PIN.' },
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

@ObjectType('AuthPayload', { description: 'A signed access token.' })
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>` (HTTP) or `connectionParams.authorization` (WebSocket).' })
  token!: string;

  @Field({ description: 'When the token stops working.' })
  expiresAt!: Date;

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
