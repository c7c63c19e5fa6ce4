import { createHash } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { StaffRole } from './account.entity';
import { Viewer } from './viewer';

const ISSUER = 'shelfnet';
const AUDIENCE = 'shelfnet-api';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** The key id of a secret: the start of its SHA-256, so operators rotate secrets without naming keys. */
export function keyId(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url').slice(0, 12);
}

/**
 * Signs and verifies access tokens (HS256 JWT through `jose`, a well-kept dependency-free library).
 *
 * Key rotation: tokens are signed with the current secret and carry its key id (`kid` header).
 * Secrets in `previous` still verify tokens that name them, until those tokens expire; a token without
 * a `kid` (issued before rotation existed) is checked against the current secret.
 */
export class TokenService {
  private readonly current: { kid: string; key: Uint8Array };
  private readonly keys = new Map<string, Uint8Array>();

  constructor(
    secret: string,
    readonly ttlSeconds: number,
    previous: string[] = [],
  ) {
    this.current = { kid: keyId(secret), key: new TextEncoder().encode(secret) };
    for (const s of previous) this.keys.set(keyId(s), new TextEncoder().encode(s));
    this.keys.set(this.current.kid, this.current.key);
  }

  /** A token for a staff account (role and library travel in it). */
  issueStaff(accountId: number, username: string, role: StaffRole, libraryId: number | null, sessionId: string | null = null): Promise<IssuedToken> {
    return this.sign(accountId, { kind: 'STAFF', usr: username, role, lib: libraryId, ...(sessionId ? { sid: sessionId } : {}) });
  }

  /** A token for a patron (card number and home library travel in it). */
  issuePatron(patronId: number, cardNumber: string, homeLibraryId: number, sessionId: string | null = null): Promise<IssuedToken> {
    return this.sign(patronId, { kind: 'PATRON', usr: cardNumber, lib: homeLibraryId, ...(sessionId ? { sid: sessionId } : {}) });
  }

  private async sign(subject: number, claims: Record<string, unknown>): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.current.kid })
      .setSubject(String(subject))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.current.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Returns the viewer for a token, or throws TokenError for one that is malformed, altered, expired or
   * signed with a key this server does not hold.
   */
  async verify(token: string): Promise<{ viewer: Viewer; expiresAt: Date }> {
    try {
      let kid: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new TokenError('token is not valid');
      }
      const key = kid === undefined ? this.current.key : typeof kid === 'string' ? this.keys.get(kid) : undefined;
      if (!key) throw new TokenError('token is signed with an unknown or retired key');
      const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const expiresAt = new Date((payload.exp ?? 0) * 1000);
      const sid = payload.sid === undefined ? null : typeof payload.sid === 'string' && /^[0-9a-f-]{36}$/.test(payload.sid) ? payload.sid : undefined;
      if (sid === undefined) throw new TokenError('token has an unknown shape');
      if (payload.kind === 'PATRON' && typeof payload.usr === 'string' && Number.isSafeInteger(Number(payload.lib))) {
        return { viewer: Viewer.patron(Number(payload.sub), payload.usr, Number(payload.lib), sid), expiresAt };
      }
      const role = payload.role as StaffRole;
      if (payload.kind !== 'STAFF' || !Object.values(StaffRole).includes(role) || typeof payload.usr !== 'string' || !Number.isSafeInteger(Number(payload.sub))) {
        throw new TokenError('token has an unknown shape');
      }
      const lib = payload.lib === null || payload.lib === undefined ? null : Number(payload.lib);
      return { viewer: Viewer.staff(Number(payload.sub), payload.usr, role, lib, sid), expiresAt };
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
      throw new TokenError('token is not valid');
    }
  }
}

export class TokenError extends Error {}
