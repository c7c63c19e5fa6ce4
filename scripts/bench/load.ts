import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { percentile } from './stats';

/** The API under test: `node dist/src/main.js` as a child process on 127.0.0.1. */
export interface ApiProcess {
  pid: number;
  port: number;
  url: string;
  logFile: string;
  stop(): Promise<void>;
  /** Last lines of its log, for error messages. */
  tail(): string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in bytes (VmRSS), or null when it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts the compiled API against `databaseUrl` and waits for /health. Its output goes to a log file
 * (not a pipe), so it may outlive this process with --keep.
 */
export async function startApi(
  root: string,
  databaseUrl: string,
  logFile: string,
  /** More settings for the API (e.g. SCHEDULER_INTERVAL_MS); they override the ones above. */
  extraEnv: Record<string, string> = {},
): Promise<ApiProcess> {
  const port = await freePort();
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    cwd: root,
    // its own process group: a Ctrl-C in the terminal reaches only the benchmark, which stops it cleanly
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      SEED_DEMO: 'false',
      EXPOSE_SQL_COUNT: 'true',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('hex'),
      // a benchmark measures capacity: its load comes from one address and a few accounts, which the
      // per-viewer rate buckets would throttle (bench:abuse measures the limits themselves)
      RATE_LIMIT_POINTS: '0',
      ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
      ...extraEnv,
    },
  });
  fs.closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      resolve();
    }),
  );
  const tail = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exitCode !== undefined) throw new Error(`the API exited during start-up (code ${exitCode}):\n${tail()}`);
    if (i > 1200) {
      child.kill('SIGKILL');
      throw new Error(`the API did not answer /health within 120 s:\n${tail()}`);
    }
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopping: Promise<void> | null = null;
  return {
    pid: child.pid!,
    port,
    url: `${base}/graphql`,
    logFile,
    tail,
    stop() {
      stopping ??= (async () => {
        if (exitCode !== undefined) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      })();
      return stopping;
    },
  };
}

export interface GqlRequest {
  query: string;
  variables: Record<string, unknown>;
  /** Extra HTTP headers (e.g. authorization); not part of the JSON body. */
  headers?: Record<string, string>;
}

