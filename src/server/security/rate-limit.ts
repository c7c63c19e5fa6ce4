import Redis from 'ioredis';
import type { Logger } from 'pino';

export interface BucketState {
  allowed: boolean;
  /** Points left after this request (or now, when refused). */
  remaining: number;
  limit: number;
  /** When refused: seconds until the bucket holds enough points for this request. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes `cost` points from the bucket of `key` if it holds them. */
  consume(key: string, cost: number): Promise<BucketState>;
  /** Takes `points` whatever the bucket holds (a penalty): it may go into debt, down to minus a full bucket. */
  charge(key: string, points: number): Promise<void>;
  close(): Promise<void>;
}

export interface BucketSettings {
  points: number;
  refillPerSecond: number;
}

/** A token bucket per key in this process's memory (no REDIS_URL). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweeps = 0;

  constructor(private readonly s: BucketSettings) {}

  async consume(key: string, cost: number): Promise<BucketState> {
    return this.consumeNow(key, cost, Date.now());
  }

  async charge(key: string, points: number): Promise<void> {
    this.consumeNow(key, points, Date.now(), true);
  }

  consumeNow(key: string, wanted: number, now: number, force = false): BucketState {
    const { points, refillPerSecond } = this.s;
    // an operation dearer than the whole bucket (allowed up to MAX_COST) takes a full bucket
    const cost = Math.min(wanted, points);
    const b = this.buckets.get(key) ?? { tokens: points, at: now };
    const tokens = Math.min(points, b.tokens + ((now - b.at) / 1000) * refillPerSecond);
    const allowed = tokens >= cost;
    const left = force ? Math.max(tokens - cost, -points) : allowed ? tokens - cost : tokens;
    this.buckets.set(key, { tokens: left, at: now });
    // full buckets carry no information: drop them now and then so the map stays small
    if (++this.sweeps % 10_000 === 0) {
      for (const [k, v] of this.buckets) if (v.tokens + ((now - v.at) / 1000) * refillPerSecond >= points) this.buckets.delete(k);
    }
    return { allowed, remaining: Math.max(0, Math.floor(left)), limit: points, retryAfterSeconds: allowed ? 0 : Math.ceil((cost - tokens) / refillPerSecond) || 1 };
  }

  async close(): Promise<void> {}
}

/**
 * The same bucket in Redis, shared by every API process: one Lua script reads, refills and takes
 * atomically, with Redis's clock. When Redis cannot be reached the process falls back to its own
 * memory buckets (and logs it) rather than refusing all traffic.
 */
const SCRIPT = `
local key = KEYS[1]
local points = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = math.min(tonumber(ARGV[3]), points)
local force = ARGV[4] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil then tokens = points; at = now end
tokens = math.min(points, tokens + (now - at) / 1000 * rate)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 elseif force then tokens = math.max(tokens - cost, -points) end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', key, math.ceil(2 * points / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback: MemoryRateLimiter;
  private warned = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly s: BucketSettings,
    private readonly logger: Logger,
  ) {
    this.fallback = new MemoryRateLimiter(s);
    this.redis = new Redis(url, { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.redis.on('error', (err) => {
      if (!this.warned) logger.warn({ err: err.message }, 'redis unavailable: rate buckets are per process until it is back');
      this.warned = true;
    });
    this.redis.on('ready', () => {
      if (this.warned) logger.info('redis reachable again: rate buckets shared');
      this.warned = false;
    });
    this.redis.defineCommand('snTakeTokens', { numberOfKeys: 1, lua: SCRIPT });
  }

  async charge(key: string, points: number): Promise<void> {
    try {
      await this.take(key, points, true);
    } catch {
      await this.fallback.charge(key, points);
    }
  }

  private take(key: string, cost: number, force: boolean): Promise<[number, string]> {
    return (this.redis as unknown as { snTakeTokens: (...a: unknown[]) => Promise<[number, string]> }).snTakeTokens(
      `${this.prefix}rl:${key}`,
      this.s.points,
      this.s.refillPerSecond,
      cost,
      force ? '1' : '0',
    );
  }

  async consume(key: string, wanted: number): Promise<BucketState> {
    const cost = Math.min(wanted, this.s.points);
    try {
      const [allowed, tokensText] = await this.take(key, cost, false);
      const tokens = Number(tokensText);
      const ok = allowed === 1;
      return {
        allowed: ok,
        remaining: Math.max(0, Math.floor(tokens)),
        limit: this.s.points,
        retryAfterSeconds: ok ? 0 : Math.ceil((cost - tokens) / this.s.refillPerSecond) || 1,
      };
    } catch (err) {
      if (!this.warned) this.logger.warn({ err: (err as Error).message }, 'redis rate bucket failed: using this process only');
      this.warned = true;
      return this.fallback.consume(key, wanted);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** No limit (RATE_LIMIT_POINTS=0). */
export class NoRateLimiter implements RateLimiter {
  async consume(): Promise<BucketState> {
    return { allowed: true, remaining: Number.MAX_SAFE_INTEGER, limit: 0, retryAfterSeconds: 0 };
  }

  async charge(): Promise<void> {}

  async close(): Promise<void> {}
}

export function createRateLimiter(c: { rateLimitPoints: number; rateLimitRefillPerSecond: number; redisUrl: string | null; redisKeyPrefix: string }, logger: Logger): RateLimiter {
  if (c.rateLimitPoints === 0) return new NoRateLimiter();
  const s = { points: c.rateLimitPoints, refillPerSecond: c.rateLimitRefillPerSecond };
  return c.redisUrl ? new RedisRateLimiter(c.redisUrl, c.redisKeyPrefix, s, logger) : new MemoryRateLimiter(s);
}
