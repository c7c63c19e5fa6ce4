import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../common/pagination';

export enum AuditActorKind {
  STAFF = 'STAFF',
  PATRON = 'PATRON',
  API_CLIENT = 'API_CLIENT',
  SYSTEM = 'SYSTEM',
}
registerEnumType(AuditActorKind, {
  name: 'AuditActorKind',
  description: 'Who did an audited action.',
  valuesConfig: {
    STAFF: { description: 'A staff account (actor: its username).' },
    PATRON: { description: 'A patron (actor: the card number).' },
    API_CLIENT: { description: 'A partner system (actor: the name of the API client).' },
    SYSTEM: { description: 'Shelfnet itself (scheduled jobs) or someone not signed in (failed sign-ins).' },
  },
});

@ObjectType('AuditEntry', { simpleResolvers: true, description: 'One audited action: who, when, for which library, what changed.' })
export class AuditEntryType {
  @Field(() => ID, { description: 'Opaque id of the entry.' })
  id!: string;

  @Field({ description: 'When it happened.' })
  at!: Date;

  @Field({ description: 'What was done, e.g. checkoutItem, login, loginFailed, createApiClient.' })
  action!: string;

  @Field({ description: 'Kind of object it concerns, e.g. Loan, Patron, StaffAccount, ApiClient.' })
  entity!: string;

  @Field(() => ID, { nullable: true, description: 'Global id of that object, when it has one (fetch it with `node(id:)`).' })
  entityId!: string | null;

  @Field(() => AuditActorKind, { description: 'Kind of actor.' })
  actorKind!: AuditActorKind;

  @Field(() => String, { nullable: true, description: 'Username, card number or API client name of the actor.' })
  actor!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'State before the change (as recorded).' })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'State after the change, or details of the action.' })
  after!: unknown;
}

@ObjectType('AuditEntryConnection', { description: 'A page of audit entries, newest first.' })
export class AuditEntryConnection extends connectionType('AuditEntry', AuditEntryType) {}

@InputType({ description: 'Which audit entries to list; every condition given must hold.' })
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: "Entries of this library (library admins: only their own, the default)." })
  libraryCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Entries by this actor: a staff username, a card number, or an API key prefix (snk_…).' })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'Entries of this action, e.g. checkoutItem or loginFailed.' })
  action?: string | null;

  @Field(() => Date, { nullable: true, description: 'Entries at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Entries before this time.' })
  to?: Date | null;
}
