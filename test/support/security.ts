import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { GqlResponse, ROOT, TestServer } from './harness';

/**
 * Signs an HS256 token with `jose` as anyone holding the secret could (jose is ESM-only, which
 * jest's module system cannot load, so it runs in a short node process).
 */
export function signJwt(o: { secret: string; claims: Record<string, unknown>; sub: string; exp: number; kid?: string }): Promise<string> {
  const script = `
    const { SignJWT } = require('jose');
    const o = JSON.parse(process.argv[1]);
    new SignJWT(o.claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) })
      .setSubject(o.sub).setIssuer('shelfnet').setAudience('shelfnet-api')
      .setIssuedAt(Math.floor(Date.now() / 1000)).setExpirationTime(o.exp)
      .sign(new TextEncoder().encode(o.secret))
      .then((t) => process.stdout.write(t));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(o)], { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

/** The decoded header and payload of a JWT (no verification: the server does that). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
}

/** A raw WebSocket speaking graphql-transport-ws by hand, to send what a well-behaved client would not. */
export class RawSocket {
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(
    api: TestServer,
    readonly ws = new WebSocket(api.wsUrl, 'graphql-transport-ws'),
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(data.toString()));
      } catch {
        this.messages.push({ raw: data.toString() });
      }
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? (message as string) : JSON.stringify(message));
  }

  /** Resolves with the first message (from now on or already received) matching `pred`, or rejects after `ms`. */
  async next(pred: (m: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** connection_init, then waits for connection_ack. */
  async init(payload: Record<string, unknown> = {}): Promise<void> {
    await this.opened;
    this.send({ type: 'connection_init', payload });
    await this.next((m) => m.type === 'connection_ack');
  }

  close(): void {
    this.ws.close();
  }
}

export function thrownCode(res: GqlResponse<unknown>): string | undefined {
  return res.errors?.[0]?.extensions?.code as string | undefined;
}
