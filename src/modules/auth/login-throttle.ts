import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql';

export interface ThrottleSettings {
  /** Failures of one account from one address before each further try waits. */
  maxFailures: number;
  /** Failures from one address (any account) in the window before that address waits. */
  maxFailuresPerAddress: number;
  /** First wait, in seconds; it doubles with every further failure. */
  lockSeconds: number;
  /** Longest wait: no lock ever lasts longer. */
  maxLockSeconds: number;
}

export type LoginKind = 'STAFF' | 'PATRON';

const WINDOW = `interval '15 minutes'`;

/**
 * Login throttling, kept in PostgreSQL (`login_attempts`) so every API process sees the same counts.
 *
 * Three counters, each giving a doubling backoff capped at `maxLockSeconds`:
 * - one account from one address (consecutive failures since its last success there);
 * - one address, any account (a password spray);
 * - one account from any address (a distributed guess) — except from an address where the account
 *   signed in successfully within 30 days, so an attacker elsewhere cannot lock a librarian out of
 *   their own desk.
 * Locks are keyed by the name typed, existing or not, so the answers do not tell which accounts exist.
 */
export class LoginThrottle {
  constructor(private readonly settings: ThrottleSettings) {}

  /** Seconds the caller must wait before this attempt may be checked, or 0. */
  async retryAfter(em: EntityManager, kind: LoginKind, identifier: string, address: string): Promise<number> {
    const s = this.settings;
    const [row] = await query<{
      pair_failures: string;
      pair_last: Date | null;
      addr_failures: string;
      addr_last: Date | null;
      acct_failures: string;
      acct_last: Date | null;
      known: boolean;
      now: Date;
    }>(
      em,
      `with pair as (
         select count(*) filter (where not success and at > coalesce(last_ok, '-infinity')) failures,
                max(at) filter (where not success) last_failure
           from login_attempts,
                lateral (select max(at) last_ok from login_attempts where kind = ? and identifier = ? and client_address = ? and success) ok
          where kind = ? and identifier = ? and client_address = ? and at > now() - interval '1 day'
       )
       select (select failures from pair) pair_failures, (select last_failure from pair) pair_last,
              (select count(*) from login_attempts where client_address = ? and not success and at > now() - ${WINDOW}) addr_failures,
              (select max(at) from login_attempts where client_address = ? and not success and at > now() - ${WINDOW}) addr_last,
              (select count(*) from login_attempts where kind = ? and identifier = ? and not success and at > now() - ${WINDOW}) acct_failures,
              (select max(at) from login_attempts where kind = ? and identifier = ? and not success and at > now() - ${WINDOW}) acct_last,
              exists (select 1 from login_attempts where kind = ? and identifier = ? and client_address = ? and success
                         and at > now() - interval '30 days') known,
              now() now`,
      [kind, identifier, address, kind, identifier, address, address, address, kind, identifier, kind, identifier, kind, identifier, address],
    );
    const now = new Date(row.now).getTime();
    const wait = (failures: number, limit: number, last: Date | null) => {
      if (failures < limit || !last) return 0;
      const lock = Math.min(s.lockSeconds * 2 ** Math.min(failures - limit, 30), s.maxLockSeconds);
      return Math.max(0, Math.ceil((new Date(last).getTime() + lock * 1000 - now) / 1000));
    };
    return Math.max(
      wait(Number(row.pair_failures), s.maxFailures, row.pair_last),
      wait(Number(row.addr_failures), s.maxFailuresPerAddress, row.addr_last),
      // the account-wide counter allows four times the pair's failures, and never applies at a known address
      row.known ? 0 : wait(Number(row.acct_failures), s.maxFailures * 4, row.acct_last),
    );
  }

  /** Records the outcome of a checked attempt; now and then drops attempts older than 30 days. */
  async record(em: EntityManager, kind: LoginKind, identifier: string, address: string, success: boolean): Promise<void> {
    await query(em, `insert into login_attempts (kind, identifier, client_address, success) values (?, ?, ?, ?)`, [kind, identifier, address, success]);
    if (Math.random() < 0.01) await query(em, `delete from login_attempts where at < now() - interval '30 days'`);
  }
}
