import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { Account } from '../modules/auth/account.entity';
import { AuthService } from '../modules/auth/auth.service';
import { authResolvers } from '../modules/auth/auth.resolver';
import { AuthPayload, MeType } from '../modules/auth/auth.types';
import { HoldingsResolver, ItemResolver, RecordResolver } from '../modules/catalog/catalog.resolver';
import { Item } from '../modules/catalog/item.entity';
import { BibliographicRecord } from '../modules/catalog/record.entity';
import { LibrariesResolver } from '../modules/libraries/libraries.resolver';
import { Library } from '../modules/libraries/library.entity';
import { NodeResolver } from '../modules/node/node.resolver';
import { CheckinOutcomeResolver, HoldResolver, LoanResolver, TransitResolver } from '../modules/circulation/circulation.resolver';
import { Hold } from '../modules/circulation/hold.entity';
import { Loan } from '../modules/circulation/loan.entity';
import { MeResolver } from '../modules/circulation/me.resolver';
import { PolicyResolver } from '../modules/circulation/policy.resolver';
import { EventsResolver } from '../modules/events/events.resolver';
import { Transit } from '../modules/circulation/transit.entity';
import { Patron } from '../modules/patrons/patron.entity';
import { patronResolvers } from '../modules/patrons/patrons.resolver';
import { IllRequest } from '../modules/sharing/ill-request.entity';
import { sharingResolvers } from '../modules/sharing/sharing.resolver';
import { ERESOURCE_RESOLVERS, eResourceTypeName } from '../modules/eresources/eresources.node';
import { applyPermissions } from './security/permission-guard';

/** Maps entities (which carry no GraphQL decorators) to the name of their GraphQL object type. */
function nodeTypeName(value: unknown): string | undefined {
  if (value instanceof Library) return 'Library';
  if (value instanceof BibliographicRecord) return 'BibliographicRecord';
  if (value instanceof Item) return 'Item';
  if (value instanceof Account) return 'StaffAccount';
  if (value instanceof Patron) return 'Patron';
  if (value instanceof Loan) return 'Loan';
  if (value instanceof Hold) return 'Hold';
  if (value instanceof Transit) return 'Transit';
  if (value instanceof IllRequest) return 'IllRequest';
  return eResourceTypeName(value);
}

/** Root fields the last built schema has no permission rule for (logged at start-up: they are refused). */
export let unruledFields: string[] = [];

export async function createSchema(auth: AuthService): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [
      LibrariesResolver,
      RecordResolver,
      HoldingsResolver,
      ItemResolver,
      NodeResolver,
      ...authResolvers(auth),
      ...patronResolvers(auth),
      LoanResolver,
      HoldResolver,
      TransitResolver,
      CheckinOutcomeResolver,
      MeResolver,
      PolicyResolver,
      EventsResolver,
      ...sharingResolvers,
      ...ERESOURCE_RESOLVERS,
      AuditResolver,
    ],
    orphanedTypes: [MeType, AuthPayload],
    // every subscription brings its own `subscribe` (the outbox stream); type-graphql still wants a PubSub
    pubSub: {
      publish: () => {
        throw new Error('Shelfnet publishes through the event outbox, not a PubSub');
      },
      subscribe: () => {
        throw new Error('Shelfnet subscriptions read the event outbox, not a PubSub');
      },
    },
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    emitSchemaFile: false,
  });
  // type-graphql resolves interfaces by GraphQL class; our resolvers return entities
  const node = schema.getType('Node') as unknown as { resolveType: (v: unknown) => string | undefined };
  node.resolveType = nodeTypeName;
  // who may use what: src/modules/auth/permissions.ts (fields without a rule are refused to everyone)
  unruledFields = applyPermissions(schema);
  return schema;
}
