import os from 'node:os';
import path from 'node:path';

/**
 * Every setting Shelfnet reads, parsed and validated in one place. The README's settings table lists
 * the same names; `SETTINGS` below is the source of that table.
 */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Full PostgreSQL URL; when set no embedded server is started. */
  databaseUrl: string | null;
  dataDir: string;
  embeddedPgPort: number;
  seedDemo: boolean;
  jwtSecret: string;
  tokenTtlSeconds: number;
  graphiql: boolean;
  introspection: boolean;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** Adds `extensions.sqlStatements` to responses: for tests and benchmarks, off in production. */
  exposeSqlCount: boolean;
  maxRequestBytes: number;
  dbPoolSize: number;
  /** How often the circulation jobs run (overdue loans, expired holds and cards); 0 = never. */
  schedulerIntervalMs: number;
  /** Days outbox events are kept (subscribers can resume within this window). */
  eventRetentionDays: number;
  /** Most matches a search ranks exactly; beyond, the broad plan (see SearchService). */
  searchNarrowCap: number;
  /** Digital library: largest accepted upload, in bytes. */
  eresourceMaxUploadBytes: number;
  /** Digital library: lifetime of a signed file link from openEResource, in seconds. */
  eresourceLinkTtlSeconds: number;
  /** Digital library: extract full text of uploaded files in the background in this process. */
  eresourceTextExtraction: boolean;
  /** OAI-PMH: records per page of ListRecords / ListIdentifiers (then a resumption token). */
  oaiPageSize: number;
  /** Public origin of the API (signed file links, OAI-PMH baseURL); null: relative links, OAI from the request. */
  publicUrl: string | null;
  /** OAI-PMH: adminEmail announced by Identify. */
  oaiAdminEmail: string;
}

export const DEFAULT_DEV_SECRET = 'shelfnet-development-secret-change-me';

export interface SettingDoc {
  env: string;
  default: string;
  meaning: string;
}

export const SETTINGS: SettingDoc[] = [
  { env: 'PORT', default: '4000', meaning: 'HTTP port of the API (GraphQL, GraphiQL, WebSocket, health).' },
  { env: 'HOST', default: '0.0.0.0', meaning: 'Address the API listens on.' },
  { env: 'DATABASE_URL', default: '(unset)', meaning: 'PostgreSQL URL. When set, Shelfnet uses that server and starts no embedded one.' },
  { env: 'SHELFNET_DATA_DIR', default: './data', meaning: 'Folder for local data: the embedded PostgreSQL cluster lives in `<dir>/pg`.' },
  { env: 'EMBEDDED_PG_PORT', default: '54329', meaning: 'Port of the embedded PostgreSQL (not 5432, which another server may use).' },
  { env: 'SEED_DEMO', default: 'true', meaning: 'Seed the Bình Định demo network when the database has no library yet. `false` turns it off.' },
  { env: 'JWT_SECRET', default: '(development default)', meaning: 'HMAC secret for access tokens; at least 32 characters. Required in production.' },
  { env: 'TOKEN_TTL_SECONDS', default: '3600', meaning: 'Lifetime of an access token issued by `login`.' },
  { env: 'GRAPHIQL', default: 'true (false in production)', meaning: 'Serve GraphiQL (bundled, works offline) on GET /graphql.' },
  { env: 'INTROSPECTION', default: 'true (false in production)', meaning: 'Allow schema introspection.' },
  { env: 'LOG_LEVEL', default: 'info', meaning: 'pino log level (fatal, error, warn, info, debug, trace, silent).' },
  { env: 'SHUTDOWN_TIMEOUT_MS', default: '10000', meaning: 'How long a graceful shutdown waits for in-flight requests.' },
  { env: 'EXPOSE_SQL_COUNT', default: 'false', meaning: 'Report SQL statements per request in `extensions.sqlStatements` (tests, benchmarks).' },
  { env: 'MAX_REQUEST_BYTES', default: '1048576', meaning: 'Largest accepted JSON request body.' },
  { env: 'DB_POOL_SIZE', default: '10', meaning: 'PostgreSQL connections per API process.' },
  { env: 'SCHEDULER_INTERVAL_MS', default: '60000', meaning: 'How often circulation jobs run (overdue loans, uncollected holds, expired cards); 0 turns them off in this process.' },
  { env: 'EVENT_RETENTION_DAYS', default: '90', meaning: 'Days events stay in the outbox; a subscriber can resume from a cursor within that window.' },
  { env: 'SEARCH_NARROW_CAP', default: '1500', meaning: 'Most matches a search ranks exactly; broader queries list exact title matches, then the rest newest first, with estimated counts.' },
  { env: 'ERESOURCE_MAX_UPLOAD_BYTES', default: '524288000', meaning: 'Digital library: largest accepted file upload (500 MB); larger uploads are refused with 413 and nothing is kept.' },
  { env: 'ERESOURCE_LINK_TTL_SECONDS', default: '300', meaning: 'Digital library: lifetime of the signed file link returned by `openEResource`.' },
  { env: 'ERESOURCE_TEXT_EXTRACTION', default: 'true', meaning: 'Digital library: extract full text (PDF text layer, EPUB, plain text) in the background in this process; `false` leaves it to other processes.' },
  { env: 'OAI_PAGE_SIZE', default: '100', meaning: 'OAI-PMH: records per ListRecords/ListIdentifiers page before a resumption token.' },
  { env: 'PUBLIC_URL', default: '(unset)', meaning: 'Public origin of the API, e.g. `https://thuvien.binhdinh.gov.vn`: signed file links are absolute URLs on it and OAI-PMH announces `<PUBLIC_URL>/oai`. Unset: file links are relative to the API origin, OAI takes the request host.' },
  { env: 'OAI_ADMIN_EMAIL', default: 'thuvien@binhdinh.gov.vn', meaning: 'OAI-PMH: the adminEmail that Identify announces.' },
  { env: 'NODE_ENV', default: 'development', meaning: '`production` masks errors and turns GraphiQL and introspection off by default.' },
];

