import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/sql';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { settingOnce } from '../db/settings.ts';
import type { Logger } from '../log.ts';
import { leasing } from './allowance.ts';

/** Failed token requests one client IP may make per window before the token endpoint answers 429. */
export const TOKEN_FAILURES_PER_WINDOW = 20;
/**
 * Failed token requests for one client id per window, from any number of addresses. Above the per-IP
 * limit, so a single address (stopped at 20) can never lock a client out on its own.
 */
export const TOKEN_CLIENT_FAILURES_PER_WINDOW = 50;
/** Connections of the PostgreSQL rate-limit store's own pool, beside the ORM's DB_POOL_SIZE. */
export const RATE_LIMIT_POOL_SIZE = 4;
/** Table rate-limiter-flexible creates and owns on PostgreSQL (listed in MikroORM's skipTables). */
export const RATE_LIMIT_TABLE = 'rate_limits';
/**
 * A connection with commands outstanding and no reply for this many command timeouts is dropped: while
 * ioredis reconnects it is not "ready", so every request goes straight to the fallback instead of each
 * one waiting out the command timeout (with the default 100 ms, a stall costs requests 100 ms only for
 * its first half second).
 */
const REDIS_STALL_TIMEOUTS = 5;
/** Reconnect quickly (and keep trying twice a second), so shared counting resumes soon after a stall. */
const redisRetry = (attempt: number) => Math.min(attempt * 100, 500);
/** How long startup waits for Redis before serving with the in-process fallback. */
const REDIS_CONNECT_WAIT_MS = 2_000;
const NAMESPACE_SETTING = 'rate_limit_namespace';

/** The part of rate-limiter-flexible's limiters the middleware uses (memory and store limiters alike). */
export interface Limiter {
  readonly points: number;
  /** Resolves with the bucket, or rejects with a RateLimiterRes when the bucket is over `points`. */
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  /**
   * One unit this process already holds for the key (leasing limiters), without waiting for anything;
   * undefined when it holds none — then call `consume`. Saves a promise on the path every request takes.
   */
  tryConsume?(key: string): RateLimiterRes | undefined;
  /** Adds points without ever rejecting. */
  penalty(key: string, points?: number): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
}

export type RateLimitStore = 'memory' | 'postgresql' | 'redis';

export interface RateLimits {
  store: RateLimitStore;
  /** Length of a window in seconds (60). */
  windowSeconds: number;
  /** Per API client, RATE_LIMIT_PER_MINUTE per window; undefined when RATE_LIMIT_PER_MINUTE=0 (disabled). */
  api: Limiter | undefined;
  /** Failed token requests per client IP (the brute-force guard). */
  tokenFailures: Limiter;
  /** Failed token requests per client id, across addresses (the brute-force guard). */
  tokenClientFailures: Limiter;
  /** Closes the Redis client or the PostgreSQL pool. */
  close(): Promise<void>;
  /** With Redis: resolves when Redis answers a PING (readiness, routes/health.ts). */
  ping?(): Promise<void>;
}

export interface RateLimitOptions {
  config: Config;
  orm: MikroORM;
  log: Logger;
  /** Length of a window; one minute unless a test asks for a shorter one. */
  windowSeconds?: number;
}

/** Window end as unix epoch seconds (`X-Rate-Limit-Reset`), from the store's own expiry. */
export function resetEpochSeconds(bucket: RateLimiterRes, windowSeconds: number): number {
  return Math.ceil((Date.now() + msLeft(bucket, windowSeconds)) / 1000);
}

/** Whole seconds until the window ends (`Retry-After`), at least 1. */
export function retryAfterSeconds(bucket: RateLimiterRes, windowSeconds: number): number {
  return Math.max(1, Math.ceil(msLeft(bucket, windowSeconds) / 1000));
}

/** A negative TTL would mean a key without expiry; treat it as a fresh window rather than "now". */
function msLeft(bucket: RateLimiterRes, windowSeconds: number): number {
  return bucket.msBeforeNext >= 0 ? bucket.msBeforeNext : windowSeconds * 1000;
}

/**
 * An in-process limiter standing in for a shared store that failed or stalled (rate-limiter-flexible's
 * insurance strategy): requests keep being answered and limited per process, and `onUse` hears of it.
 */
class FallbackLimiter extends RateLimiterMemory {
  readonly #onUse: () => void;
  constructor(options: ConstructorParameters<typeof RateLimiterMemory>[0], onUse: () => void) {
    super(options);
    this.#onUse = onUse;
  }
  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.#onUse();
    return super.consume(...args);
  }
  override penalty(...args: Parameters<RateLimiterMemory['penalty']>) {
    this.#onUse();
    return super.penalty(...args);
  }
  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.#onUse();
    return super.get(...args);
  }
}

/** A warning that is written once, until `rearm()` (the store answered again). */
function onceWarning(log: Logger, message: string, fields: Record<string, unknown>) {
  let armed = true;
  return {
    warn(extra: Record<string, unknown> = {}) {
      if (!armed) return;
      armed = false;
      log.warn(message, { ...fields, ...extra });
    },
    rearm() {
      armed = true;
    },
  };
}

