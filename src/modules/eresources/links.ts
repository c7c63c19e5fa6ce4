import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed links to files (HMAC-SHA256 over file id and expiry, with a key derived from
 * JWT_SECRET for this purpose only), and the daily session keys of the usage log.
 */
export class LinkSigner {
  private readonly linkKey: Buffer;
  private readonly sessionKey: Buffer;

  constructor(secret: string) {
    this.linkKey = createHmac('sha256', secret).update('shelfnet:eresource-file-links:v1').digest();
    this.sessionKey = createHmac('sha256', secret).update('shelfnet:eresource-usage-sessions:v1').digest();
  }

  /** Path and query of a link to a file, valid until `expiresAt` (whole seconds). */
  sign(fileId: number, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    return `/files/${fileId}?exp=${exp}&sig=${this.mac(fileId, exp)}`;
  }

  /** 'ok', or why a link is refused. */
  verify(fileId: string, exp: unknown, sig: unknown, now = Date.now()): 'ok' | 'invalid' | 'expired' {
    if (!/^[1-9][0-9]{0,15}$/.test(fileId) || typeof exp !== 'string' || !/^[0-9]{1,12}$/.test(exp)) return 'invalid';
    if (typeof sig !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return 'invalid';
    const expected = Buffer.from(this.mac(Number(fileId), Number(exp)));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }

  /**
   * The usage log's session key: a keyed hash of who asks and the UTC day, so one reader's opens of a
   * day count as one session (COUNTER's unique metrics) and nothing identifies the reader.
   */
  session(identity: string, at = new Date()): string {
    return createHmac('sha256', this.sessionKey).update(`${at.toISOString().slice(0, 10)}|${identity}`).digest('base64url').slice(0, 22);
  }

  private mac(fileId: number, exp: number): string {
    return createHmac('sha256', this.linkKey).update(`${fileId}.${exp}`).digest('base64url');
  }
}
