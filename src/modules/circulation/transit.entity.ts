import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** RETURN_HOME and HOLD from circulation; ILL_SHIPMENT (lender → borrower) and ILL_RETURN (back) from resource sharing. */
export type TransitReason = 'RETURN_HOME' | 'HOLD' | 'ILL_SHIPMENT' | 'ILL_RETURN';

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

  @Property({ type: new BigIntType('number'), fieldName: 'ill_request_id', nullable: true })
  illRequestId: number | null = null;

  @Property({ type: 'timestamptz' })
  sentAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  receivedAt: Date | null = null;
}
