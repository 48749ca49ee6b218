/**
 * The CLI as an operator runs it (`node src/cli.ts …`, what `npm run --silent cli --` runs): its exit
 * status, its streams and standard input, on a fresh database a real server then uses. The commands
 * themselves are tested in process (test/api/cli.test.ts). PGlite allows one process per data
 * directory, so in PGlite mode the server is stopped while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
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

async function start(): Promise<ServerProcess> {
  server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '0' } });
  return server;
}

async function stop(): Promise<void> {
  if (!server) return;
  const exit = await server.stop('SIGTERM');
  server = undefined;
  expect(exit).toEqual({ code: 0, signal: null });
}

function expectSingleJsonLine(result: CliResult): unknown {
  expect(result.stderr).toBe('');
  expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
  expect(result.stdout.endsWith('\n')).toBe(true);
  const lines = result.stdout.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

function expectCredentials(value: unknown): { client_id: string; client_secret: string } {
  expect(value).toBeTypeOf('object');
  expect(value).not.toBeNull();
  expect(Object.keys(value as object).sort()).toEqual(['client_id', 'client_secret']);
  const creds = value as { client_id: unknown; client_secret: unknown };
  expect(creds.client_id).toBeTypeOf('string');
  expect(creds.client_secret).toBeTypeOf('string');
  // Letters and digits only: an id beginning with `-` would read as an option to `clients revoke ID`.
  expect(creds.client_id).toMatch(/^[A-Za-z0-9]{20}$/);
  expect((creds.client_secret as string).length).toBeGreaterThanOrEqual(32);
  return creds as { client_id: string; client_secret: string };
}

const tokenForm = (id: string, secret: string) => `grant_type=client_credentials&client_id=${id}&client_secret=${encodeURIComponent(secret)}`;

async function tokenFor(id: string, secret: string): Promise<string> {
  const reply = await request(server!.url, 'POST', '/api/v2/oauth/token', { form: tokenForm(id, secret) });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body).toMatchObject({ access_token: expect.any(String), token_type: 'bearer', expires_in: expect.any(Number) });
  return reply.body.access_token as string;
}

async function expectTokenWorks(token: string) {
  const reply = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.users).toHaveLength(1);
}

let creds: { client_id: string; client_secret: string };

beforeAll(async () => {
  db = await childDatabase();
});

afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
});

describe('npm run cli -- … (real processes)', () => {
  it(
    'clients create --name X --json prints exactly one JSON object with client_id and client_secret, on a fresh database',
    async () => {
      const result = await cli('clients', 'create', '--name', 'Zapier export', '--json');
      creds = expectCredentials(expectSingleJsonLine(result));
      expect(result.stdout).toBe(`${JSON.stringify(creds)}\n`);
    },
    TIMEOUT,
  );

  it(
    'a usage error exits 2 with the usage on stderr; an unknown client exits 5',
    async () => {
      const usage = await cli('clients', 'frobnicate');
      expect({ code: usage.code, signal: usage.signal, stdout: usage.stdout }).toEqual({ code: 2, signal: null, stdout: '' });
      expect(usage.stderr).toContain('Usage:');
      const unknown = await cli('clients', 'revoke', 'no-such-client');
      expect({ code: unknown.code, stdout: unknown.stdout }).toEqual({ code: 5, stdout: '' });
    },
    TIMEOUT,
  );

  it(
    'users set-password reads the password from the standard input of the process',
    async () => {
      // `clients create` made the account owner (OWNER_EMAIL, anna@example.com by default).
      const result = await cliWithInput('stdin password 1\n', 'users', 'set-password', 'Anna@Example.com');
      expect(result).toEqual({ code: 0, signal: null, stdout: 'password set for anna@example.com\n', stderr: '' });
    },
    TIMEOUT,
  );

  it(
    'a server on the same database accepts the credentials the CLI printed, and exits 0 on SIGTERM',
    async () => {
      await start();
      expect(server!.banner.clientSecret).toBeUndefined();
      await expectTokenWorks(await tokenFor(creds.client_id, creds.client_secret));
      await stop();
    },
    TIMEOUT,
  );
});
