import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { Client } from 'pg';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DEMO_PASSWORD = 'shelfnet-demo';

export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface ServerOptions {
  dbUrl?: string;
  env?: Record<string, string | undefined>;
}

/** An API process started from the compiled code, spoken to over HTTP like any client. */
export class TestServer {
  readonly logs: string[] = [];
  port = 0;
  private exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  /** Sends a typed operation over HTTP POST. */
  async gql<T, V>(doc: TypedDocumentNode<T, V>, variables?: V, opts: { token?: string | null; headers?: Record<string, string> } = {}): Promise<GqlResponse<T>> {
    return this.post({ query: print(doc), variables }, opts);
  }

  /** Sends any JSON body (or raw string) to /graphql. */
  async post<T = unknown>(body: unknown, opts: { token?: string | null; headers?: Record<string, string> } = {}): Promise<GqlResponse<T>> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
    });
    const text = await res.text();
    let json: GqlResponse<T>;
    try {
      json = JSON.parse(text);
    } catch {
      json = { errors: [{ message: text }] } as GqlResponse<T>;
    }
    return { ...json, status: res.status };
  }

  async login(username: string, password = DEMO_PASSWORD): Promise<string> {
    const res = await this.post<{ login: { token?: string; errorCode?: string } }>({
      query: 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { ... on AuthPayload { token } ... on ErrorResult { errorCode } } }',
      variables: { u: username, p: password },
    });
    const token = res.data?.login.token;
    if (!token) throw new Error(`login ${username} failed: ${JSON.stringify(res)}`);
    return token;
  }

  /** Sends a signal and waits for the process to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  waitExit(): Promise<number | null> {
    return this.exited;
  }
}

/** Owns the databases and processes of one test file; `close()` in afterAll leaves nothing behind. */
export class TestEnv {
  private servers: TestServer[] = [];
  private databases: string[] = [];

  /** A fresh database cloned from a migrated template ('demo' holds the demo network and accounts). */
  async database(template: 'empty' | 'demo' = 'demo'): Promise<string> {
    const serverUrl = process.env.SHELFNET_TEST_PG!;
    const prefix = process.env.SHELFNET_TEST_PREFIX!;
    const name = `${prefix}_${process.env.JEST_WORKER_ID ?? 0}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(`create database ${name} template ${prefix}_tpl_${template}`);
    } finally {
      await c.end();
    }
    this.databases.push(name);
    return withDb(serverUrl, name);
  }

  /** Starts `node dist/src/main.js` on a free port and waits until it listens. */
  async server(opts: ServerOptions = {}): Promise<TestServer> {
    const dbUrl = opts.dbUrl ?? (await this.database('demo'));
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: dbUrl,
        SEED_DEMO: 'false',
        EXPOSE_SQL_COUNT: 'true',
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '10000',
        // the suite sends thousands of requests from one address, and some operations ask for 100
        // copies of every holding of 20 records (cost 60,000 by the default model): test files that
        // test the limits themselves pass RATE_LIMIT_POINTS / MAX_COST: undefined (the defaults)
        RATE_LIMIT_POINTS: '1000000000',
        RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
        MAX_COST: '1000000',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new TestServer(child);
    this.servers.push(server);
    await listening(server);
    return server;
  }

  /** SQL straight to a test database, for assertions about what was stored. */
  async sql<T = Record<string, unknown>>(dbUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: dbUrl });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  /** Adds `n` active adult patrons of BDI-PL with cards `<prefix>-000001`…, straight into the database. */
  async addPatrons(dbUrl: string, prefix: string, n: number): Promise<void> {
    await this.sql(
      dbUrl,
      `insert into patrons (card_number, full_name, home_library_id, category, expires_on)
       select $1 || '-' || lpad(g::text, 6, '0'), 'Bạn đọc ' || g, (select id from libraries where code = 'BDI-PL'), 'ADULT',
              current_date + 365
         from generate_series(1, $2::int) g`,
      [prefix, n],
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
    const c = new Client({ connectionString: process.env.SHELFNET_TEST_PG! });
    await c.connect();
    try {
      for (const db of this.databases) await c.query(`drop database if exists ${db} with (force)`);
    } finally {
      await c.end();
    }
  }
}

/** The data of a response that must have no errors. */
export function data<T>(res: GqlResponse<T>): T {
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return res.data!;
}

/** Resolves once the process logs "listening" (and learns its port); rejects if it exits first. */
export function listening(server: TestServer, timeoutMs = 30000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${server.logs.join('\n')}`)), timeoutMs);
    const onLine = (line: string) => {
      server.logs.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'listening') {
          server.port = entry.port;
          clearTimeout(timer);
          resolve();
        }
      } catch {
        /* not a JSON log line */
      }
    };
    readline.createInterface({ input: server.child.stdout! }).on('line', onLine);
    readline.createInterface({ input: server.child.stderr! }).on('line', (l) => server.logs.push(l));
    server.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${server.logs.join('\n')}`));
    });
  });
}

export function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** The JSON answer of POST /files (the digital library's upload endpoint). */
export interface UploadAnswer {
  status: number;
  body: {
    id?: string;
    sha256?: string;
    size?: number;
    contentType?: string;
    filename?: string;
    duplicate?: boolean;
    errors?: { message: string; extensions: { code: string } }[];
  };
}

/** Uploads bytes as a browser form would (multipart/form-data, one part named "file"). */
export async function uploadFile(server: TestServer, token: string | null, bytes: Uint8Array, filename: string, type = 'application/octet-stream'): Promise<UploadAnswer> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), filename);
  const res = await fetch(`http://127.0.0.1:${server.port}/files`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  const text = await res.text();
  let body: UploadAnswer['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text, extensions: { code: 'NOT_JSON' } }] };
  }
  return { status: res.status, body };
}

/** Polls `check` (every 200 ms, at most `timeoutMs`) until it returns a value that is not undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
