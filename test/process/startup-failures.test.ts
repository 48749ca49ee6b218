/**
 * Failing to start, as an operator sees it (issue 14 points 9–12): every start-up failure is ONE line
 * on stderr and a documented exit code (README, Exit codes) — in the server and in the CLI; the demo
 * credentials are not lost to a port already in use; a DATABASE_URL naming no database is an error
 * (not a new empty database); and simultaneous first starts on one PostgreSQL database all come up.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  POSTGRES_MODE,
  childDatabase,
  killAllChildren,
  runCli,
  runServerToExit,
  startServer,
  tempDataDir,
  type ChildDatabase,
  type CliResult,
  type ServerProcess,
} from '../helpers/process.ts';
import { migrationsList } from '../../src/migrations/index.ts';
import { onServer, uniqueSuffix, withDatabase } from '../setup/databases.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { isEmpty, seedDemo } from '../../src/seed.ts';

const TIMEOUT = 120_000;
const POSTGRES_URL = process.env.DATABASE_URL?.trim() ?? '';

const EXIT = { config: 4, database: 6, address: 7 };

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await killAllChildren();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function freshDatabase(): Promise<ChildDatabase> {
  const db = await childDatabase();
  cleanups.push(() => db.cleanup());
  return db;
}

/** An empty PostgreSQL database (no schema at all), dropped after the file. */
async function emptyPostgresDatabase(): Promise<string> {
  const name = `uvt_empty_${uniqueSuffix()}`;
  await onServer(POSTGRES_URL, (c) => c.query(`create database "${name}"`));
  cleanups.push(() => onServer(POSTGRES_URL, async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))));
  return withDatabase(POSTGRES_URL, name);
}

