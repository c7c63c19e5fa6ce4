import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('NetworkEvent', {
  simpleResolvers: true,
  description:
    'Something that happened in the network (a loan, a return, a hold, a transit, a copy changing status…), ' +
    'as written to the event outbox in the same transaction as the change.',
})
export class NetworkEventType {
  @Field({ description: 'Opaque position in the stream: pass it as `after` when resubscribing to get every later event.' })
  cursor!: string;

  @Field({ description: 'Outbox sequence number (increases with every event written).' })
  sequence!: string;

  @Field({ description: 'What happened, e.g. loan.created, loan.returned, hold.ready, transit.started, item.status_changed.' })
  type!: string;

  @Field({ description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => [String], { description: 'Codes of the libraries concerned.' })
  libraryCodes!: string[];

  @Field({ description: 'Kind of object it is about: Loan, Hold, Transit, Item, Patron.' })
  entity!: string;

  @Field(() => ID, { nullable: true, description: 'Global id of that object (fetch it with `node(id:)`).' })
  entityId!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Details of the event (ids, barcodes, states before and after).' })
  payload!: Record<string, unknown>;
}
