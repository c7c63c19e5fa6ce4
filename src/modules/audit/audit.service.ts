import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql';
import type { Viewer } from '../auth/viewer';

export interface AuditInput {
  action: string;
  entity: string;
  entityId: number | null;
  /** The library on whose behalf it was done (default: the viewer's library). */
  libraryId?: number | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends an immutable audit row (who, for which library, when, before/after). Call with the
 * transaction's EntityManager so the row commits or rolls back with the change.
 */
export async function audit(ctx: { em: EntityManager; viewer: Viewer }, input: AuditInput): Promise<void> {
  await query(
    ctx.em,
    `insert into audit_log (actor_account_id, actor_patron_id, actor_api_client_id, library_id, action, entity, entity_id, before, after)
     values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)`,
    [
      ctx.viewer.accountId,
      ctx.viewer.patronId,
      ctx.viewer.apiClientId,
      input.libraryId ?? ctx.viewer.libraryId,
      input.action,
      input.entity,
      input.entityId,
      input.before === undefined ? null : JSON.stringify(input.before),
      input.after === undefined ? null : JSON.stringify(input.after),
    ],
  );
}
