import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../../db/sql';

export interface EventInput {
  /** Dotted name, e.g. `loan.created`, `hold.ready`. */
  type: string;
  /** Libraries concerned: their staff subscriptions receive it. */
  libraryIds: number[];
  entity: string;
  entityId: number | null;
  payload: Record<string, unknown>;
}

/**
 * Appends an event to the outbox. Must run on the transaction's EntityManager: the event commits
 * or rolls back with the change. After the commit the event hub wakes the API processes
 * (subscriptions read the outbox from there; see EventHub.committed).
 */
export async function emitEvent(em: EntityManager, e: EventInput): Promise<void> {
  const libs = [...new Set(e.libraryIds.filter((id) => Number.isSafeInteger(id)))];
  await query(
    em,
    'insert into events (type, library_ids, entity, entity_id, payload) values (?, ?, ?, ?, ?::jsonb)',
    [e.type, pgArray(em, libs, 'bigint'), e.entity, e.entityId, JSON.stringify(e.payload)],
  );
}
