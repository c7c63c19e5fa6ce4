import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, TestServer, listening } from './harness';

/**
 * Helpers for tests that run the API as an operator does: no DATABASE_URL, so it starts (and stops)
 * its own embedded PostgreSQL in `<dataDir>/pg`.
 */

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a new listener can bind the port (nothing, PostgreSQL included, holds it). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Opens a fresh TCP connection: 'refused' once nothing listens on the port any more. */
export function tryConnect(port: number): Promise<'connected' | 'refused' | 'error'> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'error'));
  });
}

/** A fresh data folder under the system temp folder, mode 0755 so the `postgres` user can reach it when we run as root. */
export function tempDataDir(prefix = 'shelfnet-lifecycle-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function clusterDir(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

/** Pid written by the postmaster of the cluster in `<dataDir>/pg`, or null when there is no pid file. */
export function postmasterPid(dataDir: string): number | null {
  const file = path.join(clusterDir(dataDir), 'postmaster.pid');
  if (!fs.existsSync(file)) return null;
  const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `check` every 50 ms until it holds; throws with `what` when it never does. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, attempts = 600): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

export interface ShelfnetOptions {
  dataDir: string;
  pgPort: number;
  env?: Record<string, string | undefined>;
}

/** Starts `node dist/src/main.js` with its own embedded PostgreSQL and waits until it listens. */
export async function startShelfnet(opts: ShelfnetOptions): Promise<TestServer> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SHELFNET_DATA_DIR: opts.dataDir,
      EMBEDDED_PG_PORT: String(opts.pgPort),
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SEED_DEMO: 'true',
      // as in harness.ts: the suite's own traffic stays clear of the rate and cost limits
      RATE_LIMIT_POINTS: '1000000000',
      RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
      MAX_COST: '1000000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new TestServer(child);
  // first start initialises a cluster and seeds: allow more than the harness default
  await listening(server, 90_000);
  return server;
}

/** Messages (`msg`) of the JSON log lines a server wrote so far. */
export function logMessages(server: TestServer): string[] {
  return server.logs.flatMap((line) => {
    try {
      return [String(JSON.parse(line).msg)];
    } catch {
      return [];
    }
  });
}

/**
 * Last-resort cleanup: stops a PostgreSQL still running on the folder (SIGINT = fast shutdown, then
 * SIGKILL) and removes the folder.
 */
export async function removeDataDir(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid !== null && isAlive(pid)) {
    process.kill(pid, 'SIGINT');
    try {
      await waitFor(`postgres ${pid} to stop`, () => !isAlive(pid), 200);
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
