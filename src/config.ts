import path from 'node:path';

/** Everything the server reads from its environment. This module is the only reader of `process.env`. */
export interface Config {
  port: number;
  host: string;
  /** Base of URLs in payloads; undefined: the address the server actually listens on. */
  publicUrl: string | undefined;
  /** `postgres://…` selects PostgreSQL; undefined selects embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  uploadsDir: string;
  /** Unlinked uploads older than this many seconds are removed by the sweeper. */
  attachmentOrphanTtl: number;
  /** HMAC key for access tokens; undefined means "generate once and keep it in the database". */
  tokenSecret: string | undefined;
  /** Access-token lifetime in seconds. */
  tokenTtl: number;
  /** Per-client request budget per minute; 0 disables the per-client limit (and its headers). */
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  /** How long a Redis command may take before the in-process fallback answers instead (ms). */
  redisTimeoutMs: number;
  /** undefined = default (seed an empty embedded database, never seed PostgreSQL). */
  seedDemo: boolean | undefined;
  logLevel: LogLevel;
  /** `json` or `pretty`; undefined: pretty when stdout is a terminal (log.ts). */
  logFormat: LogFormat | undefined;
  /** Bearer token that may read /metrics; undefined: /metrics is off (404). */
  metricsToken: string | undefined;
  /** Upper bound on the SIGTERM drain, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Largest JSON or form body accepted, in bytes. */
  bodyLimitBytes: number;
  /** A request body (upload or other) that sends nothing for this long is cut with 408 (ms). */
  bodyIdleTimeoutMs: number;
  /** Time to receive a whole request body other than an upload (ms); uploads have only the idle timeout. */
  requestTimeoutMs: number;
  trustProxy: boolean;
  /** Email address of the account owner (the user API clients act as) when it is created without the demo data. */
  ownerEmail: string;
  /** PostgreSQL connections in the ORM's pool. */
  dbPoolSize: number;
  /** Write transactions running at once, below the pool size so reads always find a connection. */
  dbWriteConcurrency: number;
  /** How long a request waits for a pooled connection before it is answered 503 (ms). */
  dbAcquireTimeoutMs: number;
  /** How long a write waits for one of the dbWriteConcurrency slots before it is answered 503 (ms). */
  dbWriteQueueTimeoutMs: number;
  /** `lock_timeout` of each write transaction (ms): a row lock not granted by then answers 503. */
  dbLockTimeoutMs: number;
  /** `statement_timeout` of each write transaction (ms). */
  dbStatementTimeoutMs: number;
  /** false: the server does not migrate at start (MIGRATE_ON_START=0; run `cli migrate` instead). */
  migrateOnStart: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min) throw new ConfigError(`${name} must be at least ${min}`);
  return value;
}

function bool(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 0 or 1, got "${env[name]}"`);
}

/** TOKEN_TTL accepts seconds ("3600") or a unit suffix ("30d", "12h", "15m"). */
function duration(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be seconds or a number with s/m/h/d, got "${raw}"`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds < 1) throw new ConfigError(`${name} must be at least one second`);
  return seconds;
}

/** The demo data's owner (fixtures/demo.json), so a fresh server's owner and the demo's agree. */
export const DEFAULT_OWNER_EMAIL = 'anna@example.com';

/** Shortest METRICS_TOKEN: it is a bearer credential, so it must not be guessable. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** Minimum HMAC key length (RFC 8725 §3.5: at least 256 bits of key material). */
export const MIN_TOKEN_SECRET_LENGTH = 32;

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000);
  if (port > 65535) throw new ConfigError('PORT must be at most 65535');
  const host = env.HOST?.trim() || '0.0.0.0';
  const publicUrl = env.PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined;
  const tokenSecret = env.TOKEN_SECRET || undefined;
  if (tokenSecret !== undefined && tokenSecret.length < MIN_TOKEN_SECRET_LENGTH) {
    throw new ConfigError(`TOKEN_SECRET must be at least ${MIN_TOKEN_SECRET_LENGTH} characters`);
  }
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env.LOG_FORMAT?.trim().toLowerCase() || undefined) as LogFormat | undefined;
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError('LOG_FORMAT must be json or pretty');
  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && (metricsToken.length < MIN_METRICS_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(metricsToken))) {
    throw new ConfigError(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} visible ASCII characters`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const ownerEmail = env.OWNER_EMAIL?.trim().toLowerCase() || DEFAULT_OWNER_EMAIL;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(ownerEmail) || ownerEmail.length > 320) {
    throw new ConfigError(`OWNER_EMAIL must be an email address, got "${env.OWNER_EMAIL}"`);
  }
  const dbPoolSize = int(env, 'DB_POOL_SIZE', 10, 2);
  const dbWriteConcurrency = int(env, 'DB_WRITE_CONCURRENCY', Math.max(1, Math.floor(dbPoolSize / 2)), 1);
  if (dbWriteConcurrency >= dbPoolSize) throw new ConfigError('DB_WRITE_CONCURRENCY must be less than DB_POOL_SIZE (reads need connections too)');
  return Object.freeze({
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR?.trim() || './data'),
    uploadsDir: path.resolve(env.UPLOADS_DIR?.trim() || './uploads'),
    attachmentOrphanTtl: duration(env, 'ATTACHMENT_ORPHAN_TTL', 24 * 3600),
    tokenSecret,
    tokenTtl: duration(env, 'TOKEN_TTL', 30 * 86400),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 300, 0),
    redisUrl: env.REDIS_URL?.trim() || undefined,
    redisTimeoutMs: int(env, 'REDIS_TIMEOUT_MS', 100, 10),
    seedDemo: bool(env, 'SEED_DEMO'),
    logLevel,
    logFormat,
    metricsToken,
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_000_000, 1024),
    bodyIdleTimeoutMs: int(env, 'BODY_IDLE_TIMEOUT_MS', 30_000, 100),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 300_000, 100),
    trustProxy: bool(env, 'TRUST_PROXY') ?? false,
    ownerEmail,
    dbPoolSize,
    dbWriteConcurrency,
    dbAcquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 5_000, 1),
    dbWriteQueueTimeoutMs: int(env, 'DB_WRITE_QUEUE_TIMEOUT_MS', 10_000, 1),
    dbLockTimeoutMs: int(env, 'DB_LOCK_TIMEOUT_MS', 2_000, 1),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 15_000, 1),
    migrateOnStart: bool(env, 'MIGRATE_ON_START') ?? true,
  });
}
