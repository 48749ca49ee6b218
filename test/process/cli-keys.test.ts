/**
 * `npm run cli -- clients create --scopes … --expires … --publishable` and `clients update` as an
 * operator runs them, then a real server on the same database (started after the CLI: PGlite allows one
 * process per data directory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { childDatabase, killAllChildren, runCli, startServer, type ChildDatabase, type CliResult } from '../helpers/process.ts';

const TIMEOUT = 180_000;

let db: ChildDatabase;
const cli = (...args: string[]) => runCli(args, { ...db.env, LOG_LEVEL: 'warn' });

beforeAll(async () => {
  db = await childDatabase();
});
afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
});

function json(result: CliResult): any {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

describe('clients create/update with scopes, expiry and publishable keys (real processes)', () => {
  it(
    'creates a read-only expiring key and a publishable key, changes scopes; the server honours them',
    async () => {
      const scoped = json(await cli('clients', 'create', '--name', 'Reporting', '--scopes', 'read', '--expires', '2099-01-01', '--json'));
      expect(Object.keys(scoped).sort()).toEqual(['client_id', 'client_secret']);
      const browser = json(await cli('clients', 'create', '--name', 'Widget', '--publishable', '--json'));
      expect(browser).toEqual({ client_id: expect.stringMatching(/^pk_[A-Za-z0-9]{20}$/) });
      expect(json(await cli('clients', 'update', browser.client_id, '--origins', 'https://shop.example,https://www.shop.example', '--json'))).toMatchObject({
        client_id: browser.client_id,
        origins: ['https://shop.example', 'https://www.shop.example'],
      });
      const writer = json(await cli('clients', 'create', '--name', 'Writer', '--scopes', 'read', '--json'));
      expect(json(await cli('clients', 'update', writer.client_id, '--scopes', 'write,read', '--json'))).toMatchObject({
        client_id: writer.client_id,
        scopes: 'read,write',
        expires_at: null,
      });

      const list = json(await cli('clients', 'list', '--json')) as Array<Record<string, unknown>>;
      expect(list.map((c) => [c.client_id, c.scopes, c.publishable, c.expires_at, c.last_used_at])).toEqual([
        [scoped.client_id, 'read', false, '2099-01-01T00:00:00.000Z', null],
        [browser.client_id, 'publishable', true, null, null],
        [writer.client_id, 'read,write', false, null, null],
      ]);
      const text = await cli('clients', 'list');
      expect(text.stdout).toContain(`${scoped.client_id}\tactive\tread\texpires 2099-01-01T00:00:00.000Z\tnever used\tReporting`);

      const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '0' } });
      try {
        const tokenOf = async (form: string) => {
          const reply = await request(server.url, 'POST', '/api/v2/oauth/token', { form });
          expect(reply.status, reply.text).toBe(200);
          return reply.body.access_token as string;
        };
        const readOnly = await tokenOf(`grant_type=client_credentials&client_id=${scoped.client_id}&client_secret=${scoped.client_secret}`);
        expect((await request(server.url, 'GET', '/api/v2/admin/forums', { token: readOnly })).status).toBe(200);
        const write = await request(server.url, 'POST', '/api/v2/admin/forums', { token: readOnly, json: { name: 'no' } });
        expect({ status: write.status, body: write.body }).toEqual({ status: 403, body: { errors: { error: 'forbidden', message: 'This API client lacks the write scope' } } });
        const pk = await tokenOf(`grant_type=client_credentials&client_id=${browser.client_id}`);
        const forums = await request(server.url, 'GET', '/api/v2/admin/forums', { token: pk, headers: { Origin: 'https://www.shop.example' } });
        expect(forums.status).toBe(403);
        expect(forums.headers.get('access-control-allow-origin')).toBe('*');
        const foreign = await request(server.url, 'GET', '/api/v2/admin/suggestions', { token: pk, headers: { Origin: 'https://evil.example' } });
        expect({ status: foreign.status, body: foreign.body, cors: foreign.headers.get('access-control-allow-origin') }).toEqual({
          status: 403,
          body: { errors: { error: 'forbidden', message: 'This publishable key may not be used from this origin' } },
          cors: null,
        });
      } finally {
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      }
    },
    TIMEOUT,
  );

  it(
    'usage errors exit 2 with nothing on stdout',
    async () => {
      const browser = json(await cli('clients', 'create', '--name', 'Second widget', '--publishable', '--json'));
      const cases: Array<[string[], string]> = [
        [['clients', 'create', '--name', 'x', '--scopes', 'read,delete'], 'Unknown scope delete (scopes: read, write, admin)'],
        [['clients', 'create', '--name', 'x', '--scopes', ','], 'No scope given'],
        [['clients', 'create', '--name', 'x', '--expires', 'tomorrow'], '--expires must be an ISO-8601 date or timestamp'],
        [['clients', 'create', '--name', 'x', '--expires', '2001-01-01'], '--expires must be in the future'],
        [['clients', 'create', '--name', 'x', '--publishable', '--scopes', 'read'], 'a publishable key has fixed rights'],
        [['clients', 'update', browser.client_id], 'clients update needs --scopes, --expires or --origins'],
        [['clients', 'create', '--name', 'x', '--origins', 'https://a.example'], '--origins is for publishable keys'],
        [['clients', 'create', '--name', 'x', '--publishable', '--origins', 'https://a.example/app'], '--origins: "https://a.example/app" is not an origin'],
        [['clients', 'update', browser.client_id, '--origins', ''], '--origins: --origins needs at least one origin'],
        [['clients', 'update'], 'clients update needs an ID'],
        [['clients', 'rotate', browser.client_id], 'A publishable key has no secret to rotate'],
        [['clients', 'update', browser.client_id, '--scopes', 'read'], 'A publishable key has no scopes to change'],
      ];
      for (const [args, message] of cases) {
        const result = await cli(...args);
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
        expect(result.stderr, args.join(' ')).toContain(message);
      }
    },
    TIMEOUT,
  );
});
