import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from '../../src/db/pglite-extensions.ts';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createClient, type IssuedCredentials } from '../../src/auth/clients.ts';
import { onServer, uniqueSuffix, withDatabase } from '../setup/databases.ts';

/** A signing key the tests know, so they can forge tokens for the negative cases. */
export const TEST_TOKEN_SECRET = 'test-signing-key-0123456789abcdef-0123456789abcdef';

export interface TestDatabase {
  /** Set in PostgreSQL mode: the URL of this file's own database. */
  databaseUrl?: string;
  /** Set in PGlite mode: this file's own in-memory instance. */
  pglite?: PGlite;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file: a copy of the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const postgresUrl = inject('postgresUrl');
  if (postgresUrl) {
    const name = `${inject('runPrefix')}_${uniqueSuffix()}`;
    await onServer(postgresUrl, (c) => c.query(`create database "${name}" template "${inject('postgresTemplate')}"`));
    return {
      databaseUrl: withDatabase(postgresUrl, name),
      drop: () => onServer(postgresUrl, async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))),
    };
  }
  const pglite = await PGlite.create({ loadDataDir: new Blob([fs.readFileSync(inject('pgliteTemplate'))]), extensions: pgliteExtensions });
  return { pglite, drop: async () => void (pglite.closed || (await pglite.close())) };
}

export interface TestApp {
  url: string;
  config: Config & { publicUrl: string };
  server: RunningServer;
  /** Every SQL statement the app ran since the last `sql.length = 0`. */
  sql: string[];
  /**
   * The server's clock: `now` pins it; otherwise it is the system clock plus `offsetMs`. Moving
   * `offsetMs` ahead makes every later write (entity and SQL timestamps alike) newer than everything
   * before it, without sleeping.
   */
  clock: { now: number | undefined; offsetMs: number };
  /** Takes the database away under the running server (PGlite closed, PostgreSQL database dropped). */
  breakDatabase(): Promise<void>;
  /** Creates an API client the way the CLI does. */
  createClient(name?: string): Promise<IssuedCredentials>;
  /** A fresh client and a Bearer token for it, through the real token endpoint. */
  token(): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Collect the server's log lines (at level info) instead of discarding them. */
  logs?: string[];
  /** Rate-limit window length in seconds (default one minute). */
  rateLimitWindowSeconds?: number;
  /** Runs on the fresh database before the server opens it (e.g. ALTER DATABASE … SET). */
  beforeStart?: (database: TestDatabase) => Promise<void>;
}

/** The real server on 127.0.0.1 and a free port, over this file's own database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  await options.beforeStart?.(database);
  const uploadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-test-uploads-'));
  const config = loadConfig({
    UPLOADS_DIR: uploadsDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Limiter on (headers on every response) but out of reach; rate-limit tests set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    TOKEN_SECRET: TEST_TOKEN_SECRET,
    // No webhook polling unless a test asks: its queries would land in statement counts.
    HOOK_POLL_INTERVAL_MS: '0',
    // Nor row-count folds (tests that need one call db/row-counts.ts foldRowCounts).
    COUNT_FOLD_INTERVAL_MS: '0',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...options.env,
  });
  const sql: string[] = [];
  const clock: TestApp['clock'] = { now: undefined, offsetMs: 0 };
  const server = await startServer(config, {
    log: options.logs ? createLogger('info', (line) => options.logs!.push(line)) : createLogger(config.logLevel),
    orm: { pglite: database.pglite, onQuery: (line) => sql.push(line) },
    clock: () => clock.now ?? Date.now() + clock.offsetMs,
    rateLimitWindowSeconds: options.rateLimitWindowSeconds,
  });
  const app: TestApp = {
    url: server.url,
    // Payload URLs default to the bound address, which is only known once the server listens.
    config: { ...config, publicUrl: config.publicUrl ?? server.url },
    server,
    sql,
    clock,
    breakDatabase: () => database.drop(),
    createClient: (name = 'test client') => createClient(server.db.orm.em.fork(), name, config.ownerEmail),
    async token() {
      const creds = await app.createClient();
      const response = await fetch(`${server.url}/api/v2/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
      });
      const body = (await response.json()) as { access_token: string };
      if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
      return body.access_token;
    },
    async close() {
      await server.shutdown();
      await database.drop();
      fs.rmSync(uploadsDir, { recursive: true, force: true });
    },
  };
  return app;
}
