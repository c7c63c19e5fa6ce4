import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { EmbeddedPg, resolveClusterDir, startEmbeddedPostgres } from './embedded';

export interface Database {
  url: string;
  embedded: EmbeddedPg | null;
}

const EMBEDDED_DB = 'shelfnet';

/** Creates a database on the server of `serverUrl` if it does not exist yet. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** DATABASE_URL when set; otherwise an embedded PostgreSQL kept in `<dataDir>/pg`. */
export async function openDatabase(config: Config, logger: Logger, opts: { reuseRunning?: boolean } = {}): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: null };
  const dir = resolveClusterDir(path.join(config.dataDir, 'pg'), logger);
  const embedded = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort, persistent: true, logger, reuseRunning: opts.reuseRunning });
  try {
    return { url: await ensureDatabase(embedded.url, EMBEDDED_DB), embedded };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}
