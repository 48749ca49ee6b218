import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../../src/db/pglite-extensions.ts';
import { MikroORM } from '@mikro-orm/sql';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { ormOptions } from '../../mikro-orm.config.ts';
import { onServer, uniqueSuffix, withDatabase } from './databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite mode: a migrated data directory dump every test file loads its own copy from. */
    pgliteTemplate: string;
    /** PostgreSQL mode: the server URL and the migrated template database each test file copies. */
    postgresUrl: string;
    postgresTemplate: string;
    /** Prefix of every database this run creates (all dropped at the end). */
    runPrefix: string;
  }
}

/**
 * Once per run: build a migrated database template, so each test file gets a fresh copy in well under
 * a second instead of running initdb and migrations itself.
 */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const runPrefix = `uvt_${uniqueSuffix()}`;
  project.provide('runPrefix', runPrefix);
  project.provide('postgresUrl', config.databaseUrl ?? '');
  project.provide('pgliteTemplate', '');
  project.provide('postgresTemplate', '');

  if (config.databaseUrl) {
    const url = config.databaseUrl;
    const template = `${runPrefix}_tpl`;
    await onServer(url, (c) => c.query(`create database "${template}"`));
    const orm = await MikroORM.init(ormOptions({ ...config, databaseUrl: withDatabase(url, template) }));
    await orm.migrator.up();
    await orm.close(true);
    project.provide('postgresTemplate', template);
    return async () => {
      await onServer(url, async (c) => {
        const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${runPrefix}%`]);
        for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
      });
    };
  }

  const pglite = await PGlite.create({ extensions: pgliteExtensions });
  const orm = await MikroORM.init(ormOptions(config, { pglite }));
  await orm.migrator.up();
  await orm.close(true);
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const file = path.join(os.tmpdir(), `${runPrefix}.tar`);
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return () => fs.rmSync(file, { force: true });
}
