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
 * or rolls back with the change. After commit a NOTIFY wakes the API processes (subscriptions read the
 * outbox from there); its payload is constant, so PostgreSQL sends one per transaction however many
 * events it wrote.
 */
export async function emitEvent(em: EntityManager, e: EventInput): Promise<void> {
  const libs = [...new Set(e.libraryIds.filter((id) => Number.isSafeInteger(id)))];
  await query(
    em,
    `with ev as (insert into events (type, library_ids, entity, entity_id, payload) values (?, ?, ?, ?, ?::jsonb) returning seq)
     select pg_notify('shelfnet_events', '') from ev`,
    [e.type, pgArray(em, libs, 'bigint'), e.entity, e.entityId, JSON.stringify(e.payload)],
  );
}
