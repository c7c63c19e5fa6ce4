import { BigIntType, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Library } from '../libraries/library.entity';

export enum StaffRole {
  LIBRARIAN = 'LIBRARIAN',
  LIBRARY_ADMIN = 'LIBRARY_ADMIN',
  NETWORK_ADMIN = 'NETWORK_ADMIN',
  /** Staff of a contributing agency (a government department): submits documents to the digital library. */
  CONTRIBUTOR = 'CONTRIBUTOR',
}

/** A staff account. LIBRARIAN and LIBRARY_ADMIN belong to one library; NETWORK_ADMIN to none; CONTRIBUTOR to an agency. */
@Entity({ tableName: 'accounts' })
export class Account {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: 'text', unique: true })
  username!: string;

  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  @Property({ type: 'text', nullable: true })
  displayName: string | null = null;

  @Enum({ items: () => StaffRole })
  role!: StaffRole;

  @ManyToOne(() => Library, { nullable: true, fieldName: 'library_id', ref: false })
  library: Library | null = null;

  /** CONTRIBUTOR accounts: their agency (see the digital library, `agencies`). */
  @Property({ type: new BigIntType('number'), fieldName: 'agency_id', nullable: true })
  agencyId: number | null = null;

  @Property({ type: 'boolean' })
  active = true;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
