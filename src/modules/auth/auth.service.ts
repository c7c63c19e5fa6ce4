import type { Context } from '../../server/context';
import { badInput } from '../../common/errors';
import { audit } from '../audit/audit.service';
import { Library } from '../libraries/library.entity';
import { Patron, PatronStatus } from '../patrons/patron.entity';
import { Account, StaffRole } from './account.entity';
import { InvalidCredentialsError, InvalidRefreshTokenError, TooManyAttemptsError } from './auth.types';
import { LoginThrottle, ThrottleSettings } from './login-throttle';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';
import { SessionService } from './sessions';
import { TokenService } from './tokens';
import { Viewer } from './viewer';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const CARD = /^[A-Za-z0-9][A-Za-z0-9-]{2,31}$/;

export interface TokenPair {
  token: string;
  expiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface LoginSuccess extends TokenPair {
  account: Account;
}

export interface PatronLoginSuccess extends TokenPair {
  patron: Patron;
}

/**
 * The name as typed, fit for a text column and jsonb (throttling and audit keep it, existing or not):
 * at most 200 characters, no NUL or other control characters, no lone surrogates.
 */
function typedName(raw: unknown): string {
  // eslint-disable-next-line no-control-regex
  return (typeof raw === 'string' ? raw : '')
    .trim()
    .slice(0, 200)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\u0000-\u001f\u007f]/g, '\ufffd');
}

const DEFAULT_THROTTLE: ThrottleSettings = { maxFailures: 5, maxFailuresPerAddress: 30, lockSeconds: 1, maxLockSeconds: 900 };

/** Signing in and out: passwords and PINs, sessions with rotating refresh tokens, throttling, audit. */
export class AuthService {
  readonly throttle: LoginThrottle;

  constructor(
    readonly tokens: TokenService,
    readonly sessions: SessionService = new SessionService(30 * 24 * 3600, tokens.ttlSeconds),
    throttle: ThrottleSettings = DEFAULT_THROTTLE,
  ) {
    this.throttle = new LoginThrottle(throttle);
  }

