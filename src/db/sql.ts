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
