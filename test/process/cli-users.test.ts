/**
 * `npm run cli -- users set-password EMAIL` as an operator runs it, then the password grant against a
 * real server on the same database (PGlite: the server is stopped while the CLI runs).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  POSTGRES_MODE,
  REPO_ROOT,
  childDatabase,
  childEnv,
  killAllChildren,
  runCli,
  startServer,
  withTimeout,
  type ChildDatabase,
  type CliResult,
  type ServerProcess,
} from '../helpers/process.ts';

const TIMEOUT = 120_000;

let db: ChildDatabase;
let server: ServerProcess | undefined;
let clientId: string;

const cli = (...args: string[]) => runCli(args, { ...db.env, LOG_LEVEL: 'warn' });

/** The CLI with `input` on its standard input (runCli gives it none). */
async function cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, ['src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: childEnv({ ...db.env, LOG_LEVEL: 'warn' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input);
  const exit = await withTimeout(
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal }))),
    60_000,
    'cli did not exit',
  ).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { ...exit, stdout, stderr };
}

async function start(): Promise<void> {
  server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '1' } });
  clientId ??= server.banner.clientId!;
  // src/main.ts installs its SIGTERM handler just after printing the banner: a SIGTERM sent the moment
  // the banner arrives can beat it. Once a request is answered, the handler is in place.
  expect((await request(server.url, 'GET', '/health')).status).toBe(200);
}

async function stop(): Promise<void> {
  if (!server) return;
  expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  server = undefined;
}

async function withCliAccess<T>(fn: () => Promise<T>): Promise<T> {
  if (POSTGRES_MODE) return fn();
  await stop();
  const result = await fn();
  await start();
  return result;
}

const login = (username: string, password: string) =>
  request(server!.url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=password;client_id=${clientId};username=${encodeURIComponent(username)};password=${encodeURIComponent(password)};`,
  });

beforeAll(async () => {
  db = await childDatabase();
  // First start on an empty database loads the demo data (anna@example.com is the admin owner).
  await start();
  expect(clientId).toMatch(/^[A-Za-z0-9]{20}$/);
}, TIMEOUT);

afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
});

describe('npm run cli -- users set-password (real processes)', () => {
  it(
    'reads the password from standard input, or --password; the server then grants tokens for it',
    async () => {
      const fromStdin = await withCliAccess(() => cliWithInput('stdin password 1\n', 'users', 'set-password', 'Anna@Example.com'));
      expect(fromStdin).toEqual({ code: 0, signal: null, stdout: 'password set for anna@example.com\n', stderr: '' });

      const fromFlag = await withCliAccess(() => cli('users', 'set-password', 'ben@example.com', '--password', 'flag password 2', '--json'));
      expect({ code: fromFlag.code, stderr: fromFlag.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(fromFlag.stdout)).toEqual({ id: expect.any(Number), email: 'ben@example.com', password_set: true });

      const anna = await login('anna@example.com', 'stdin password 1');
      expect(anna.status, anna.text).toBe(200);
      const me = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token: anna.body.access_token });
      expect(me.status).toBe(200);
      expect(me.body.users[0].email_address).toBe('anna@example.com');

      // Ben is no admin: he gets a token, and the admin API refuses it.
      const ben = await login('ben@example.com', 'flag password 2');
      expect(ben.status, ben.text).toBe(200);
      const refused = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token: ben.body.access_token });
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ errors: { error: 'forbidden' } });

      // A new password ends the old token.
      await withCliAccess(() => cliWithInput('another password 3', 'users', 'set-password', 'anna@example.com'));
      const again = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token: anna.body.access_token });
      expect(again.status).toBe(401);
      expect((await login('anna@example.com', 'stdin password 1')).status).toBe(400);
      expect((await login('anna@example.com', 'another password 3')).status).toBe(200);
    },
    TIMEOUT,
  );

  it(
    'exits 5 for an unknown email, 2 for a short password or a missing email, and never prints the password',
    async () => {
      await withCliAccess(async () => {
        const unknown = await cli('users', 'set-password', 'nobody@example.com', '--password', 'long enough password');
        expect({ code: unknown.code, stdout: unknown.stdout }).toEqual({ code: 5, stdout: '' });
        expect(unknown.stderr).toContain('nobody@example.com');
        expect(unknown.stderr).not.toContain('long enough password');

        const short = await cliWithInput('short\n', 'users', 'set-password', 'anna@example.com');
        expect({ code: short.code, stdout: short.stdout, stderr: short.stderr }).toEqual({
          code: 2,
          stdout: '',
          stderr: 'password is too short (minimum is 8 characters)\n',
        });
        // No standard input at all: an empty password.
        expect((await cli('users', 'set-password', 'anna@example.com')).code).toBe(2);

        for (const args of [['users', 'set-password'], ['users'], ['users', 'frobnicate']]) {
          const result = await cli(...args);
          expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
          expect(result.stderr).toContain('Usage:');
        }
      });
      // The password set before still works.
      expect((await login('anna@example.com', 'another password 3')).status).toBe(200);
    },
    TIMEOUT,
  );
});
