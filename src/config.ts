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
  /** Where attachment bytes live: `uploadsDir` on disk, or an S3-compatible bucket (STORAGE_URL / S3_*). */
  storage: StorageConfig;
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
  /** Memory for whole rendered GET responses of the admin API, in bytes (least recently used out); 0: off. */
  responseCacheBytes: number;
  /** How often each process looks for due webhook deliveries (ms); 0: this process delivers none. */
  hookPollMs: number;
  /** How often row-count deltas are folded (src/db/row-counts.ts); 0: never by this process. */
  countFoldMs: number;
  /** Time allowed for one webhook request, connection to last byte read (ms). */
  hookTimeoutMs: number;
}

export type StorageConfig = { kind: 'local' } | S3Config;

export interface S3Config {
  kind: 's3';
  bucket: string;
  /** Prepended to every storage key ('' or ending in '/'), so one bucket can serve several deployments. */
  prefix: string;
  /** undefined: AWS S3 itself (the SDK derives the host from the region). */
  endpoint: string | undefined;
  region: string;
  /** Path-style URLs (`endpoint/bucket/key`): MinIO, Garage and most self-hosted servers need them. */
  forcePathStyle: boolean;
  /** undefined: the SDK's own chain (instance or task role, web identity, shared config). Never logged. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
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

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * STORAGE_URL (`s3://bucket/prefix?endpoint=…&region=…&force_path_style=1`) or the separate S3_*
 * variables; neither selects the local UPLOADS_DIR. Credentials only come from their own variables:
 * a URL is the kind of value that ends up in logs and process listings, so one carrying a secret is
 * refused, and no error message here repeats a value that could hold one.
 */
function storage(env: Env): StorageConfig {
  const raw = env.STORAGE_URL?.trim();
  const separate = env.S3_BUCKET?.trim();
  if (!raw && !separate) return { kind: 'local' };
  if (raw && separate) throw new ConfigError('set either STORAGE_URL or S3_BUCKET, not both');
  let bucket: string;
  let prefix = '';
  let params = new URLSearchParams();
  if (raw) {
    if (/^(file|local):/.test(raw)) throw new ConfigError('STORAGE_URL takes s3://…; for local storage leave it unset and set UPLOADS_DIR');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('STORAGE_URL must look like s3://bucket/optional-prefix?endpoint=…&region=…');
    }
    if (url.protocol !== 's3:') throw new ConfigError('STORAGE_URL must start with s3://');
    if (url.username || url.password) throw new ConfigError('STORAGE_URL must not contain credentials; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
    bucket = url.hostname;
    prefix = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    params = url.searchParams;
    for (const name of params.keys()) {
      if (!['endpoint', 'region', 'force_path_style'].includes(name)) throw new ConfigError(`STORAGE_URL has an unknown parameter "${name}" (endpoint, region, force_path_style)`);
    }
  } else {
    bucket = separate!;
    prefix = env.S3_PREFIX?.trim() ?? '';
    for (const [name, variable] of [['endpoint', 'S3_ENDPOINT'], ['region', 'S3_REGION'], ['force_path_style', 'S3_FORCE_PATH_STYLE']]) {
      const value = env[variable!]?.trim();
      if (value) params.set(name!, value);
    }
  }
  if (!BUCKET.test(bucket)) throw new ConfigError(`the S3 bucket name "${bucket}" is not valid (3–63 lower-case letters, digits, dots and hyphens)`);
  prefix = prefix.replace(/^\/+|\/+$/g, '');
  if (prefix && !/^[A-Za-z0-9._\/-]{1,200}$/.test(prefix)) throw new ConfigError('the S3 key prefix may hold only letters, digits, ".", "_", "-" and "/"');
  const endpoint = params.get('endpoint')?.trim() || undefined;
  if (endpoint !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new ConfigError('the S3 endpoint must be an http:// or https:// URL');
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new ConfigError('the S3 endpoint must be an http:// or https:// URL');
    if (parsed.username || parsed.password) throw new ConfigError('the S3 endpoint must not contain credentials; set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
  }
  const pathStyleName = raw ? 'STORAGE_URL force_path_style' : 'S3_FORCE_PATH_STYLE';
  const forcePathStyle = bool({ [pathStyleName]: params.get('force_path_style') ?? undefined }, pathStyleName);
  const accessKeyId = env.S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) throw new ConfigError('set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
  return {
    kind: 's3',
    bucket,
    prefix: prefix ? `${prefix}/` : '',
    endpoint: endpoint?.replace(/\/+$/, ''),
    // R2 and most self-hosted servers ignore the region but the signature needs one.
    region: params.get('region')?.trim() || env.AWS_REGION?.trim() || 'us-east-1',
    // A custom endpoint is usually a self-hosted server, where bucket host names do not resolve.
    forcePathStyle: forcePathStyle ?? endpoint !== undefined,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
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
    storage: storage(env),
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
    responseCacheBytes: int(env, 'RESPONSE_CACHE_BYTES', 32 * 1024 * 1024),
    hookPollMs: int(env, 'HOOK_POLL_INTERVAL_MS', 1_000, 0),
    countFoldMs: int(env, 'COUNT_FOLD_INTERVAL_MS', 5_000, 0),
    hookTimeoutMs: int(env, 'HOOK_TIMEOUT_MS', 10_000, 100),
  });
}
