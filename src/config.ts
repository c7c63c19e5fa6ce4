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
  /** Older signing secrets that still verify tokens (key rotation); never used to sign. */
  jwtPreviousSecrets: string[];
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
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
  /** Security and limits (README "Security and limits"). */
  fieldSuggestions: boolean;
  trustProxy: boolean;
  corsOrigins: string[];
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxQueryChars: number;
  maxCost: number;
  requestTimeoutMs: number;
  statementTimeoutMs: number;
  rateLimitPoints: number;
  rateLimitRefillPerSecond: number;
  redisUrl: string | null;
  redisKeyPrefix: string;
  loginMaxFailures: number;
  loginMaxFailuresPerAddress: number;
  loginLockSeconds: number;
  loginMaxLockSeconds: number;
  trustedDocumentsFile: string | null;
  trustedDocumentsOnly: boolean;
  wsMaxSubscriptions: number;
  wsMaxMessageBytes: number;
  wsInitTimeoutMs: number;
  wsIdleTimeoutMs: number;
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
  { env: 'JWT_PREVIOUS_SECRETS', default: '(unset)', meaning: 'Comma-separated older `JWT_SECRET`s that still verify access tokens (key rotation); each at least 32 characters.' },
  { env: 'TOKEN_TTL_SECONDS', default: '900', meaning: 'Lifetime of an access token issued by `login`, `loginPatron` and `refreshToken` (15 minutes).' },
  { env: 'REFRESH_TOKEN_TTL_SECONDS', default: '2592000', meaning: 'Lifetime of a sign-in session (its refresh tokens rotate on every use): 30 days.' },
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
  { env: 'NODE_ENV', default: 'development', meaning: '`production` masks errors and turns GraphiQL, introspection and field suggestions off by default.' },
  { env: 'FIELD_SUGGESTIONS', default: 'true (false in production)', meaning: 'Validation errors suggest field names ("Did you mean ...?").' },
  { env: 'TRUST_PROXY', default: 'false', meaning: 'Take the client address from `X-Forwarded-For` (behind a reverse proxy); used by rate limits and login throttling.' },
  { env: 'CORS_ORIGINS', default: '(none)', meaning: 'Comma-separated browser origins allowed to call the API cross-origin (e.g. `https://app.example.vn`); `*` allows any.' },
  { env: 'MAX_DEPTH', default: '12', meaning: 'Deepest selection nesting of an operation.' },
  { env: 'MAX_ALIASES', default: '15', meaning: 'Most aliases in an operation.' },
  { env: 'MAX_DIRECTIVES', default: '50', meaning: 'Most directives in an operation.' },
  { env: 'MAX_TOKENS', default: '2000', meaning: 'Most lexical tokens in a GraphQL document.' },
  { env: 'MAX_QUERY_CHARS', default: '15000', meaning: 'Longest GraphQL document, in characters.' },
  { env: 'MAX_COST', default: '5000', meaning: 'Highest cost of one operation (every object field costs 1, multiplied by the `first` of its list).' },
  { env: 'REQUEST_TIMEOUT_MS', default: '10000', meaning: 'An HTTP request not answered by then gets 503 with code TIMEOUT.' },
  { env: 'STATEMENT_TIMEOUT_MS', default: '5000', meaning: 'PostgreSQL statement_timeout of the API connections (migrations run without).' },
  { env: 'RATE_LIMIT_POINTS', default: '1000', meaning: 'Size of each viewer\'s cost bucket (token, API key, or client address when anonymous); 0 turns rate limiting off.' },
  { env: 'RATE_LIMIT_REFILL_PER_SECOND', default: '50', meaning: 'Points a bucket regains per second.' },
  { env: 'REDIS_URL', default: '(unset)', meaning: 'Redis for the rate buckets, shared by every API process (e.g. `redis://127.0.0.1:6379`); unset: buckets per process.' },
  { env: 'REDIS_KEY_PREFIX', default: 'shelfnet:', meaning: 'Prefix of the Redis keys (several networks on one Redis).' },
  { env: 'LOGIN_MAX_FAILURES', default: '5', meaning: 'Failed sign-ins of one account from one address before each further try waits (doubling backoff).' },
  { env: 'LOGIN_MAX_FAILURES_PER_ADDRESS', default: '30', meaning: 'Failed sign-ins from one address (any account) in 15 minutes before that address waits too.' },
  { env: 'LOGIN_LOCK_SECONDS', default: '1', meaning: 'First backoff after the limit; doubles with every further failure.' },
  { env: 'LOGIN_MAX_LOCK_SECONDS', default: '900', meaning: 'Longest backoff: a lock never lasts longer (no permanent lock-out).' },
  { env: 'TRUSTED_DOCUMENTS_FILE', default: '(unset)', meaning: 'Manifest of trusted documents (JSON: sha256 hash → document), e.g. `test/__generated__/trusted-documents.json`; clients may send `documentId` instead of `query`.' },
  { env: 'TRUSTED_DOCUMENTS_ONLY', default: 'false', meaning: 'Anonymous and patron viewers may run only documents of the manifest; staff and API clients still send any query.' },
  { env: 'WS_MAX_SUBSCRIPTIONS', default: '50', meaning: 'Most operations running at once on one WebSocket connection.' },
  { env: 'WS_MAX_MESSAGE_BYTES', default: '65536', meaning: 'Largest WebSocket message; a bigger one closes the connection (1009).' },
  { env: 'WS_INIT_TIMEOUT_MS', default: '3000', meaning: 'A WebSocket that sends no `connection_init` by then is closed (4408).' },
  { env: 'WS_IDLE_TIMEOUT_MS', default: '300000', meaning: 'A WebSocket with no running operation and no message for that long is closed (code 4000, "Idle").' },
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

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
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
  const jwtPreviousSecrets = list(env.JWT_PREVIOUS_SECRETS);
  if (jwtPreviousSecrets.some((s) => s.length < 32 || (production && s === DEFAULT_DEV_SECRET))) {
    throw new ConfigError('every JWT_PREVIOUS_SECRETS entry must be a secret of at least 32 characters (not the development default in production)');
  }
  const trustedDocumentsFile = env.TRUSTED_DOCUMENTS_FILE ? path.resolve(env.TRUSTED_DOCUMENTS_FILE) : null;
  const trustedDocumentsOnly = bool('TRUSTED_DOCUMENTS_ONLY', env.TRUSTED_DOCUMENTS_ONLY, false);
  if (trustedDocumentsOnly && !trustedDocumentsFile) throw new ConfigError('TRUSTED_DOCUMENTS_ONLY needs TRUSTED_DOCUMENTS_FILE');
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got "${redisUrl}"`);
  return {
    nodeEnv,
    host: env.HOST || '0.0.0.0',
    port: int('PORT', env.PORT, 4000, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    dataDir: path.resolve(env.SHELFNET_DATA_DIR || path.join(process.cwd(), 'data')),
    embeddedPgPort: int('EMBEDDED_PG_PORT', env.EMBEDDED_PG_PORT, 54329, 1, 65535),
    seedDemo: bool('SEED_DEMO', env.SEED_DEMO, true),
    jwtSecret,
    jwtPreviousSecrets,
    tokenTtlSeconds: int('TOKEN_TTL_SECONDS', env.TOKEN_TTL_SECONDS, 900, 30, 30 * 24 * 3600),
    refreshTokenTtlSeconds: int('REFRESH_TOKEN_TTL_SECONDS', env.REFRESH_TOKEN_TTL_SECONDS, 30 * 24 * 3600, 60, 365 * 24 * 3600),
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
    fieldSuggestions: bool('FIELD_SUGGESTIONS', env.FIELD_SUGGESTIONS, !production),
    trustProxy: bool('TRUST_PROXY', env.TRUST_PROXY, false),
    corsOrigins: list(env.CORS_ORIGINS),
    maxDepth: int('MAX_DEPTH', env.MAX_DEPTH, 12, 1, 1000),
    maxAliases: int('MAX_ALIASES', env.MAX_ALIASES, 15, 0, 10_000),
    maxDirectives: int('MAX_DIRECTIVES', env.MAX_DIRECTIVES, 50, 0, 10_000),
    maxTokens: int('MAX_TOKENS', env.MAX_TOKENS, 2000, 10, 1_000_000),
    maxQueryChars: int('MAX_QUERY_CHARS', env.MAX_QUERY_CHARS, 15_000, 100, 10_000_000),
    maxCost: int('MAX_COST', env.MAX_COST, 5000, 1, 100_000_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', env.REQUEST_TIMEOUT_MS, 10_000, 100, 600_000),
    statementTimeoutMs: int('STATEMENT_TIMEOUT_MS', env.STATEMENT_TIMEOUT_MS, 5000, 0, 3600_000),
    rateLimitPoints: int('RATE_LIMIT_POINTS', env.RATE_LIMIT_POINTS, 1000, 0, 1_000_000_000),
    rateLimitRefillPerSecond: int('RATE_LIMIT_REFILL_PER_SECOND', env.RATE_LIMIT_REFILL_PER_SECOND, 50, 1, 1_000_000_000),
    redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'shelfnet:',
    loginMaxFailures: int('LOGIN_MAX_FAILURES', env.LOGIN_MAX_FAILURES, 5, 1, 1000),
    loginMaxFailuresPerAddress: int('LOGIN_MAX_FAILURES_PER_ADDRESS', env.LOGIN_MAX_FAILURES_PER_ADDRESS, 30, 1, 100_000),
    loginLockSeconds: int('LOGIN_LOCK_SECONDS', env.LOGIN_LOCK_SECONDS, 1, 1, 3600),
    loginMaxLockSeconds: int('LOGIN_MAX_LOCK_SECONDS', env.LOGIN_MAX_LOCK_SECONDS, 900, 1, 24 * 3600),
    trustedDocumentsFile,
    trustedDocumentsOnly,
    wsMaxSubscriptions: int('WS_MAX_SUBSCRIPTIONS', env.WS_MAX_SUBSCRIPTIONS, 50, 1, 10_000),
    wsMaxMessageBytes: int('WS_MAX_MESSAGE_BYTES', env.WS_MAX_MESSAGE_BYTES, 65_536, 1024, 100 * 1024 * 1024),
    wsInitTimeoutMs: int('WS_INIT_TIMEOUT_MS', env.WS_INIT_TIMEOUT_MS, 3000, 100, 600_000),
    wsIdleTimeoutMs: int('WS_IDLE_TIMEOUT_MS', env.WS_IDLE_TIMEOUT_MS, 300_000, 1000, 24 * 3600_000),
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