export class ConfigError extends Error {}

function bool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = (env.NODE_ENV ?? 'development') as Config['nodeEnv'];
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);
  }
  const production = nodeEnv === 'production';
  const jwtSecret = env.JWT_SECRET ?? (production ? '' : DEFAULT_DEV_SECRET);
  if (production && (jwtSecret.length < 32 || jwtSecret === DEFAULT_DEV_SECRET)) {
    throw new ConfigError('JWT_SECRET must be set to a secret of at least 32 characters in production');
  }
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  return {
    nodeEnv,
    host: env.HOST || '0.0.0.0',
    port: int('PORT', env.PORT, 4000, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.SHELFNET_DATA_DIR || path.join(process.cwd(), 'data')),
    embeddedPgPort: int('EMBEDDED_PG_PORT', env.EMBEDDED_PG_PORT, 54329, 1, 65535),
    seedDemo: bool('SEED_DEMO', env.SEED_DEMO, true),
    jwtSecret,
    tokenTtlSeconds: int('TOKEN_TTL_SECONDS', env.TOKEN_TTL_SECONDS, 3600, 30, 30 * 24 * 3600),
    graphiql: bool('GRAPHIQL', env.GRAPHIQL, !production),
    introspection: bool('INTROSPECTION', env.INTROSPECTION, !production),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 10_000, 0, 600_000),
    exposeSqlCount: bool('EXPOSE_SQL_COUNT', env.EXPOSE_SQL_COUNT, false),
    maxRequestBytes: int('MAX_REQUEST_BYTES', env.MAX_REQUEST_BYTES, 1024 * 1024, 1024, 100 * 1024 * 1024),
    dbPoolSize: int('DB_POOL_SIZE', env.DB_POOL_SIZE, 10, 1, 200),
    eventRetentionDays: int('EVENT_RETENTION_DAYS', env.EVENT_RETENTION_DAYS, 90, 1, 3650),
    searchNarrowCap: int('SEARCH_NARROW_CAP', env.SEARCH_NARROW_CAP, 1500, 1, 1_000_000),
    schedulerIntervalMs: int('SCHEDULER_INTERVAL_MS', env.SCHEDULER_INTERVAL_MS, 60_000, 0, 24 * 3600_000),
    eresourceMaxUploadBytes: int('ERESOURCE_MAX_UPLOAD_BYTES', env.ERESOURCE_MAX_UPLOAD_BYTES, 500 * 1024 * 1024, 1024, 64 * 1024 ** 3),
    eresourceLinkTtlSeconds: int('ERESOURCE_LINK_TTL_SECONDS', env.ERESOURCE_LINK_TTL_SECONDS, 300, 1, 24 * 3600),
    eresourceTextExtraction: bool('ERESOURCE_TEXT_EXTRACTION', env.ERESOURCE_TEXT_EXTRACTION, true),
    oaiPageSize: int('OAI_PAGE_SIZE', env.OAI_PAGE_SIZE, 100, 1, 1000),
    publicUrl: publicUrl(env.PUBLIC_URL),
    oaiAdminEmail: oaiAdminEmail(env.OAI_ADMIN_EMAIL),
  };
}

function publicUrl(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) throw new ConfigError(`PUBLIC_URL must be an http(s) origin without query, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function oaiAdminEmail(value: string | undefined): string {
  const v = value || 'thuvien@binhdinh.gov.vn';
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(v)) throw new ConfigError(`OAI_ADMIN_EMAIL must be an e-mail address, got "${v}"`);
  return v;
}

/** Temp folder that the `postgres` OS user can reach when we run as root. */
export function systemTempDir(): string {
  return os.tmpdir();
}
