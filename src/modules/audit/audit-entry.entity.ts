import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One audited change: written in the same transaction as the change it describes. */
@Entity({ tableName: 'audit_log' })
export class AuditEntry {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Property({ type: 'timestamptz' })
  at: Date = new Date();

  @Property({ type: new BigIntType('number'), nullable: true, fieldName: 'actor_account_id' })
  actorAccountId: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true, fieldName: 'actor_patron_id' })
  actorPatronId: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true, fieldName: 'library_id' })
  libraryId: number | null = null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  entity!: string;

  @Property({ type: new BigIntType('number'), nullable: true, fieldName: 'entity_id' })
  entityId: number | null = null;

  @Property({ type: 'json', nullable: true })
  before: unknown = null;

  @Property({ type: 'json', nullable: true })
  after: unknown = null;
}
