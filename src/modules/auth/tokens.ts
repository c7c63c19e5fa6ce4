import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { StaffRole } from './account.entity';
import { Viewer } from './viewer';

const ISSUER = 'shelfnet';
const AUDIENCE = 'shelfnet-api';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Signs and verifies access tokens (HS256 JWT through `jose`, a well-kept dependency-free library). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for a staff account (role and library travel in it). */
  issueStaff(accountId: number, username: string, role: StaffRole, libraryId: number | null): Promise<IssuedToken> {
    return this.sign(accountId, { kind: 'STAFF', usr: username, role, lib: libraryId });
  }

  /** A token for a patron (card number and home library travel in it). */
  issuePatron(patronId: number, cardNumber: string, homeLibraryId: number): Promise<IssuedToken> {
    return this.sign(patronId, { kind: 'PATRON', usr: cardNumber, lib: homeLibraryId });
  }

  private async sign(subject: number, claims: Record<string, unknown>): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(subject))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /**
   * Returns the viewer for a token, or throws TokenError for one that is malformed, altered or expired.
   */
  async verify(token: string): Promise<{ viewer: Viewer; expiresAt: Date }> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const expiresAt = new Date((payload.exp ?? 0) * 1000);
      if (payload.kind === 'PATRON' && typeof payload.usr === 'string' && Number.isSafeInteger(Number(payload.lib))) {
        return { viewer: Viewer.patron(Number(payload.sub), payload.usr, Number(payload.lib)), expiresAt };
      }
      const role = payload.role as StaffRole;
      if (payload.kind !== 'STAFF' || !Object.values(StaffRole).includes(role) || typeof payload.usr !== 'string') {
        throw new TokenError('token has an unknown shape');
      }
      const lib = payload.lib === null || payload.lib === undefined ? null : Number(payload.lib);
      return {
        viewer: Viewer.staff(Number(payload.sub), payload.usr, role, lib),
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
      throw new TokenError('token is not valid');
    }
  }
}

export class TokenError extends Error {}
