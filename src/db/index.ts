import fs from 'node:fs';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/sql';
import type { Config } from '../config.ts';
import { ormOptions, type OrmOverrides } from '../../mikro-orm.config.ts';
import { lockDataDir, type DataDirLock } from './lock.ts';
import { setWritePolicy } from './transaction.ts';

export { DataDirLockedError } from './lock.ts';

export interface Database {
  orm: MikroORM;
  /** true when this is the embedded PGlite database in DATA_DIR (not a test-supplied instance). */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the database the configuration names, applies pending migrations, and returns a handle whose
 * close() also releases the PGlite directory lock.
 */
export async function openDatabase(config: Config, overrides: OrmOverrides = {}): Promise<Database> {
  const embedded = !config.databaseUrl && !overrides.pglite;
  let lock: DataDirLock | undefined;
  if (embedded) {
    fs.mkdirSync(path.dirname(config.dataDir), { recursive: true });
    lock = lockDataDir(config.dataDir);
  }
  try {
    const orm = await MikroORM.init(ormOptions(config, overrides));
    setWritePolicy(orm, {
      concurrency: config.dbWriteConcurrency,
      acquireTimeoutMs: config.dbAcquireTimeoutMs,
      lockTimeoutMs: config.dbLockTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
    });
    try {
      await orm.migrator.up();
    } catch (error) {
      await orm.close(true);
      throw error;
    }
    return {
      orm,
      embedded,
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
