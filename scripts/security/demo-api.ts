import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Config } from '../../src/config';
import { ensureDatabase } from '../../src/db/database';
import { createOrm, migrate } from '../../src/db/orm';
import { seedDemoNetwork } from '../../src/demo/seed';
import { dbUrl, openBenchServer, withClient } from '../bench/catalog';
import { BenchLifecycle } from '../bench/lifecycle';
import { ApiProcess, startApi } from '../bench/load';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * A fresh demo network in database `name` (dropped and made again) on the benchmark's database
 * server (DATABASE_URL, else the embedded one in <data>/bench-pg), and a compiled API process on it.
 * Both are stopped by `life` at the end.
 */
export async function demoApi(life: BenchLifecycle, config: Config, name: string, env: Record<string, string>): Promise<{ api: ApiProcess; url: string }> {
  const { serverUrl, embedded } = await openBenchServer(config);
  life.deferServerStop(embedded, false);
  await withClient(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
  const url = await ensureDatabase(serverUrl, name);
  const orm = await createOrm({ url, poolSize: 2 });
  try {
    await migrate(orm);
    await seedDemoNetwork(orm.em.fork());
  } finally {
    await orm.close(true);
  }
  // deferred steps run newest first: the API stops, then its database goes, then PostgreSQL
  life.defer(() => withClient(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined));
  const logFile = path.join(config.dataDir, `${name}.log`);
  fs.rmSync(logFile, { force: true });
  const api = await startApi(ROOT, url, logFile, { NODE_ENV: 'test', LOG_LEVEL: 'info', ...env });
  life.defer(() => api.stop());
  return { api, url: dbUrl(serverUrl, name) };
}

export async function login(url: string, username: string, password = 'shelfnet-demo'): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on AuthPayload { token } } }', variables: { u: username, p: password } }),
  });
  const json = (await res.json()) as { data?: { login?: { token?: string } } };
  if (!json.data?.login?.token) throw new Error(`login ${username} failed: ${JSON.stringify(json)}`);
  return json.data.login.token;
}
