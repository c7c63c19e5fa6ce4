import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotPermittedError } from '../../common/error-results';
import { badInput } from '../../common/errors';
import { Page, decodeCursor, encodeCursor, pageSize, toPage } from '../../common/pagination';
import { requireText } from '../../common/text';
import { pgArray, query } from '../../db/sql';
import type { Context } from '../../server/context';
import { audit } from '../audit/audit.service';
import { UnknownLibraryError } from '../catalog/catalog.types';
import { librariesService, parseLibraryCode } from '../libraries/libraries.service';
import { ApiClientNotFoundError, CreateApiClientInput } from './auth.types';
import { hashSecret } from './sessions';
import { ApiPermission, Viewer } from './viewer';

/** `snk_<10 hex: prefix, the lookup key>_<43 base64url: 256 random bits>` */
const KEY = /^snk_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('snk_');
}

export interface ApiClientRow {
  id: number;
  libraryId: number;
  name: string;
  permissions: ApiPermission[];
  keyPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  active: boolean;
}

function toRow(r: Record<string, unknown>): ApiClientRow {
  return {
    id: Number(r.id),
    libraryId: Number(r.library_id),
    name: String(r.name),
    permissions: r.permissions as ApiPermission[],
    keyPrefix: `snk_${r.key_prefix}`,
    createdAt: new Date(r.created_at as string),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at as string) : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at as string) : null,
    active: r.revoked_at === null,
  };
}

/** Opaque id of an API client (not a `Node`: clients are listed and revoked, never fetched by id). */
export function apiClientGlobalId(id: number): string {
  return Buffer.from(`ApiClient:${id}`, 'utf8').toString('base64url');
}

function decodeApiClientId(gid: string): number {
  const raw = typeof gid === 'string' && gid.length <= 100 && /^[A-Za-z0-9_-]+$/.test(gid) ? Buffer.from(gid, 'base64url').toString('utf8') : '';
  const m = /^ApiClient:([1-9][0-9]{0,15})$/.exec(raw);
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw badInput('id is not the id of an API client', 'id');
  return Number(m[1]);
}

const CACHE_MS = 5000;

/**
 * API keys of partner systems. A key is shown once at creation and stored as a SHA-256 hash (256
 * random bits need no slow hash). Verified keys are cached per process for 5 s, so a revoked key
 * stops working on every process within 5 s (at once on the process that revoked it); last use is
 * recorded at most once a minute.
 */
export class ApiClientsService {
  private readonly cache = new Map<string, { viewer: Viewer; until: number }>();

