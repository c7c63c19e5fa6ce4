import type { Context } from '../../server/context';
import { AuditEntry } from './audit-entry.entity';

export interface AuditInput {
  action: string;
  entity: string;
  entityId: number | null;
  libraryId?: number | null;
  before?: unknown;
  after?: unknown;
}

/** Appends an audit row; call inside the transaction of the change it describes. */
export function audit(ctx: Context, input: AuditInput): void {
  const entry = ctx.em.create(AuditEntry, {
    at: new Date(),
    actorAccountId: ctx.viewer.accountId,
    libraryId: input.libraryId ?? ctx.viewer.libraryId,
    action: input.action,
    entity: input.entity,
    entityId: input.entityId,
    before: input.before ?? null,
    after: input.after ?? null,
  });
  ctx.em.persist(entry);
}
