import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/core';
import type { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { createOrm } from '../src/db/orm';
import { TestEnv } from './support/harness';

/**
 * The connection pool's safety net: a connection left inside a transaction (a ROLLBACK that failed, for
 * instance cancelled by a short statement timeout on a starved machine) must never serve the next
 * request, which would otherwise get 25P02 "current transaction is aborted" for every statement.
 */
const env = new TestEnv();
let orm: MikroORM<PostgreSqlDriver>;

beforeAll(async () => {
  orm = await createOrm({ url: await env.database('empty'), poolSize: 1 });
}, 180_000);
afterAll(async () => {
  await orm.close(true);
  await env.close();
});

type RawClient = { query: (sql: string, cb: (err: Error | null) => void) => void; txStatus?: string };
const run = (c: RawClient, sql: string) => new Promise<void>((resolve) => c.query(sql, () => resolve()));
/** pg answers a failed statement's callback on the error itself; the status comes in the ReadyForQuery after it. */
async function statusOf(c: RawClient, want: string): Promise<string | undefined> {
  for (let i = 0; i < 100 && c.txStatus !== want; i++) await new Promise((r) => setTimeout(r, 10));
  return c.txStatus;
}

test('a connection returned inside a failed or open transaction is replaced, not reused', async () => {
  const knex = orm.em.getConnection().getKnex();
  for (const poison of [['begin', 'select 1/0'], ['begin']]) {
    const conn = (await knex.client.acquireConnection()) as RawClient;
    for (const sql of poison) await run(conn, sql);
    const want = poison.length === 2 ? 'E' : 'T';
    expect(await statusOf(conn, want)).toBe(want);
    await knex.client.releaseConnection(conn);
    // the pool holds one connection: this statement would run on the poisoned one
    const r = await knex.raw('select txid_current_if_assigned() is null as fresh, 42 as x');
    expect(r.rows[0]).toEqual({ fresh: true, x: 42 });
  }
});
