import { Client } from 'pg';

/** Drops every database of this run and stops the embedded server: nothing is left behind. */
export default async function globalTeardown(): Promise<void> {
  const url = process.env.SHELFNET_TEST_PG;
  const prefix = process.env.SHELFNET_TEST_PREFIX;
  const pg = (globalThis as Record<string, unknown>).__SHELFNET_PG__ as { stop(): Promise<void> } | undefined;
  if (url && prefix && !pg) {
    // a shared server (TEST_DATABASE_URL): drop what we created
    const c = new Client({ connectionString: url });
    await c.connect();
    const dbs = await c.query('select datname from pg_database where datname like $1', [`${prefix}\\_%`]);
    for (const r of dbs.rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    await c.end();
  }
  await pg?.stop();
}
