import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { ApiClientsService, looksLikeApiKey } from './api-clients.service';
import { SessionService } from './sessions';
import { TokenError, TokenService } from './tokens';
import { Viewer } from './viewer';

export interface Authenticated {
  viewer: Viewer;
  /** When the access token expires (null: anonymous or API key). */
  expiresAt: Date | null;
}

export function authError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/**
 * Who is asking, from `Authorization: Bearer <access token | API key>` or `X-API-Key: <key>`. A bad
 * credential is an error, never a silent downgrade to anonymous.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly apiClients: ApiClientsService,
    private readonly em: () => EntityManager,
  ) {}

  async authenticate(authorization: unknown, apiKey?: unknown): Promise<Authenticated> {
    const noAuth = authorization === undefined || authorization === null || authorization === '';
    const noKey = apiKey === undefined || apiKey === null || apiKey === '';
    if (noAuth && noKey) return { viewer: Viewer.anonymous(), expiresAt: null };
    if (!noKey) {
      if (!noAuth) throw authError('Send either Authorization or X-API-Key, not both.');
      return this.byApiKey(apiKey);
    }
    const m = typeof authorization === 'string' ? /^Bearer\s+([A-Za-z0-9._-]{1,4096})$/i.exec(authorization.trim()) : null;
    if (!m) throw authError('Authorization must be "Bearer <token>".');
    if (looksLikeApiKey(m[1])) return this.byApiKey(m[1]);
    let out: Authenticated;
    try {
      out = await this.tokens.verify(m[1]);
    } catch (err) {
      if (err instanceof TokenError) throw authError(`Access token refused: ${err.message}. Sign in again.`);
      throw err;
    }
    if (this.sessions.isRevoked(out.viewer.sessionId)) throw authError('Access token refused: the session has ended. Sign in again.');
    return out;
  }

  private async byApiKey(key: unknown): Promise<Authenticated> {
    const viewer = typeof key === 'string' && key.length < 200 ? await this.apiClients.authenticate(this.em(), key.trim()) : null;
    if (!viewer) throw authError('API key refused: unknown, malformed or revoked.');
    return { viewer, expiresAt: null };
  }
}
