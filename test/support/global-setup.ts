import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * One PostgreSQL for the whole run: an embedded throwaway server (unless TEST_DATABASE_URL points at
 * one), with two migrated template databases that every test file clones in milliseconds:
 * `sn_tpl_empty` (migrations only) and `sn_tpl_demo` (plus the demo network).
 * Uses the compiled code in dist/ (npm test builds first): the real migrations, the real seed.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dist = (p: string) => require(path.join(root, 'dist', p));
  const { startEmbeddedPostgres, tempClusterDir } = dist('src/db/embedded.js');
  const { createOrm, migrate } = dist('src/db/orm.js');
  const { seedDemoNetwork } = dist('src/demo/seed.js');

  let serverUrl = process.env.TEST_DATABASE_URL;
  const state: Record<string, unknown> = {};
  if (!serverUrl) {
    const port = await freePort();
    const pg = await startEmbeddedPostgres({ dir: tempClusterDir(), port, persistent: false });
    serverUrl = pg.url;
    (globalThis as Record<string, unknown>).__SHELFNET_PG__ = pg;
    state.embedded = true;
    // no autovacuum in the throwaway cluster: whether a template has planner statistics must not depend on how long
    // the run has lasted (search plans change with them); tests that need statistics run ANALYZE themselves
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    await c.query('alter system set autovacuum = off');
    await c.query('select pg_reload_conf()');
    await c.end();
  }
  const prefix = `sn_${process.pid}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  for (const name of ['empty', 'demo']) {
    const db = `${prefix}_tpl_${name}`;
    await admin.query(`drop database if exists ${db}`);
    await admin.query(`create database ${db}`);
    const orm = await createOrm({ url: withDb(serverUrl!, db), poolSize: 2 });
    await migrate(orm);
    if (name === 'demo') await seedDemoNetwork(orm.em.fork());
    await orm.close(true);
  }
  await admin.end();
  process.env.SHELFNET_TEST_PG = serverUrl;
  process.env.SHELFNET_TEST_PREFIX = prefix;
  fs.writeFileSync(path.join(os.tmpdir(), `${prefix}.json`), JSON.stringify(state));
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
