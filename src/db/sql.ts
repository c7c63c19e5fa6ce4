import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

type Knex = ReturnType<EntityManager['getKnex']>;
export type Raw = ReturnType<Knex['raw']>;

/**
 * Raw SQL through MikroORM's connection (so the per-request statement counter sees it). knex expands
 * array bindings into lists, so PostgreSQL arrays go through `pgArray`.
 */
export async function query<T = Record<string, unknown>>(em: EntityManager, sql: string, bindings: unknown[] = []): Promise<T[]> {
  const raw = em.getKnex().raw(sql, bindings as never[]);
  // Inside em.transactional() this runs on the transaction's connection.
  return (await em.getConnection().execute(raw, [], 'all', em.getTransactionContext())) as T[];
}

export function pgArray(em: EntityManager, values: readonly (string | number)[], type: 'bigint' | 'text'): Raw {
  const knex = em.getKnex();
  if (values.length === 0) return knex.raw(`'{}'::${type}[]`);
  return knex.raw(`array[${values.map(() => '?').join(',')}]::${type}[]`, values as never[]);
}

/**
 * query() as a named prepared statement of each connection (named by a hash of its text): PostgreSQL
 * plans it for its first executions, then keeps a generic plan. For long statements run often with
 * the same text (a search page plans for a few milliseconds); the text must come from a small set.
 */
export async function preparedQuery<T = Record<string, unknown>>(em: EntityManager, sql: string, bindings: unknown[] = []): Promise<T[]> {
  const name = `sn_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
  const raw = em.getKnex().raw(sql, bindings as never[]).options({ name });
  const trx = em.getTransactionContext();
  if (trx) raw.transacting(trx);
  return ((await raw) as unknown as { rows: T[] }).rows;
}
