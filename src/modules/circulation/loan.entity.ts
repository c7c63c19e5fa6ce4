import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A copy lent to a patron. Open while returnedAt is null (one open loan per copy, enforced by an index). */
@Entity({ tableName: 'loans' })
export class Loan {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'item_id' })
  itemId!: number;

  /** Null once the loan was anonymised (patron opted out of history). */
  @Property({ type: new BigIntType('number'), fieldName: 'patron_id', nullable: true })
  patronId: number | null = null;

  /** The library whose desk lent it. */
  @Property({ type: new BigIntType('number'), fieldName: 'library_id' })
  libraryId!: number;

  @Property({ type: 'timestamptz' })
  checkedOutAt!: Date;

  @Property({ type: new BigIntType('number'), nullable: true })
  checkedOutBy: number | null = null;

  @Property({ type: 'timestamptz' })
  dueAt!: Date;

  @Property({ type: 'integer' })
  renewals = 0;

  @Property({ type: 'timestamptz', nullable: true })
  returnedAt: Date | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'checkin_library_id', nullable: true })
  checkinLibraryId: number | null = null;

  @Property({ type: 'boolean' })
  overdue = false;

  @Property({ type: 'integer', nullable: true })
  overdueDays: number | null = null;

  @Property({ type: 'integer', nullable: true })
  fineVnd: number | null = null;

  @Property({ type: 'boolean' })
  anonymised = false;

  /** Set when the copy is borrowed from another library for an inter-library request. */
  @Property({ type: new BigIntType('number'), fieldName: 'ill_request_id', nullable: true })
  illRequestId: number | null = null;
}
