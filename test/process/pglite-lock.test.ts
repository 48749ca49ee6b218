/**
 * PGlite allows one process per data directory (src/db/lock.ts keeps a pid file beside it). In
 * PostgreSQL mode there is no such limit: there the file proves two servers share one database.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  POSTGRES_MODE,
  childDatabase,
  deadPid,
  killAllChildren,
  runCli,
  runServerToExit,
  startServer,
  tempDataDir,
  type ChildDatabase,
  type ServerProcess,
} from '../helpers/process.ts';

const TIMEOUT = 120_000;

async function tokenFor(url: string, id: string, secret: string): Promise<string> {
  const reply = await request(url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${id}&client_secret=${encodeURIComponent(secret)}`,
  });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.access_token).toEqual(expect.any(String));
  return reply.body.access_token as string;
}

async function currentUser(url: string, token: string) {
  const reply = await request(url, 'GET', '/api/v2/admin/users/current', { token });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.users).toHaveLength(1);
  return reply.body.users[0] as Record<string, unknown>;
}

async function expectHealthy(url: string) {
  const reply = await request(url, 'GET', '/health');
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body).toEqual({ status: 'ok' });
}

const readLock = (file: string) => fs.readFileSync(file, 'utf8').trim();

let db: ChildDatabase;

afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
});

if (!POSTGRES_MODE) {
  describe('embedded PGlite: one process per DATA_DIR', () => {
    let first: ServerProcess;
    let demo: { id: string; secret: string };

    beforeAll(async () => {
      db = tempDataDir();
      first = await startServer({ env: { ...db.env, LOG_LEVEL: 'info' } });
      expect(first.banner.clientId).toEqual(expect.any(String));
      expect(first.banner.clientSecret).toEqual(expect.any(String));
      demo = { id: first.banner.clientId!, secret: first.banner.clientSecret! };
    }, TIMEOUT);

    it(
      'the first server holds the lock file with its pid',
      async () => {
        expect(fs.existsSync(db.lockFile!)).toBe(true);
        expect(readLock(db.lockFile!)).toBe(String(first.pid));
      },
      TIMEOUT,
    );

    it(
      'a second server on the same DATA_DIR exits 3, naming the first pid, and prints no banner',
      async () => {
        const second = await runServerToExit({ ...db.env, LOG_LEVEL: 'warn' });
        expect({ code: second.code, signal: second.signal }).toEqual({ code: 3, signal: null });
        expect(second.stderr).toContain('already open');
        expect(second.stderr).toContain(String(first.pid));
        expect(second.stdout).not.toContain('listening on');
      },
      TIMEOUT,
    );

    it(
      'the CLI on the same DATA_DIR exits 3 too',
      async () => {
        for (const args of [['clients', 'list', '--json'], ['clients', 'create', '--name', 'intruder', '--json'], ['migrate']]) {
          const result = await runCli(args, { ...db.env, LOG_LEVEL: 'warn' });
          expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 3, stdout: '' });
          expect(result.stderr).toContain('already open');
          expect(result.stderr).toContain(String(first.pid));
        }
      },
      TIMEOUT,
    );

    it(
      'the first server is unaffected: it answers, its data is intact and it still owns the lock',
      async () => {
        expect(first.child.exitCode, `the first server exited:\n${first.stdout()}\n${first.stderr()}`).toBeNull();
        await expectHealthy(first.url);
        const token = await tokenFor(first.url, demo.id, demo.secret);
        const user = await currentUser(first.url, token);
        expect(user).toMatchObject({ email_address: 'anna@example.com' });
        expect(readLock(db.lockFile!)).toBe(String(first.pid));
      },
      TIMEOUT,
    );

    it(
      'after SIGTERM (exit 0, lock removed) a restart does not seed again and the demo credentials still work',
      async () => {
        expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(fs.existsSync(db.lockFile!)).toBe(false);

        const again = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn' } });
        expect(again.banner.text).not.toContain('client_secret');
        expect(again.banner.clientId).toBeUndefined();
        expect(readLock(db.lockFile!)).toBe(String(again.pid));
        const token = await tokenFor(again.url, demo.id, demo.secret);
        expect(await currentUser(again.url, token)).toMatchObject({ email_address: 'anna@example.com' });

        expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(fs.existsSync(db.lockFile!)).toBe(false);
      },
      TIMEOUT,
    );

    it(
      'a stale lock file (its pid is not running) does not prevent a start',
      async () => {
        const stale = deadPid();
        fs.writeFileSync(db.lockFile!, `${stale}\n`);
        const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn' } });
        expect(readLock(db.lockFile!)).toBe(String(server.pid));
        await expectHealthy(server.url);
        await tokenFor(server.url, demo.id, demo.secret);
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        expect(fs.existsSync(db.lockFile!)).toBe(false);
      },
      TIMEOUT,
    );
  });
} else {
  describe('PostgreSQL: no data-directory lock', () => {
    beforeAll(async () => {
      db = await childDatabase();
    });

    it(
      'two servers share one PostgreSQL database: both answer, and a token from one works on the other',
      async () => {
        const a = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '1' } });
        const b = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '1' } });
        expect(a.banner.clientSecret).toEqual(expect.any(String));
        // The second found the database already seeded.
        expect(b.banner.text).not.toContain('client_secret');
        await expectHealthy(a.url);
        await expectHealthy(b.url);

        const token = await tokenFor(a.url, a.banner.clientId!, a.banner.clientSecret!);
        expect(await currentUser(b.url, token)).toMatchObject({ email_address: 'anna@example.com' });
        await tokenFor(b.url, a.banner.clientId!, a.banner.clientSecret!);

        // The CLI works while both run (no lock), and both see what it wrote.
        const created = await runCli(['clients', 'create', '--name', 'third', '--json'], { ...db.env, LOG_LEVEL: 'warn' });
        expect(created.code).toBe(0);
        const creds = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
        await tokenFor(a.url, creds.client_id, creds.client_secret);
        await tokenFor(b.url, creds.client_id, creds.client_secret);

        expect(await a.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        await expectHealthy(b.url);
        expect(await b.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      },
      TIMEOUT,
    );
  });
}
