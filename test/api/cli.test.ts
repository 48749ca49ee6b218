/**
 * The CLI's commands (`npm run --silent cli -- …`), run in this process through src/cli.ts `run(argv)`
 * over the test app's own database, so the server keeps running and answers with what the CLI wrote.
 * test/process/cli.test.ts keeps what needs a real process (the npm entry, exit status, stdin).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api } from '../helpers/factories.ts';
import { request } from '../helpers/http.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One CLI run on the test app's database (left open: the server still uses it). */
async function cli(args: string[], stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    env: { LOG_LEVEL: 'warn' },
    stdin: Readable.from([stdin]),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    open: async () => ({ ...app.server.db, close: async () => undefined }),
  });
  return { code, stdout, stderr };
}

function singleJsonLine(result: CliResult): any {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout.endsWith('\n')).toBe(true);
  const lines = result.stdout.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

function expectCredentials(value: any): { client_id: string; client_secret: string } {
  expect(Object.keys(value).sort()).toEqual(['client_id', 'client_secret']);
  // Letters and digits only: an id beginning with `-` would read as an option to `clients revoke ID`.
  expect(value.client_id).toMatch(/^[A-Za-z0-9]{20}$/);
  expect(value.client_secret.length).toBeGreaterThanOrEqual(32);
  return value;
}

const tokenForm = (id: string, secret: string) => `grant_type=client_credentials&client_id=${id}&client_secret=${encodeURIComponent(secret)}`;
const tokenReply = (id: string, secret: string) => request(app.url, 'POST', '/api/v2/oauth/token', { form: tokenForm(id, secret) });

async function tokenFor(id: string, secret: string): Promise<string> {
  const reply = await tokenReply(id, secret);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.access_token as string;
}

const current = (token: string) => request(app.url, 'GET', '/api/v2/admin/users/current', { token });

describe('cli clients …', () => {
  it('create, list, rotate and revoke; the server honours each at once', async () => {
    const created = await cli(['clients', 'create', '--name', 'Zapier export', '--json']);
    const creds = expectCredentials(singleJsonLine(created));
    expect(created.stdout).toBe(`${JSON.stringify(creds)}\n`);
    const other = expectCredentials(singleJsonLine(await cli(['clients', 'create', '--name', 'Second', '--json'])));
    expect(other.client_id).not.toBe(creds.client_id);
    expect(other.client_secret).not.toBe(creds.client_secret);

    const listed = await cli(['clients', 'list', '--json']);
    const list = singleJsonLine(listed) as Array<Record<string, unknown>>;
    expect(list.map((c) => c.client_id).slice(-2)).toEqual([creds.client_id, other.client_id]);
    expect(list.at(-2)).toMatchObject({ client_id: creds.client_id, name: 'Zapier export', revoked: false });
    for (const client of list) expect(Object.keys(client).some((key) => /secret|hash/i.test(key))).toBe(false);
    expect(listed.stdout).not.toContain(creds.client_secret);
    const text = await cli(['clients', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`\t${creds.client_id}\tactive\tZapier export`);
    expect(text.stdout).not.toContain(creds.client_secret);

    const token = await tokenFor(creds.client_id, creds.client_secret);
    expect((await current(token)).status).toBe(200);

    // Rotate: the old token and secret stop working, the new secret works.
    const rotated = expectCredentials(singleJsonLine(await cli(['clients', 'rotate', creds.client_id, '--json'])));
    expect(rotated.client_id).toBe(creds.client_id);
    expect(rotated.client_secret).not.toBe(creds.client_secret);
    expect((await current(token)).body).toEqual({ errors: { error: 'not_authorized' } });
    expect((await tokenReply(creds.client_id, creds.client_secret)).status).toBe(401);
    const rotatedToken = await tokenFor(rotated.client_id, rotated.client_secret);
    expect((await current(rotatedToken)).status).toBe(200);

    // Revoke: its token and secret stop working; the other client is unaffected.
    const otherToken = await tokenFor(other.client_id, other.client_secret);
    const revoked = await cli(['clients', 'revoke', creds.client_id]);
    expect({ code: revoked.code, stderr: revoked.stderr, stdout: revoked.stdout }).toEqual({ code: 0, stderr: '', stdout: `revoked ${creds.client_id}\n` });
    expect((await current(rotatedToken)).status).toBe(401);
    expect((await tokenReply(rotated.client_id, rotated.client_secret)).body).toMatchObject({ error: 'invalid_client' });
    expect((await current(otherToken)).status).toBe(200);
    const after = singleJsonLine(await cli(['clients', 'list', '--json'])) as Array<Record<string, unknown>>;
    expect(after.find((c) => c.client_id === creds.client_id)).toMatchObject({ revoked: true });
    expect(after.find((c) => c.client_id === other.client_id)).toMatchObject({ revoked: false });
  });

  it('usage errors answer 2 with the usage on stderr and nothing on stdout', async () => {
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
      const result = await cli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr, `stderr of ${args.join(' ')}`).toContain('Usage:');
    }
  });

  it('an unknown client id answers 5 (revoke and rotate)', async () => {
    for (const args of [
      ['clients', 'revoke', 'no-such-client'],
      ['clients', 'rotate', 'no-such-client', '--json'],
      ['clients', 'revoke', '987654'],
    ]) {
      const result = await cli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 5, stdout: '' });
      expect(result.stderr).toContain(args[2]!);
    }
  });
});

