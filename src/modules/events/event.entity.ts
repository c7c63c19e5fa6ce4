import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One row of the event outbox, written in the transaction of the change it describes. */
@Entity({ tableName: 'events' })
export class OutboxEvent {
  @PrimaryKey({ type: new BigIntType('number') })
  seq!: number;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'bigint[]', fieldName: 'library_ids' })
  libraryIds: number[] = [];

  @Property({ type: 'text' })
  entity!: string;

  @Property({ type: new BigIntType('number'), fieldName: 'entity_id', nullable: true })
  entityId: number | null = null;

  @Property({ type: 'json' })
  payload: Record<string, unknown> = {};
}
