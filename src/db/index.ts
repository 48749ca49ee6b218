import fs from 'node:fs';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/sql';
import pg from 'pg';
import { ConfigError, type Config } from '../config.ts';
import { ormOptions, type OrmOverrides } from '../../mikro-orm.config.ts';
import { EXIT } from '../exit-codes.ts';
import { migrationsList } from '../migrations/index.ts';
import { StartupError } from '../startup.ts';
import { sqlStateOf } from './errors.ts';
import { lockDataDir, type DataDirLock } from './lock.ts';
import { setWritePolicy } from './transaction.ts';

export { DataDirLockedError } from './lock.ts';

export interface Database {
  orm: MikroORM;
  /** true when this is the embedded PGlite database in DATA_DIR (not a test-supplied instance). */
  embedded: boolean;
  /**
   * Runs `fn` while no other process of this deployment runs its own `exclusive` section (PostgreSQL:
   * an advisory lock; the embedded database has one process anyway). Migrations and the demo seed run
   * in one, so simultaneous first starts migrate and seed once.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default: MIGRATE_ON_START); false only checks that none are pending. */
  migrate?: boolean;
}

/** pg_advisory_lock key of the start-up section (any constant; advisory locks are per database). */
const STARTUP_LOCK_KEY = 7_302_914_051;
const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Opens the database the configuration names, applies pending migrations (or, with MIGRATE_ON_START=0,
 * checks there are none), and returns a handle whose close() also releases the PGlite directory lock.
 * Failures an operator can act on become a StartupError (one line, an exit code) or a ConfigError.
 */
export async function openDatabase(config: Config, overrides: OrmOverrides = {}, options: OpenOptions = {}): Promise<Database> {
  const embedded = !config.databaseUrl && !overrides.pglite;
  const postgres = Boolean(config.databaseUrl) && !overrides.pglite;
  const exclusive = <T>(fn: () => Promise<T>) => (postgres ? withAdvisoryLock(config, fn) : fn());
  let lock: DataDirLock | undefined;
  if (embedded) {
    prepareDataDir(config.dataDir);
    lock = lockDataDir(config.dataDir);
  }
  try {
    const orm = await MikroORM.init(ormOptions(config, overrides)).catch((error: unknown) => {
      throw databaseFailure(error, config);
    });
    setWritePolicy(orm, {
      concurrency: config.dbWriteConcurrency,
      queueTimeoutMs: config.dbWriteQueueTimeoutMs,
      lockTimeoutMs: config.dbLockTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    });
    try {
      const migrate = options.migrate ?? config.migrateOnStart;
      await exclusive(async () => (migrate ? void (await orm.migrator.up()) : assertMigrated(orm)));
      if (postgres) await assertSafeIds(orm);
    } catch (error) {
      await orm.close(true);
      throw databaseFailure(error, config);
    }
    return {
      orm,
      embedded,
      exclusive,
      async close() {
        try {
          await orm.close(true);
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** DATA_DIR must be (or become) a directory in a writable parent. */
function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    if (fs.existsSync(dataDir) && !fs.statSync(dataDir).isDirectory()) {
      throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    }
    fs.accessSync(path.dirname(dataDir), fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`DATA_DIR ${dataDir} cannot be used (${code}): it must be a directory, or creatable, and writable`);
  }
}

/**
 * Holds a PostgreSQL advisory lock on a session of its own while `fn` runs. The lock goes with the
 * session, so a process that dies while holding it does not block the others.
 */
async function withAdvisoryLock<T>(config: Config, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: config.dbAcquireTimeoutMs });
  // A dropped session only ends the lock early; fn's own queries report a database that went away.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
    return await fn();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** MIGRATE_ON_START=0: read (never create) the migrations table; stop when something is pending. */
async function assertMigrated(orm: MikroORM): Promise<void> {
  const db = orm.em.getConnection();
  const [{ present }] = await db.execute<[{ present: string | null }]>(`select to_regclass(?) as present`, [MIGRATIONS_TABLE]);
  const executed = present ? new Set((await db.execute<Array<{ name: string }>>(`select name from ${MIGRATIONS_TABLE}`)).map((r) => r.name)) : new Set<string>();
  const pending = migrationsList.filter((m) => !executed.has(m.name)).length;
  if (pending > 0) {
    throw new StartupError(
      `database not migrated: ${pending} pending migration${pending === 1 ? '' : 's'} and MIGRATE_ON_START=0; run \`npm run cli -- migrate\` first`,
      EXIT.database,
    );
  }
}

/**
 * Ids travel as JSON numbers and JS numbers: past 2^53 they would be rounded silently (RELIABILITY.md
 * F16). The schema's ids are integer (serial); a database whose id sequences can pass 2^53 (widened to
 * bigint, or a CockroachDB-style INT) is refused at start rather than served with wrong ids.
 */
async function assertSafeIds(orm: MikroORM): Promise<void> {
  const rows = await orm.em
    .getConnection()
    .execute<Array<{ name: string }>>(`select sequencename as name from pg_sequences where schemaname = current_schema() and max_value > ${Number.MAX_SAFE_INTEGER} order by 1`);
  if (rows.length > 0) {
    throw new StartupError(
      `database ids can exceed 2^53 (sequence ${rows.map((r) => r.name).join(', ')} allows values above ${Number.MAX_SAFE_INTEGER}), which JSON clients cannot read exactly; give it a MAXVALUE of at most ${Number.MAX_SAFE_INTEGER}`,
      EXIT.database,
    );
  }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '53300']);

/** Turns a failure to open PostgreSQL into the one line an operator needs; other errors pass through. */
function databaseFailure(error: unknown, config: Config): unknown {
  if (error instanceof StartupError || error instanceof ConfigError || !config.databaseUrl) return error;
  const url = new URL(config.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || url.username;
  const where = `${url.hostname}:${url.port || 5432}`;
  const code = sqlStateOf(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (code === '3D000') {
    return new StartupError(`configuration error: DATABASE_URL names database "${name}", which does not exist on ${where} (create it first, e.g. createdb ${name})`, EXIT.config);
  }
  if (code === '28P01' || code === '28000') return new StartupError(`configuration error: DATABASE_URL: ${where} refused the login (${code})`, EXIT.config);
  if ((code && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) || /timeout|terminated|connect/i.test(message ?? '')) {
    return new StartupError(`database unreachable: ${where} (${code ?? message})`, EXIT.database);
  }
  return error;
}
