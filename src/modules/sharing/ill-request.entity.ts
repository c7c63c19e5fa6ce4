import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { IllState } from './ill.state-machine';

export type IllServiceType = 'LOAN' | 'COPY' | 'COPY_OR_LOAN';

/** What the borrower asks for, as it would be cited (copied from the record when there is one). */
export interface IllCitation {
  title?: string;
  author?: string;
  isbn?: string;
  year?: number;
  publisher?: string;
  edition?: string;
  articleTitle?: string;
  pages?: string;
  volume?: string;
}

/**
 * One inter-library request: both views of the transaction (the borrower's requesterState and the
 * current lender's supplierState) on one row, locked FOR UPDATE by every action.
 */
@Entity({ tableName: 'ill_requests' })
export class IllRequest {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'requesting_library_id' })
  requestingLibraryId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'pickup_library_id' })
  pickupLibraryId!: number;

  @Property({ type: new BigIntType('number'), fieldName: 'patron_id', nullable: true })
  patronId: number | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'record_id', nullable: true })
  recordId: number | null = null;

  @Property({ type: 'json' })
  citation: IllCitation = {};

  @Property({ type: 'text' })
  serviceType!: IllServiceType;

  @Property({ type: 'date', nullable: true })
  neededBy: string | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'text' })
  requesterState!: IllState;

  @Property({ type: 'text', nullable: true })
  supplierState: IllState | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'lender_id', nullable: true })
  lenderId: number | null = null;

  @Property({ type: 'integer', nullable: true })
  rotaPosition: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  answerDueAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  conditionsNote: string | null = null;

  @Property({ type: 'integer', nullable: true })
  conditionsCostVnd: number | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'item_id', nullable: true })
  itemId: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  dueAt: Date | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'loan_id', nullable: true })
  loanId: number | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  renewalRequestedAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  renewalNote: string | null = null;

  @Property({ type: 'integer' })
  renewals = 0;

  @Property({ type: 'text', nullable: true })
  deliveryUrl: string | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'created_by_account_id', nullable: true })
  createdByAccountId: number | null = null;

  @Property({ type: new BigIntType('number'), fieldName: 'created_by_patron_id', nullable: true })
  createdByPatronId: number | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  shippedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  receivedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  returnShippedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt: Date | null = null;
}
