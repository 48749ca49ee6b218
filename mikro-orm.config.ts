import type { Options } from '@mikro-orm/sql';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from './src/config.ts';
import { entities } from './src/entities/index.ts';
import { migrationsList } from './src/migrations/index.ts';
import { RATE_LIMIT_TABLE } from './src/limits/limiters.ts';
import { pgliteExtensions } from './src/db/pglite-extensions.ts';
import { seeStatement } from './src/cache/reads.ts';
import { preparedNames } from './src/db/prepared.ts';
import { PgClient } from './src/db/pg-client.ts';

export interface OrmOverrides {
  /** Hand the ORM an already-open PGlite (tests give each file its own in-memory copy). */
  pglite?: PGlite;
  /** Receives every SQL statement (tests count them to catch N+1). */
  onQuery?: (sql: string) => void;
}

/**
 * Every statement, from the ORM and from `em.getKysely()` alike, runs through a Kysely connection:
 * wrapping `executeQuery` there sees them all (the ORM's logger does not see raw Kysely queries). The
 * response cache learns from them which tables a GET read (src/cache/reads.ts); tests count them. On
 * PostgreSQL, long statements run there as named prepared statements (src/db/prepared.ts).
 */
function observeQueries(onQuery: ((sql: string) => void) | undefined, prepare: boolean) {
  return async (connection: unknown) => {
    const c = connection as { executeQuery: (query: { sql: string }) => Promise<unknown> };
    const execute = c.executeQuery.bind(c);
    // node-postgres takes `{ name, text }` where Kysely passes the text: a named, prepared statement.
    const preparedName = prepare ? preparedNames() : undefined;
    const run = preparedName
      ? (query: { sql: string }) => {
          const name = preparedName(query.sql);
          return execute(name ? ({ ...query, sql: { name, text: query.sql } } as unknown as { sql: string }) : query);
        }
      : execute;
    c.executeQuery = (query) => {
      onQuery?.(query.sql);
      seeStatement(query.sql);
      return run(query);
    };
  };
}

/**
 * One entity set and one migration history for both drivers: PostgreSQL when DATABASE_URL is set,
 * otherwise PGlite persisted in DATA_DIR.
 */
export function ormOptions(config: Config, overrides: OrmOverrides = {}): Options {
  const common: Options = {
    entities,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      path: 'src/migrations',
      snapshot: true,
      snapshotOnMigrate: false,
      snapshotName: '.snapshot',
      silent: true,
    },
    // The rate limiter creates and owns its counter table (PostgreSQL only): schema diffs must not drop it.
    schemaGenerator: { skipTables: [RATE_LIMIT_TABLE] },
    // Rows are read through Kysely on the hot paths; entities only on writes, one level deep.
    loadStrategy: 'select-in',
    allowGlobalContext: false,
    debug: false,
    logger: () => {},
    colors: false,
  };
  if (overrides.pglite) {
    return { ...common, onCreateConnection: observeQueries(overrides.onQuery, false), driver: PgliteDriver, dbName: 'memory://', driverOptions: { pglite: overrides.pglite } };
  }
  if (config.databaseUrl) {
    return {
      ...common,
      driver: PostgreSqlDriver,
      onCreateConnection: observeQueries(overrides.onQuery, true),
      clientUrl: config.databaseUrl,
      // A DATABASE_URL naming a database that does not exist is an error, never a new empty database.
      ensureDatabase: false,
      pool: { min: 0, max: config.dbPoolSize, idleTimeoutMillis: 30_000 },
      // A request waits at most this long for a pooled connection instead of hanging forever (then 503).
      // PostgreSQL's default, whatever the server's configuration says: unnamed statements (list pages with
      // conditions or another order) are planned for their parameters; the prepared ones (records by id,
      // unconditioned pages in id order: src/db/prepared.ts) may keep a generic plan after five runs.
      // `force_generic_plan` would reach the unnamed ones too: PostgreSQL applies it to every statement
      // sent with parameters, named or not.
      // PgClient: the same driver, with fewer objects outliving the young generation (src/db/pg-client.ts).
      driverOptions: { Client: PgClient, connectionTimeoutMillis: config.dbAcquireTimeoutMs, options: '-c plan_cache_mode=auto' },
    };
  }
  return { ...common, onCreateConnection: observeQueries(overrides.onQuery, false), driver: PgliteDriver, dbName: config.dataDir, driverOptions: { extensions: pgliteExtensions } };
}