  /** The viewer of an API key, or null when the key is unknown, malformed or revoked. */
  async authenticate(em: EntityManager, key: string): Promise<Viewer | null> {
    const m = KEY.exec(key);
    if (!m) return null;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.viewer;
    const [row] = await query<Record<string, unknown>>(em, `select * from api_clients where key_prefix = ? and revoked_at is null`, [m[1]]);
    if (!row) return null;
    const expected = row.key_hash as Buffer;
    const actual = hashSecret(key);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const c = toRow(row);
    const viewer = Viewer.apiClient(c.id, c.name, c.libraryId, c.permissions);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { viewer, until: Date.now() + CACHE_MS });
    await query(em, `update api_clients set last_used_at = now() where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')`, [c.id]);
    return viewer;
  }

  /** Creates a client of a library (its library admins, network admins) and returns its key once. */
  async create(ctx: Context, input: CreateApiClientInput): Promise<{ apiKey: string; client: ApiClientRow } | UnknownLibraryError | NotPermittedError> {
    const code = parseLibraryCode(input.libraryCode, 'input.libraryCode');
    const name = requireText(input.name, { field: 'input.name', max: 200 });
    const permissions = [...new Set(input.permissions ?? [])];
    if (permissions.length === 0) throw badInput('give at least one permission', 'input.permissions');
    const lib = await librariesService.byCode(ctx, code);
    if (!lib) return new UnknownLibraryError(`No library has the code ${code}.`, code);
    if (!ctx.viewer.isAdminOf(lib.id)) return new NotPermittedError(`Only administrators of ${code} may create its API clients.`);
    const prefix = randomBytes(5).toString('hex');
    const apiKey = `snk_${prefix}_${randomBytes(32).toString('base64url')}`;
    return ctx.em.transactional(async (em) => {
      const [row] = await query<Record<string, unknown>>(
        em,
        `insert into api_clients (library_id, name, key_prefix, key_hash, permissions, created_by_account_id)
         values (?, ?, ?, ?, ?, ?) returning *`,
        [lib.id, name, prefix, hashSecret(apiKey), pgArray(em, permissions, 'text'), ctx.viewer.accountId],
      );
      const client = toRow(row);
      await audit({ em, viewer: ctx.viewer }, { action: 'createApiClient', entity: 'ApiClient', entityId: client.id, libraryId: lib.id, after: { name, permissions, keyPrefix: client.keyPrefix } });
      return { apiKey, client };
    });
  }

  /** Revokes a client: its key stops working (within 5 s on other processes). */
  async revoke(ctx: Context, gid: string): Promise<ApiClientRow | ApiClientNotFoundError | NotPermittedError> {
    const id = decodeApiClientId(gid);
    return ctx.em.transactional(async (em) => {
      const [row] = await query<Record<string, unknown>>(em, `select * from api_clients where id = ? for update`, [id]);
      if (!row) return new ApiClientNotFoundError();
      const c = toRow(row);
      if (!ctx.viewer.isAdminOf(c.libraryId)) return ctx.viewer.worksAt(c.libraryId) ? new NotPermittedError('Only administrators of the library may revoke its API clients.') : new ApiClientNotFoundError();
      const [updated] = await query<Record<string, unknown>>(
        em,
        `update api_clients set revoked_at = coalesce(revoked_at, now()), revoked_by_account_id = coalesce(revoked_by_account_id, ?) where id = ? returning *`,
        [ctx.viewer.accountId, id],
      );
      for (const [key, v] of this.cache) if (v.viewer.apiClientId === id) this.cache.delete(key);
      await audit({ em, viewer: ctx.viewer }, { action: 'revokeApiClient', entity: 'ApiClient', entityId: id, libraryId: c.libraryId, after: { keyPrefix: c.keyPrefix } });
      return toRow(updated);
    });
  }

  /** Clients of one library (or, for network admins without a library, every library), newest first. */
  async list(ctx: Context, libraryCode: string | null, first: number | null, after: string | null): Promise<Page<ApiClientRow>> {
    const limit = pageSize(first);
    const cursor = decodeCursor('apiClient', after);
    const where: string[] = [];
    const params: unknown[] = [];
    if (libraryCode) {
      const [lib] = await librariesService.requireCodes(ctx, [libraryCode], 'libraryCode');
      if (!ctx.viewer.isAdminOf(lib.id)) return toPage([], limit, () => '', (r) => r);
      where.push('library_id = ?');
      params.push(lib.id);
    } else if (!ctx.viewer.isNetworkAdmin) {
      where.push('library_id = ?');
      params.push(ctx.viewer.isAdminOf(ctx.viewer.libraryId) ? ctx.viewer.libraryId : -1);
    }
    if (cursor) {
      if (!Number.isSafeInteger(cursor[0])) throw badInput('after is not a valid cursor', 'after');
      where.push('id < ?');
      params.push(cursor[0]);
    }
    const rows = await query<Record<string, unknown>>(
      ctx.em,
      `select * from api_clients ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit ?`,
      [...params, limit + 1],
    );
    return toPage(rows.map(toRow), limit, (r) => encodeCursor('apiClient', [r.id]), (r) => r);
  }
}

export const apiClientsService = new ApiClientsService();
