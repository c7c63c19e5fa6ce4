import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

export type TransitReason = 'RETURN_HOME' | 'HOLD';

/** A copy travelling between libraries (open while receivedAt is null). */
@Entity({ tableName: 'transits' })
export class Transit {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'item_id' })
  itemId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'from_library_id' })
  fromLibraryId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'to_library_id' })
  toLibraryId!: number;

  @Property({ type: 'text' })
  reason!: TransitReason;

  @Property({ type: new BigIntType('number'), fieldName: 'hold_id', nullable: true })
  holdId: number | null = null;

  @Property({ type: 'timestamptz' })
  sentAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  receivedAt: Date | null = null;
}