  /**
   * Checks the password and starts a session; wrong input of any kind gets one answer. Too many
   * failures (this account from this address, this address, or this account from unknown addresses)
   * get TooManyAttemptsError before any password is checked.
   */
  async login(ctx: Context, username: string, password: string): Promise<LoginSuccess | InvalidCredentialsError | TooManyAttemptsError> {
    if (typeof password !== 'string' || password.length > 1000) throw badInput('password is too long', 'password');
    const name = typedName(username).toLowerCase();
    const address = ctx.clientAddress ?? 'unknown';
    const wait = await this.throttle.retryAfter(ctx.em, 'STAFF', name, address);
    if (wait > 0) {
      ctx.logger.info({ username: name.slice(0, 64), clientAddress: address, retryAfter: wait }, 'login throttled');
      return new TooManyAttemptsError(wait);
    }
    const account = USERNAME.test(name) ? await ctx.em.findOne(Account, { username: name }) : null;
    const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyPasswordHash()));
    if (!account || !ok || !account.active) {
      await ctx.em.transactional(async (em) => {
        await this.throttle.record(em, 'STAFF', name, address, false);
        await audit(
          { em, viewer: Viewer.anonymous() },
          { action: 'loginFailed', entity: 'StaffAccount', entityId: account?.id ?? null, libraryId: account?.library?.id ?? null, after: { username: name.slice(0, 64), clientAddress: address } },
        );
      });
      ctx.logger.info({ username: name.slice(0, 64), clientAddress: address }, 'login refused');
      return new InvalidCredentialsError();
    }
    const libraryId = account.library?.id ?? null;
    const refresh = await ctx.em.transactional(async (em) => {
      await this.throttle.record(em, 'STAFF', name, address, true);
      const r = await this.sessions.begin(em, { accountId: account.id }, address);
      await audit(
        { em, viewer: Viewer.staff(account.id, account.username, account.role, libraryId) },
        { action: 'login', entity: 'StaffAccount', entityId: account.id, libraryId, after: { clientAddress: address, sessionId: r.sessionId } },
      );
      return r;
    });
    const issued = await this.tokens.issueStaff(account.id, account.username, account.role, libraryId, refresh.sessionId);
    ctx.logger.info({ accountId: account.id }, 'login');
    return { ...issued, refreshToken: refresh.refreshToken, refreshTokenExpiresAt: refresh.refreshTokenExpiresAt, account };
  }

  /** Patron sign-in with card number and PIN: the same sessions, throttling and audit as staff. */
  async loginPatron(ctx: Context, rawCard: string, pin: string): Promise<PatronLoginSuccess | InvalidCredentialsError | TooManyAttemptsError> {
    if (typeof pin !== 'string' || pin.length > 100) throw badInput('pin is too long', 'pin');
    const typed = typedName(rawCard).toUpperCase().slice(0, 100);
    const card = CARD.test(typed) ? typed : null;
    const address = ctx.clientAddress ?? 'unknown';
    const wait = await this.throttle.retryAfter(ctx.em, 'PATRON', typed, address);
    if (wait > 0) {
      ctx.logger.info({ cardNumber: typed.slice(0, 32), clientAddress: address, retryAfter: wait }, 'patron login throttled');
      return new TooManyAttemptsError(wait);
    }
    const p = card ? await ctx.em.findOne(Patron, { cardNumber: card }) : null;
    const ok = await verifyPassword(pin, p?.pinHash ?? (await dummyPasswordHash()));
    if (!p || !ok || p.status === PatronStatus.BLOCKED) {
      await ctx.em.transactional(async (em) => {
        await this.throttle.record(em, 'PATRON', typed, address, false);
        await audit(
          { em, viewer: Viewer.anonymous() },
          { action: 'loginPatronFailed', entity: 'Patron', entityId: p?.id ?? null, libraryId: p?.homeLibrary.id ?? null, after: { cardNumber: typed.slice(0, 32), clientAddress: address } },
        );
      });
      return new InvalidCredentialsError();
    }
    const refresh = await ctx.em.transactional(async (em) => {
      await this.throttle.record(em, 'PATRON', typed, address, true);
      const r = await this.sessions.begin(em, { patronId: p.id }, address);
      await audit(
        { em, viewer: Viewer.patron(p.id, p.cardNumber, p.homeLibrary.id) },
        { action: 'loginPatron', entity: 'Patron', entityId: p.id, libraryId: p.homeLibrary.id, after: { clientAddress: address, sessionId: r.sessionId } },
      );
      return r;
    });
    const issued = await this.tokens.issuePatron(p.id, p.cardNumber, p.homeLibrary.id, refresh.sessionId);
    return { ...issued, refreshToken: refresh.refreshToken, refreshTokenExpiresAt: refresh.refreshTokenExpiresAt, patron: p };
  }

  /**
   * Spends a refresh token for a new access token and refresh token. Role, library and account state
   * are read afresh, so a disabled account or a changed role takes effect at the next refresh.
   */
  async refresh(ctx: Context, raw: string): Promise<LoginSuccess | PatronLoginSuccess | InvalidRefreshTokenError> {
    if (typeof raw !== 'string' || raw.length > 200) throw badInput('refreshToken is not a refresh token', 'refreshToken');
    const out = await this.sessions.rotate(ctx.em, raw);
    if (!out.ok) {
      if (out.reason === 'REUSED') {
        ctx.logger.warn({ sessionId: out.sessionId, clientAddress: ctx.clientAddress }, 'refresh token reused: session revoked');
        await audit(
          { em: ctx.em, viewer: Viewer.anonymous() },
          {
            action: 'refreshTokenReused',
            entity: out.accountId ? 'StaffAccount' : 'Patron',
            entityId: out.accountId ?? out.patronId ?? null,
            libraryId: null,
            after: { sessionId: out.sessionId, clientAddress: ctx.clientAddress },
          },
        );
        return new InvalidRefreshTokenError('This refresh token was already used: the session is ended. Sign in again.');
      }
      return new InvalidRefreshTokenError();
    }
    if (out.accountId !== null) {
      const account = await ctx.em.findOne(Account, { id: out.accountId });
      if (!account || !account.active) {
        await this.sessions.revoke(ctx.em, out.sessionId, 'ACCOUNT_DISABLED');
        return new InvalidRefreshTokenError('The account is disabled.');
      }
      const issued = await this.tokens.issueStaff(account.id, account.username, account.role, account.library?.id ?? null, out.sessionId);
      return { ...issued, refreshToken: out.refreshToken, refreshTokenExpiresAt: out.refreshTokenExpiresAt, account };
    }
    const p = await ctx.em.findOne(Patron, { id: out.patronId! });
    if (!p || p.status === PatronStatus.BLOCKED) {
      await this.sessions.revoke(ctx.em, out.sessionId, 'ACCOUNT_DISABLED');
      return new InvalidRefreshTokenError('The card is blocked.');
    }
    const issued = await this.tokens.issuePatron(p.id, p.cardNumber, p.homeLibrary.id, out.sessionId);
    return { ...issued, refreshToken: out.refreshToken, refreshTokenExpiresAt: out.refreshTokenExpiresAt, patron: p };
  }

  /**
   * Ends the session of the access token in use, or of the given refresh token (so a client whose
   * access token has expired can still sign out). True when a session was ended.
   */
  async logout(ctx: Context, refreshToken: string | null): Promise<boolean> {
    const sessionId = refreshToken ? await this.sessions.sessionOf(ctx.em, refreshToken) : ctx.viewer.sessionId;
    if (!sessionId) return false;
    return ctx.em.transactional(async (em) => {
      const ended = await this.sessions.revoke(em, sessionId, 'LOGOUT');
      if (ended) {
        await audit({ em, viewer: ctx.viewer }, { action: 'logout', entity: ctx.viewer.isPatron ? 'Patron' : 'StaffAccount', entityId: ctx.viewer.accountId ?? ctx.viewer.patronId, after: { sessionId } });
      }
      return ended;
    });
  }

  /** The viewer's own account (null for anonymous). */
  async me(ctx: Context): Promise<Account | null> {
    if (ctx.viewer.kind !== 'STAFF' || ctx.viewer.accountId === null) return null;
    return ctx.em.findOne(Account, { id: ctx.viewer.accountId });
  }
}

export interface NewStaffAccount {
  username: string;
  password: string;
  role: StaffRole;
  libraryId: number | null;
  displayName?: string | null;
}

/** Creates or resets a staff account (used by create-admin and the demo seed). */
export async function upsertStaffAccount(em: Context['em'], input: NewStaffAccount): Promise<Account> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new Error('username must be 2-64 characters: a-z, 0-9, . _ -');
  if (input.password.length < 8) throw new Error('password must be at least 8 characters');
  if ((input.role === StaffRole.NETWORK_ADMIN) !== (input.libraryId === null)) {
    throw new Error('a network admin has no library; every other role needs one');
  }
  const passwordHash = await hashPassword(input.password);
  let account = await em.findOne(Account, { username });
  if (!account) {
    account = em.create(Account, { username, passwordHash, role: input.role, active: true } as Account);
  }
  account.passwordHash = passwordHash;
  account.role = input.role;
  account.active = true;
  account.displayName = input.displayName ?? account.displayName;
  account.library = input.libraryId === null ? null : em.getReference(Library, input.libraryId);
  await em.persistAndFlush(account);
  return account;
}