/**
 * Builds the limiters once at startup from the configuration: Redis when REDIS_URL is set, PostgreSQL
 * when DATABASE_URL is set, else in-process memory (the embedded database allows one process anyway).
 * Shared stores get an in-process fallback, so a dead or stalled store never stalls or fails requests.
 */
export async function createRateLimits({ config, orm, log, windowSeconds = 60 }: RateLimitOptions): Promise<RateLimits> {
  const limits = [
    { name: 'api', points: config.rateLimitPerMinute },
    { name: 'token_failures', points: TOKEN_FAILURES_PER_WINDOW },
    { name: 'token_client_failures', points: TOKEN_CLIENT_FAILURES_PER_WINDOW },
  ] as const;
  const memory = (name: string, points: number) => new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds });

  let store: RateLimitStore;
  let build: (name: string, points: number) => Promise<Limiter>;
  let close: () => Promise<void>;
  let ping: (() => Promise<void>) | undefined;

  if (config.redisUrl) {
    store = 'redis';
    const redis = await connectRedis(config.redisUrl, config.redisTimeoutMs, log);
    // Client ids restart at 1 in every database: deployments sharing one Redis must not share buckets.
    const namespace = await deploymentNamespace(orm);
    const fallback = onceWarning(log, 'rate-limit store unavailable: using in-process counters until it answers', { store });
    redis.on('ready', () => fallback.rearm());
    build = async (name, points) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `uv:${namespace}:${name}`,
        points,
        duration: windowSeconds,
        // Not connected: go to the fallback at once instead of failing a command.
        rejectIfRedisNotReady: true,
        // Once a bucket is over, this process answers 429 from memory until the window ends.
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: new FallbackLimiter({ keyPrefix: name, points, duration: windowSeconds }, () => fallback.warn()),
      });
    close = async () => redis.disconnect();
    ping = async () => void (await redis.ping());
  } else if (config.databaseUrl) {
    store = 'postgresql';
    // A small pool of its own: limiter statements never wait behind the ORM's long transactions.
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: RATE_LIMIT_POOL_SIZE, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    pool.on('error', (error) => log.warn('rate-limit pool connection error', { error: error.message }));
    const fallback = onceWarning(log, 'rate-limit store unavailable: using in-process counters', { store });
    const built: RateLimiterPostgres[] = [];
    build = (name, points) =>
      new Promise<Limiter>((resolve, reject) => {
        // The constructor creates the table if needed (CREATE TABLE IF NOT EXISTS) and calls back.
        const limiter: RateLimiterPostgres = new RateLimiterPostgres(
          {
            storeClient: pool,
            storeType: 'pool',
            tableName: RATE_LIMIT_TABLE,
            keyPrefix: name,
            points,
            duration: windowSeconds,
            inMemoryBlockOnConsumed: points + 1,
            insuranceLimiter: new FallbackLimiter({ keyPrefix: name, points, duration: windowSeconds }, () => fallback.warn()),
          },
          (error) => (error ? reject(error) : resolve(limiter as unknown as Limiter)),
        );
        built.push(limiter);
      });
    close = async () => {
      // Each limiter purges long-expired rows every 5 minutes on an unref'd timer; stop it with the pool.
      for (const limiter of built) clearTimeout((limiter as unknown as { _clearExpiredTimeoutId?: NodeJS.Timeout })._clearExpiredTimeoutId);
      await pool.end();
    };
  } else {
    store = 'memory';
    build = async (name, points) => memory(name, points) as unknown as Limiter;
    close = async () => {};
  }

  try {
    const built = limits[0].points > 0 ? await build(limits[0].name, limits[0].points) : undefined;
    // Shared stores: units leased a few at a time under load, exact all the same (allowance.ts).
    const api = built && store !== 'memory' ? leasing(built) : built;
    const tokenFailures = await build(limits[1].name, limits[1].points);
    const tokenClientFailures = await build(limits[2].name, limits[2].points);
    return { store, windowSeconds, api, tokenFailures, tokenClientFailures, close, ...(ping ? { ping } : {}) };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * ioredis tuned so a stalled or dead Redis costs a request at most ~`timeoutMs` (REDIS_TIMEOUT_MS, 100 ms
 * by default): no offline queue, a short command timeout, a stalled connection dropped after five of
 * them, one retry, fast reconnects, and an `error` listener (an unhandled `error` event would end the
 * process).
 */
async function connectRedis(url: string, timeoutMs: number, log: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    socketTimeout: timeoutMs * REDIS_STALL_TIMEOUTS,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_WAIT_MS,
    retryStrategy: redisRetry,
  });
  const errors = onceWarning(log, 'redis connection error', {});
  redis.on('error', (error: Error) => errors.warn({ error: error.message }));
  redis.on('ready', () => errors.rearm());
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), REDIS_CONNECT_WAIT_MS);
      }),
    ]);
  } catch {
    // ioredis keeps reconnecting in the background; until then the fallback answers.
    log.warn('redis not reachable at startup: rate limits are per process until it answers');
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/**
 * A random id for this deployment, kept in the database like the signing key, so every process of one
 * deployment agrees and other deployments on the same Redis never collide.
 */
const deploymentNamespace = (orm: MikroORM) => settingOnce(orm, NAMESPACE_SETTING, () => randomBytes(6).toString('hex'));