export interface Sample {
  /** From the intended send time (open loop) or the actual send time (closed loop) to the last byte. */
  ms: number;
  ok: boolean;
  sql: number | null;
  /** The answer had a hit (see Shape.hit); undefined when not checked. */
  hit?: boolean;
  error?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs a GraphQL request; never throws (failures are samples with ok = false). */
export function post(url: string, body: GqlRequest, timeoutMs: number): Promise<{ ok: boolean; sql: number | null; error?: string; data?: unknown }> {
  return new Promise((resolve) => {
    const { headers: extra, ...gql } = body;
    const payload = Buffer.from(JSON.stringify(gql));
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...extra, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => resolve({ ok: false, sql: null, error: e.message }));
        res.on('end', () => {
          let json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[]; extensions?: { sqlStatements?: number } };
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            resolve({ ok: false, sql: null, error: `HTTP ${res.statusCode}, not JSON` });
            return;
          }
          const sql = typeof json.extensions?.sqlStatements === 'number' ? json.extensions.sqlStatements : null;
          if (res.statusCode !== 200 || json.errors?.length) {
            const e = json.errors?.[0];
            resolve({ ok: false, sql, error: `HTTP ${res.statusCode}: ${e ? `${e.extensions?.code ?? ''} ${e.message}` : 'no body'}` });
          } else resolve({ ok: true, sql, data: json.data });
        });
      },
    );
    // a deadline for the whole exchange (an idle-socket timeout would not bound a slow answer)
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(timeoutMs)} ms`)), Math.max(1, timeoutMs));
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e) => resolve({ ok: false, sql: null, error: e.message }));
    req.end(payload);
  });
}

export interface RunResult {
  samples: Sample[];
  seconds: number;
  /** Requests that could not start on time because maxInFlight were already running. */
  delayed: number;
  peakRss: number | null;
}

export interface Summary {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  sqlMin: number | null;
  sqlMax: number | null;
  /** Share of successful answers with a hit. */
  hitShare: number | null;
  firstError?: string;
}

export function summarize(r: RunResult): Summary {
  const lat = r.samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  const sqls = r.samples.map((s) => s.sql).filter((n): n is number => n !== null);
  const errors = r.samples.filter((s) => !s.ok);
  return {
    requests: r.samples.length,
    errors: errors.length,
    rps: lat.length / r.seconds,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: lat.length ? lat[lat.length - 1] : NaN,
    sqlMin: sqls.length ? Math.min(...sqls) : null,
    sqlMax: sqls.length ? Math.max(...sqls) : null,
    hitShare: r.samples.some((s) => s.hit !== undefined) ? r.samples.filter((s) => s.hit).length / Math.max(1, lat.length) : null,
    firstError: errors[0]?.error,
  };
}

function sampleRss(pid: number, onPeak: (n: number) => void): () => void {
  const t = setInterval(() => {
    const r = rssOf(pid);
    if (r !== null) onPeak(r);
  }, 200);
  return () => clearInterval(t);
}

/**
 * Open loop: request i is due at start + i/rate whatever happened before (no coordinated omission);
 * latency counts from that due time, so waiting for a free slot (maxInFlight) is part of it. Stragglers
 * are cut off by the per-request timeout, so the run always ends.
 */
export async function openLoop(opts: {
  url: string;
  rate: number;
  seconds: number;
  maxInFlight: number;
  timeoutMs: number;
  pid: number;
  next: () => GqlRequest;
  hit?: (data: unknown) => boolean;
  stopped: () => boolean;
}): Promise<RunResult> {
  const total = Math.max(1, Math.round(opts.rate * opts.seconds));
  const samples: Sample[] = [];
  let peak = rssOf(opts.pid) ?? 0;
  const stopRss = sampleRss(opts.pid, (n) => (peak = Math.max(peak, n)));
  let inFlight = 0;
  let delayed = 0;
  const waiting: (() => void)[] = [];
  const running: Promise<void>[] = [];
  const start = performance.now() + 10;
  for (let i = 0; i < total && !opts.stopped(); i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = opts.next();
    // every request has timeoutMs from its due time, waiting for a slot included: the run always ends
    const deadline = due + opts.timeoutMs;
    const one = (async () => {
      if (inFlight >= opts.maxInFlight) {
        delayed++;
        const gotSlot = await new Promise<boolean>((resolve) => {
          const wake = () => {
            clearTimeout(t);
            resolve(true);
          };
          const t = setTimeout(() => {
            const k = waiting.indexOf(wake);
            if (k >= 0) waiting.splice(k, 1);
            resolve(false);
          }, Math.max(1, deadline - performance.now()));
          waiting.push(wake);
        });
        if (!gotSlot) {
          samples.push({ ms: performance.now() - due, ok: false, sql: null, error: `not sent: ${opts.maxInFlight} requests in flight for ${opts.timeoutMs} ms` });
          return;
        }
      }
      inFlight++;
      const res = await post(opts.url, body, deadline - performance.now());
      inFlight--;
      waiting.shift()?.();
      samples.push({ ms: performance.now() - due, ok: res.ok, sql: res.sql, hit: res.ok && opts.hit ? opts.hit(res.data) : undefined, error: res.error });
    })();
    running.push(one);
  }
  await Promise.all(running);
  stopRss();
  return { samples, seconds: (performance.now() - start) / 1000, delayed, peakRss: peak || null };
}

/** Closed loop: `clients` workers each send the next request as soon as the previous one is answered. */
export async function closedLoop(opts: {
  url: string;
  clients: number;
  seconds: number;
  timeoutMs: number;
  pid: number;
  next: () => GqlRequest;
  hit?: (data: unknown) => boolean;
  stopped: () => boolean;
}): Promise<RunResult> {
  const samples: Sample[] = [];
  let peak = rssOf(opts.pid) ?? 0;
  const stopRss = sampleRss(opts.pid, (n) => (peak = Math.max(peak, n)));
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end && !opts.stopped()) {
      const t0 = performance.now();
      const res = await post(opts.url, opts.next(), opts.timeoutMs);
      samples.push({ ms: performance.now() - t0, ok: res.ok, sql: res.sql, hit: res.ok && opts.hit ? opts.hit(res.data) : undefined, error: res.error });
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, worker));
  stopRss();
  return { samples, seconds: (performance.now() - start) / 1000, delayed: 0, peakRss: peak || null };
}

/** Lets the process exit although keep-alive sockets are open. */
export function closeAgent(): void {
  agent.destroy();
}
