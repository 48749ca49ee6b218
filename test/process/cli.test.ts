/**
 * The CLI as an operator runs it (`npm run --silent cli -- …`), against the database a real server
 * then uses. PGlite allows one process per data directory, so in PGlite mode the server is stopped
 * while the CLI runs; in PostgreSQL mode the server stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  POSTGRES_MODE,
  childDatabase,
  killAllChildren,
  runCli,
  startServer,
  type ChildDatabase,
  type CliResult,
  type ServerProcess,
} from '../helpers/process.ts';

const TIMEOUT = 120_000;

let db: ChildDatabase;
let server: ServerProcess | undefined;

const cli = (...args: string[]) => runCli(args, { ...db.env, LOG_LEVEL: 'warn' });

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

/** PGlite: the server must not hold the directory while the CLI writes to it. */
async function withCliAccess<T>(fn: () => Promise<T>): Promise<T> {
  if (POSTGRES_MODE) return fn();
  await stop();
  const result = await fn();
  await start();
  return result;
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

async function expectInvalidClient(id: string, secret: string) {
  const reply = await request(server!.url, 'POST', '/api/v2/oauth/token', { form: tokenForm(id, secret) });
  expect(reply.status, reply.text).toBe(401);
  expect(reply.body).toMatchObject({ error: 'invalid_client' });
}

async function expectTokenWorks(token: string) {
  const reply = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.users).toHaveLength(1);
}

async function expectTokenRejected(token: string) {
  const reply = await request(server!.url, 'GET', '/api/v2/admin/users/current', { token });
  expect(reply.status, reply.text).toBe(401);
  expect(reply.body).toEqual({ errors: { error: 'not_authorized' } });
}

let creds: { client_id: string; client_secret: string };
let other: { client_id: string; client_secret: string };
let token: string;

beforeAll(async () => {
  db = await childDatabase();
});

afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
});

describe('npm run cli -- clients … (real processes)', () => {
  it(
    'clients create --name X --json prints exactly one JSON object with client_id and client_secret, on a fresh database',
    async () => {
      const result = await cli('clients', 'create', '--name', 'Zapier export', '--json');
      creds = expectCredentials(expectSingleJsonLine(result));
      expect(result.stdout).toBe(`${JSON.stringify(creds)}\n`);

      // A second client is distinct.
      other = expectCredentials(expectSingleJsonLine(await cli('clients', 'create', '--name', 'Second', '--json')));
      expect(other.client_id).not.toBe(creds.client_id);
      expect(other.client_secret).not.toBe(creds.client_secret);
    },
    TIMEOUT,
  );

  it(
    'clients list --json lists the clients and never a secret',
    async () => {
      const result = await cli('clients', 'list', '--json');
      const list = expectSingleJsonLine(result) as Array<Record<string, unknown>>;
      expect(Array.isArray(list)).toBe(true);
      expect(list.map((c) => c.client_id)).toEqual([creds.client_id, other.client_id]);
      expect(list[0]).toMatchObject({ client_id: creds.client_id, name: 'Zapier export', revoked: false });
      expect(result.stdout).not.toContain(creds.client_secret);
      expect(result.stdout).not.toContain(other.client_secret);
      for (const client of list) expect(Object.keys(client).some((key) => /secret|hash/i.test(key))).toBe(false);

      const text = await cli('clients', 'list');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(creds.client_id);
      expect(text.stdout).not.toContain(creds.client_secret);
    },
    TIMEOUT,
  );

  it(
    'usage errors exit 2 with the usage on stderr and nothing on stdout',
    async () => {
      for (const args of [
        ['clients', 'create'],
        ['clients', 'create', '--name', '   '],
        ['frobnicate'],
        ['clients', 'frobnicate'],
        ['clients'],
        [],
        ['clients', 'list', '--bogus'],
        ['clients', 'revoke'],
        ['clients', 'rotate'],
      ]) {
        const result = await cli(...args);
        expect({ args, code: result.code, signal: result.signal, stdout: result.stdout }).toEqual({ args, code: 2, signal: null, stdout: '' });
        expect(result.stderr, `stderr of ${args.join(' ')}`).toContain('Usage:');
      }
    },
    TIMEOUT,
  );

  it(
    'an unknown client id exits 5 (revoke and rotate)',
    async () => {
      for (const args of [
        ['clients', 'revoke', 'no-such-client'],
        ['clients', 'rotate', 'no-such-client', '--json'],
        ['clients', 'revoke', '987654'],
      ]) {
        const result = await cli(...args);
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 5, stdout: '' });
        expect(result.stderr).toContain(args[2]!);
      }
    },
    TIMEOUT,
  );

  it(
    'a server on the same database accepts the credentials the CLI printed',
    async () => {
      await start();
      expect(server!.banner.clientSecret).toBeUndefined();
      token = await tokenFor(creds.client_id, creds.client_secret);
      await expectTokenWorks(token);
    },
    TIMEOUT,
  );

  it(
    'clients rotate ID --json: the old token and the old secret stop working, the new secret works',
    async () => {
      const oldSecret = creds.client_secret;
      const result = await withCliAccess(() => cli('clients', 'rotate', creds.client_id, '--json'));
      const rotated = expectCredentials(expectSingleJsonLine(result));
      expect(rotated.client_id).toBe(creds.client_id);
      expect(rotated.client_secret).not.toBe(oldSecret);

      await expectTokenRejected(token);
      await expectInvalidClient(creds.client_id, oldSecret);
      creds = rotated;
      token = await tokenFor(creds.client_id, creds.client_secret);
      await expectTokenWorks(token);
    },
    TIMEOUT,
  );

  it(
    'clients revoke ID: its token and its secret stop working; other clients are unaffected',
    async () => {
      const otherToken = await tokenFor(other.client_id, other.client_secret);
      const [result, listed] = await withCliAccess(async () => [
        await cli('clients', 'revoke', creds.client_id),
        await cli('clients', 'list', '--json'),
      ]);
      expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
      expect(result.stdout).toContain(creds.client_id);

      await expectTokenRejected(token);
      await expectInvalidClient(creds.client_id, creds.client_secret);
      await expectTokenWorks(otherToken);

      const list = expectSingleJsonLine(listed) as Array<Record<string, unknown>>;
      expect(list.find((c) => c.client_id === creds.client_id)).toMatchObject({ revoked: true });
      expect(list.find((c) => c.client_id === other.client_id)).toMatchObject({ revoked: false });
    },
    TIMEOUT,
  );

  it(
    'the server exits 0 on SIGTERM',
    async () => {
      if (!server) await start();
      await stop();
    },
    TIMEOUT,
  );
});
