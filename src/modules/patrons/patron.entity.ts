import { BigIntType, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Library } from '../libraries/library.entity';

export enum PatronCategory {
  ADULT = 'ADULT',
  CHILD = 'CHILD',
  STUDENT = 'STUDENT',
  STAFF = 'STAFF',
  INSTITUTION = 'INSTITUTION',
}

export enum PatronStatus {
  ACTIVE = 'ACTIVE',
  BLOCKED = 'BLOCKED',
  EXPIRED = 'EXPIRED',
}

/** A reader with a card. The card number is unique in the network. */
@Entity({ tableName: 'patrons' })
export class Patron {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: 'text', unique: true })
  cardNumber!: string;

  @Property({ type: 'text' })
  fullName!: string;

  @ManyToOne(() => Library, { fieldName: 'home_library_id', ref: false })
  homeLibrary!: Library;

  @Enum({ items: () => PatronCategory })
  category!: PatronCategory;

  @Enum({ items: () => PatronStatus })
  status: PatronStatus = PatronStatus.ACTIVE;

  @Property({ type: 'text', nullable: true })
  blockReason: string | null = null;

  /** ISO date (yyyy-mm-dd). */
  @Property({ type: 'date', columnType: 'date' })
  expiresOn!: string;

  @Property({ type: 'date', columnType: 'date', nullable: true })
  dateOfBirth: string | null = null;

  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  @Property({ type: 'text' })
  preferredLanguage = 'vi';

  @Property({ type: 'text', nullable: true, hidden: true })
  pinHash: string | null = null;

  @Property({ type: 'boolean' })
  keepLoanHistory = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
