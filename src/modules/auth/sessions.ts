import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { query } from '../../db/sql';

export type RevokeReason = 'LOGOUT' | 'REFRESH_TOKEN_REUSE' | 'ACCOUNT_DISABLED' | 'ADMIN';

export interface SessionSubject {
  accountId?: number;
  patronId?: number;
}

export interface IssuedRefresh {
  sessionId: string;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export type RotateOutcome =
  | { ok: true; sessionId: string; accountId: number | null; patronId: number | null; refreshToken: string; refreshTokenExpiresAt: Date }
  | { ok: false; reason: 'UNKNOWN' | 'EXPIRED' | 'REVOKED' | 'REUSED'; sessionId?: string; accountId?: number | null; patronId?: number | null };

const REFRESH_PREFIX = 'snr_';
const REFRESH = /^snr_[A-Za-z0-9_-]{43}$/;

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Sign-in sessions ("token families"): `login` starts one and hands out an opaque refresh token; every
 * `refreshToken` call spends that token and issues the next. A spent token presented again means it
 * was copied: the whole session is revoked, so the thief and the owner both have to sign in again.
 *
 * Access tokens stay stateless JWTs carrying the session id (`sid`). Each process keeps the ids of
 * sessions revoked within the last access-token lifetime, polled from the database every
 * `pollMs`, so a logout or a detected theft stops the session's access tokens on every process within
 * that interval (at once on the process that revoked it).
 */
export class SessionService {
  private readonly revoked = new Map<string, number>();
  private lastPoll = new Date(0);
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(sessionId: string) => void>();

  constructor(
    readonly refreshTtlSeconds: number,
    private readonly accessTtlSeconds: number,
  ) {}