/** Exactly one line on stderr, nothing that looks like a stack trace, nothing on stdout. */
function expectOneLine(result: CliResult, code: number, pattern: RegExp): void {
  const detail = `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
  expect(result.code, detail).toBe(code);
  expect(result.stderr.endsWith('\n'), detail).toBe(true);
  expect(result.stderr.slice(0, -1).split('\n'), detail).toHaveLength(1);
  expect(result.stderr, detail).toMatch(pattern);
  expect(result.stderr, detail).not.toMatch(/\bat .*:\d+:\d+|node:internal|file:\/\//);
  expect(result.stdout, detail).toBe('');
}

/**
 * SIGTERM, once the server answers: a signal sent the moment the banner appears can still find the
 * process without its handler (the shutdown path is another part of issue 14).
 */
async function stopWhenUp(server: ServerProcess) {
  expect((await request(server.url, 'GET', '/health')).status).toBe(200);
  return server.stop('SIGTERM');
}

/** A TCP port taken by another listener for the duration of `fn`. */
async function withPortTaken<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    return await fn((blocker.address() as net.AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
}

describe('configuration errors: exit 4 and one line, in the server and the CLI', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['PORT not a number', { PORT: 'eighty' }, /^configuration error: PORT must be a whole number/],
    ['PORT too large', { PORT: '70000' }, /^configuration error: PORT must be at most 65535/],
    ['TOKEN_SECRET too short', { TOKEN_SECRET: 'short' }, /^configuration error: TOKEN_SECRET must be at least 32 characters/],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /^configuration error: LOG_LEVEL must be one of/],
    ['TOKEN_TTL malformed', { TOKEN_TTL: 'soon' }, /^configuration error: TOKEN_TTL must be seconds/],
    ['SEED_DEMO not a flag', { SEED_DEMO: 'maybe' }, /^configuration error: SEED_DEMO must be 0 or 1/],
    ['MIGRATE_ON_START not a flag', { MIGRATE_ON_START: 'sometimes' }, /^configuration error: MIGRATE_ON_START must be 0 or 1/],
    ['DATABASE_URL not PostgreSQL', { DATABASE_URL: 'mysql://root@127.0.0.1/app' }, /^configuration error: DATABASE_URL must start with postgres:\/\//],
  ];
  for (const [name, env, pattern] of cases) {
    it(
      name,
      async () => {
        const dir = tempDataDir();
        cleanups.push(() => dir.cleanup());
        expectOneLine(await runServerToExit({ ...dir.env, ...env }), EXIT.config, pattern);
        expectOneLine(await runCli(['clients', 'list'], { ...dir.env, ...env }), EXIT.config, pattern);
        // Nothing was created on the way to the error.
        expect(fs.existsSync(dir.dataDir!)).toBe(false);
      },
      TIMEOUT,
    );
  }

  it(
    'DATA_DIR that cannot be a directory (its parent is a file)',
    async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-bad-data-dir-'));
      cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
      fs.writeFileSync(path.join(root, 'file'), 'not a directory');
      // The uploads directory exists (it is checked before DATA_DIR): only DATA_DIR is wrong.
      fs.mkdirSync(path.join(root, 'uploads'));
      const env = { DATA_DIR: path.join(root, 'file', 'data'), UPLOADS_DIR: path.join(root, 'uploads') };
      expectOneLine(await runServerToExit(env), EXIT.config, /^configuration error: DATA_DIR .*file\/data/);
      expectOneLine(await runCli(['clients', 'list'], env), EXIT.config, /^configuration error: DATA_DIR .*file\/data/);
    },
    TIMEOUT,
  );

  it(
    'HOST that is no address of this machine',
    async () => {
      const dir = tempDataDir();
      cleanups.push(() => dir.cleanup());
      // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
      expectOneLine(await runServerToExit({ ...dir.env, HOST: '192.0.2.1' }), EXIT.config, /^configuration error: HOST 192\.0\.2\.1/);
      expectOneLine(await runServerToExit({ ...dir.env, HOST: 'no-such-host.invalid' }), EXIT.config, /^configuration error: HOST no-such-host\.invalid/);
    },
    TIMEOUT,
  );
});

describe('an unreachable database: exit 6 and one line', () => {
  it(
    'PostgreSQL refusing connections, in the server and the CLI',
    async () => {
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/uservoice', UPLOADS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'uv-uploads-')) };
      const pattern = /^database unreachable: .*127\.0\.0\.1:1/;
      expectOneLine(await runServerToExit(env), EXIT.database, pattern);
      expectOneLine(await runCli(['clients', 'list'], env), EXIT.database, pattern);
      expectOneLine(await runCli(['migrate'], env), EXIT.database, pattern);
    },
    TIMEOUT,
  );
});

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: these need a PostgreSQL server to name databases on.
  'DATABASE_URL naming a database that does not exist (PostgreSQL)',
  () => {
    it(
      'exit 4 with one line in the server and the CLI, and no database is created',
      async () => {
        const name = `uvt_missing_${uniqueSuffix()}`;
        cleanups.push(() => onServer(POSTGRES_URL, async (c) => void (await c.query(`drop database if exists "${name}" with (force)`))));
        const env = { DATABASE_URL: withDatabase(POSTGRES_URL, name), UPLOADS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'uv-uploads-')) };
        const pattern = new RegExp(`^configuration error: DATABASE_URL names database "${name}", which does not exist`);
        expectOneLine(await runServerToExit(env), EXIT.config, pattern);
        expectOneLine(await runCli(['migrate'], env), EXIT.config, pattern);
        const { rows } = await onServer(POSTGRES_URL, (c) => c.query('select 1 from pg_database where datname = $1', [name]));
        expect(rows).toEqual([]);
      },
      TIMEOUT,
    );
  },
);

describe('the port is taken', () => {
  it(
    'exit 7 with one line before anything is seeded; the next start still shows the demo credentials',
    async () => {
      const db = await freshDatabase();
      const env = { ...db.env, SEED_DEMO: '1', LOG_LEVEL: 'warn' };
      await withPortTaken(async (port) => {
        expectOneLine(await runServerToExit({ ...env, PORT: String(port) }), EXIT.address, new RegExp(`^address in use: 127\\.0\\.0\\.1:${port} `));
      });
      const server = await startServer({ env });
      try {
        expect(server.banner.clientId).toMatch(/^[A-Za-z0-9]{20}$/);
        expect(server.banner.clientSecret).toMatch(/^\S{32,}$/);
      } finally {
        expect(await stopWhenUp(server)).toEqual({ code: 0, signal: null });
      }
      // Shown once: a later start has nothing to say about demo credentials.
      const again = await startServer({ env });
      expect(again.banner.clientId).toBeUndefined();
      expect(again.stdout()).not.toContain('clients create');
      expect(await stopWhenUp(again)).toEqual({ code: 0, signal: null });
    },
    TIMEOUT,
  );

  it(
    'a demo client whose secret nobody saw (seeded, then the start failed): the next start says how to create a client',
    async () => {
      const db = await freshDatabase();
      const env = { ...db.env, SEED_DEMO: '1', LOG_LEVEL: 'warn' };
      const seeded = await seedThenDie(env);
      expect(seeded).toBe(true);
      const server = await startServer({ env });
      try {
        expect(server.banner.clientId).toBeUndefined();
        expect(server.banner.text).toContain('npm run --silent cli -- clients create --name NAME');
      } finally {
        expect(await stopWhenUp(server)).toEqual({ code: 0, signal: null });
      }
      const again = await startServer({ env });
      expect(again.stdout()).not.toContain('clients create');
      expect(await stopWhenUp(again)).toEqual({ code: 0, signal: null });
    },
    TIMEOUT,
  );
});

/**
 * What a start that seeded and then failed leaves behind: the demo data and client, written by the
 * server's own seed code, with the credentials never printed. Returns whether anything was seeded.
 */
async function seedThenDie(env: Record<string, string>): Promise<boolean> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const db = await openDatabase(config);
  try {
    const em = db.orm.em.fork();
    if (!(await isEmpty(em))) return false;
    await seedDemo(em);
    return true;
  } finally {
    await db.close();
  }
}

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite allows one process per DATA_DIR (see pglite-lock.test.ts).
  'simultaneous first starts on one empty PostgreSQL database',
  () => {
    it(
      '8 servers started at once all come up (migrations run once, under an advisory lock)',
      async () => {
        const url = await emptyPostgresDatabase();
        const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-many-'));
        cleanups.push(async () => fs.rmSync(uploads, { recursive: true, force: true }));
        const env = { DATABASE_URL: url, UPLOADS_DIR: uploads, LOG_LEVEL: 'warn', SEED_DEMO: '0' };
        const started = await Promise.allSettled(Array.from({ length: 8 }, () => startServer({ env, timeoutMs: 90_000 })));
        const servers = started.filter((s): s is PromiseFulfilledResult<ServerProcess> => s.status === 'fulfilled').map((s) => s.value);
        const failures = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => String(s.reason).slice(0, 600));
        try {
          expect(failures).toEqual([]);
          for (const server of servers) expect((await request(server.url, 'GET', '/health')).status).toBe(200);
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            const { rows } = await client.query('select count(*)::int as n from mikro_orm_migrations');
            // Each migration recorded once, however many processes started at once.
            expect(rows).toEqual([{ n: migrationsList.length }]);
          } finally {
            await client.end();
          }
        } finally {
          for (const server of servers) await server.stop('SIGTERM');
        }
      },
      TIMEOUT,
    );

    it(
      'MIGRATE_ON_START=0: an unmigrated database is one line and exit 6 naming `npm run cli -- migrate`; after it, the server starts',
      async () => {
        const url = await emptyPostgresDatabase();
        const env = { DATABASE_URL: url, UPLOADS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'uv-uploads-')), LOG_LEVEL: 'warn', MIGRATE_ON_START: '0' };
        expectOneLine(await runServerToExit(env), EXIT.database, /^database not migrated: .*npm run cli -- migrate/);
        // Nothing was written: not even the migrations table.
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          expect((await client.query(`select to_regclass('mikro_orm_migrations') as t`)).rows).toEqual([{ t: null }]);
        } finally {
          await client.end();
        }
        const migrated = await runCli(['migrate'], env);
        expect([migrated.code, migrated.stderr]).toEqual([0, '']);
        const server = await startServer({ env });
        expect((await request(server.url, 'GET', '/health')).status).toBe(200);
        expect(await stopWhenUp(server)).toEqual({ code: 0, signal: null });
      },
      TIMEOUT,
    );
  },
);