describe('cli users set-password', () => {
  const login = (clientId: string, username: string, password: string) =>
    request(app.url, 'POST', '/api/v2/oauth/token', {
      form: `grant_type=password;client_id=${clientId};username=${encodeURIComponent(username)};password=${encodeURIComponent(password)};`,
    });

  it('reads the password from standard input, or --password; the server then grants tokens for it', async () => {
    const { client_id: clientId } = await app.createClient('password grant');
    const a = await api(app);
    await a.user({ email: 'ben@example.com' });

    expect(await cli(['users', 'set-password', 'Anna@Example.com'], 'stdin password 1\n')).toEqual({ code: 0, stdout: 'password set for anna@example.com\n', stderr: '' });
    const fromFlag = await cli(['users', 'set-password', 'ben@example.com', '--password', 'flag password 2', '--json']);
    expect({ code: fromFlag.code, stderr: fromFlag.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(fromFlag.stdout)).toEqual({ id: expect.any(Number), email: 'ben@example.com', password_set: true });

    const anna = await login(clientId, 'anna@example.com', 'stdin password 1');
    expect(anna.status, anna.text).toBe(200);
    const me = await current(anna.body.access_token);
    expect(me.status).toBe(200);
    expect(me.body.users[0].email_address).toBe('anna@example.com');
    // Ben is no admin: he gets a token, and the admin API refuses it.
    const ben = await login(clientId, 'ben@example.com', 'flag password 2');
    expect(ben.status, ben.text).toBe(200);
    expect((await current(ben.body.access_token)).body).toEqual({ errors: { error: 'forbidden' } });

    // A new password ends the old token.
    expect((await cli(['users', 'set-password', 'anna@example.com'], 'another password 3')).code).toBe(0);
    expect((await current(anna.body.access_token)).status).toBe(401);
    expect((await login(clientId, 'anna@example.com', 'stdin password 1')).status).toBe(400);
    expect((await login(clientId, 'anna@example.com', 'another password 3')).status).toBe(200);
  });

  it('answers 5 for an unknown email, 2 for a short password or a missing email, and never prints the password', async () => {
    const unknown = await cli(['users', 'set-password', 'nobody@example.com', '--password', 'long enough password']);
    expect({ code: unknown.code, stdout: unknown.stdout }).toEqual({ code: 5, stdout: '' });
    expect(unknown.stderr).toContain('nobody@example.com');
    expect(unknown.stderr).not.toContain('long enough password');
    expect(await cli(['users', 'set-password', 'anna@example.com'], 'short\n')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'password is too short (minimum is 8 characters)\n',
    });
    // Nothing on standard input: an empty password.
    expect((await cli(['users', 'set-password', 'anna@example.com'])).code).toBe(2);
    for (const args of [['users', 'set-password'], ['users'], ['users', 'frobnicate']]) {
      const result = await cli(args);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toContain('Usage:');
    }
  });
});
