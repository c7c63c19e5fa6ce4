import { BigIntType, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

export enum LibraryKind {
  PROVINCIAL = 'PROVINCIAL',
  DISTRICT = 'DISTRICT',
  COMMUNE = 'COMMUNE',
  SCHOOL = 'SCHOOL',
  SPECIALIZED = 'SPECIALIZED',
}

/** A member of the network. `code` is its natural key (e.g. BDI-PL). */
@Entity({ tableName: 'libraries' })
export class Library {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: 'text', unique: true })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => LibraryKind, nativeEnumName: undefined })
  kind!: LibraryKind;

  @ManyToOne(() => Library, { nullable: true, fieldName: 'parent_id', ref: false })
  parent: Library | null = null;

  @Property({ type: 'text', nullable: true })
  address: string | null = null;

  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  @Property({ type: 'boolean' })
  lendsToNetwork = true;

  @Property({ type: 'boolean' })
  borrowsFromNetwork = true;

  @Property({ type: 'text' })
  timeZone = 'Asia/Ho_Chi_Minh';

  /** Working days it has to answer an inter-library request before the request moves on. */
  @Property({ type: 'integer' })
  illResponseDays = 2;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
