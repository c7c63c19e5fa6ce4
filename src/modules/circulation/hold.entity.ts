import { BigIntType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum HoldStatus {
  WAITING = 'WAITING',
  IN_TRANSIT = 'IN_TRANSIT',
  READY_FOR_PICKUP = 'READY_FOR_PICKUP',
  FULFILLED = 'FULFILLED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

export const ACTIVE_HOLD_STATUSES = [HoldStatus.WAITING, HoldStatus.IN_TRANSIT, HoldStatus.READY_FOR_PICKUP];

/** A patron waiting for a title (any copy) or one copy (itemId set). */
@Entity({ tableName: 'holds' })
export class Hold {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'record_id' })
  recordId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'item_id', nullable: true })
  itemId: number | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'patron_id' })
  patronId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'pickup_library_id' })
  pickupLibraryId!: number;

  @Enum({ items: () => HoldStatus })
  status: HoldStatus = HoldStatus.WAITING;

  @Property({ type: 'timestamptz' })
  placedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  suspendedUntil: Date | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'captured_item_id', nullable: true })
  capturedItemId: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  readyAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  shelfExpiresAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt: Date | null = null;
}