  /** Starts polling revocations (API processes; scripts need not). */
  start(orm: MikroORM, logger: Logger, pollMs = 2000): void {
    const poll = async () => {
      try {
        const since = this.lastPoll;
        const rows = await query<{ id: string; revoked_at: Date; now: Date }>(
          orm.em.fork() as EntityManager,
          `select id, revoked_at, now() now from auth_sessions where revoked_at > greatest(?::timestamptz, now() - ?::int * interval '1 second')`,
          [since.getTime() === 0 ? new Date(Date.now() - this.accessTtlSeconds * 1000) : new Date(since.getTime() - 5000), this.accessTtlSeconds],
        );
        for (const r of rows) this.markRevoked(r.id);
        this.lastPoll = rows[0]?.now ? new Date(rows[0].now) : new Date();
        const horizon = Date.now() - this.accessTtlSeconds * 1000 - 60_000;
        for (const [id, at] of this.revoked) if (at < horizon) this.revoked.delete(id);
      } catch (err) {
        logger.warn({ err }, 'session revocation poll failed');
      }
    };
    void poll();
    this.timer = setInterval(poll, pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  isRevoked(sessionId: string | null): boolean {
    return sessionId !== null && this.revoked.has(sessionId);
  }

  /** Called with the id of every session seen revoked (WebSocket connections of it close). */
  onRevoked(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private markRevoked(id: string): void {
    if (this.revoked.has(id)) return;
    this.revoked.set(id, Date.now());
    for (const l of this.listeners) l(id);
  }

  private newRefreshToken(): { token: string; hash: Buffer } {
    const token = REFRESH_PREFIX + randomBytes(32).toString('base64url');
    return { token, hash: hashSecret(token) };
  }

  /** Starts a session for a staff account or patron; returns its first refresh token. */
  async begin(em: EntityManager, subject: SessionSubject, clientAddress: string | null): Promise<IssuedRefresh> {
    const id = randomUUID();
    const { token, hash } = this.newRefreshToken();
    const rows = await query<{ expires_at: Date }>(
      em,
      `with s as (
         insert into auth_sessions (id, account_id, patron_id, expires_at, client_address)
         values (?, ?, ?, now() + ?::int * interval '1 second', ?) returning id, expires_at
       ), t as (insert into refresh_tokens (token_hash, session_id) select ?, id from s returning 1)
       select expires_at from s`,
      [id, subject.accountId ?? null, subject.patronId ?? null, this.refreshTtlSeconds, clientAddress?.slice(0, 100) ?? null, hash],
    );
    return { sessionId: id, refreshToken: token, refreshTokenExpiresAt: new Date(rows[0].expires_at) };
  }

  /**
   * Spends a refresh token and issues the next one of its session. A spent token seen again revokes
   * the session (reuse: the token was copied). Spending is one conditional UPDATE, so of two requests
   * racing with the same token exactly one wins and the other counts as reuse.
   */
  async rotate(em: EntityManager, raw: string): Promise<RotateOutcome> {
    if (typeof raw !== 'string' || !REFRESH.test(raw)) return { ok: false, reason: 'UNKNOWN' };
    const hash = hashSecret(raw);
    const next = this.newRefreshToken();
    return em.transactional(async (tx) => {
      const [found] = await query<{
        session_id: string;
        used_at: Date | null;
        revoked_at: Date | null;
        expired: boolean;
        account_id: string | null;
        patron_id: string | null;
      }>(
        tx,
        `select t.session_id, t.used_at, s.revoked_at, s.expires_at <= now() expired, s.account_id, s.patron_id
           from refresh_tokens t join auth_sessions s on s.id = t.session_id
          where t.token_hash = ? for update of s`,
        [hash],
      );
      if (!found) return { ok: false, reason: 'UNKNOWN' } as const;
      const who = {
        sessionId: found.session_id,
        accountId: found.account_id === null ? null : Number(found.account_id),
        patronId: found.patron_id === null ? null : Number(found.patron_id),
      };
      if (found.revoked_at) return { ok: false, reason: 'REVOKED', ...who } as const;
      if (found.expired) return { ok: false, reason: 'EXPIRED', ...who } as const;
      if (found.used_at) {
        await this.revokeIn(tx, found.session_id, 'REFRESH_TOKEN_REUSE');
        return { ok: false, reason: 'REUSED', ...who } as const;
      }
      const [s] = await query<{ expires_at: Date }>(
        tx,
        `with spent as (update refresh_tokens set used_at = now() where token_hash = ? and used_at is null returning session_id),
              nxt as (insert into refresh_tokens (token_hash, session_id) select ?, session_id from spent returning 1)
         update auth_sessions set last_used_at = now() where id = (select session_id from spent) returning expires_at`,
        [hash, next.hash],
      );
      if (!s) {
        // spent by a racing request between our read and our update (the read saw it unspent): reuse
        await this.revokeIn(tx, found.session_id, 'REFRESH_TOKEN_REUSE');
        return { ok: false, reason: 'REUSED', ...who } as const;
      }
      return { ok: true, ...who, refreshToken: next.token, refreshTokenExpiresAt: new Date(s.expires_at) } as const;
    });
  }

  /** Ends a session (logout, theft, disabled account). */
  async revoke(em: EntityManager, sessionId: string, reason: RevokeReason): Promise<boolean> {
    return this.revokeIn(em, sessionId, reason);
  }

  private async revokeIn(em: EntityManager, sessionId: string, reason: RevokeReason): Promise<boolean> {
    const rows = await query(em, `update auth_sessions set revoked_at = now(), revoke_reason = ? where id = ? and revoked_at is null returning id`, [reason, sessionId]);
    this.markRevoked(sessionId);
    return rows.length > 0;
  }

  /** The session a refresh token belongs to (for logout with a refresh token only). */
  async sessionOf(em: EntityManager, raw: string): Promise<string | null> {
    if (typeof raw !== 'string' || !REFRESH.test(raw)) return null;
    const [row] = await query<{ session_id: string }>(em, `select session_id from refresh_tokens where token_hash = ?`, [hashSecret(raw)]);
    return row?.session_id ?? null;
  }
}
