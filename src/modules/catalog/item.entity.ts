import { BigIntType, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Library } from '../libraries/library.entity';
import { BibliographicRecord } from './record.entity';

export enum ItemStatus {
  AVAILABLE = 'AVAILABLE',
  ON_LOAN = 'ON_LOAN',
  ON_HOLD_SHELF = 'ON_HOLD_SHELF',
  IN_TRANSIT = 'IN_TRANSIT',
  IN_PROCESSING = 'IN_PROCESSING',
  MISSING = 'MISSING',
  DAMAGED = 'DAMAGED',
  WITHDRAWN = 'WITHDRAWN',
}

/** One physical copy, owned by one library. Holdings counts follow it through database triggers. */
@Entity({ tableName: 'items' })
export class Item {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @ManyToOne(() => BibliographicRecord, { fieldName: 'record_id', ref: false })
  record!: BibliographicRecord;

  @ManyToOne(() => Library, { fieldName: 'library_id', ref: false })
  library!: Library;

  @Property({ type: 'text', unique: true })
  barcode!: string;

  @Property({ type: 'text', nullable: true })
  location: string | null = null;

  @Property({ type: 'text', nullable: true })
  callNumber: string | null = null;

  @Enum({ items: () => ItemStatus })
  status: ItemStatus = ItemStatus.AVAILABLE;

  @Property({ type: 'boolean' })
  loanable = true;

  @Property({ type: 'boolean' })
  lendable = true;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
