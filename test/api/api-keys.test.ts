import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, listClients, updateClient, type ClientOptions } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request, type Reply } from '../helpers/http.ts';

/**
 * Scoped and expiring API clients (issue 20 point 3): scopes checked per route before the body is read,
 * 403 `forbidden` with a message, expiry → 401, last use recorded at most once a minute, and the Bearer
 * check still one SQL statement per request.
 */
let app: TestApp;
let full: Api;

beforeAll(async () => {
  app = await startTestApp();
  full = await api(app);
});
afterAll(() => app?.close());

const em = () => app.server.db.orm.em.fork();

async function tokenOf(creds: { client_id: string; client_secret: string }): Promise<string> {
  const reply = await request(app.url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.access_token;
}

async function keyWith(options: ClientOptions): Promise<{ creds: { client_id: string; client_secret: string }; a: Api; token: string }> {
  const creds = await createClient(em(), 'scoped', app.config.ownerEmail, options);
  const token = await tokenOf(creds);
  return { creds, token, a: await api(app, token) };
}

function expectForbidden(reply: Reply, message: string) {
  expect({ status: reply.status, body: reply.body }).toEqual({ status: 403, body: { errors: { error: 'forbidden', message } } });
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  // Not a CORS-enabled client: no CORS headers, on refusals either.
  expect(reply.headers.get('access-control-allow-origin')).toBeNull();
}

const auditOf = async (clientKey: string) =>
  (await app.server.db.orm.em.fork().getKysely<DB>().selectFrom('audit_events').select(['action', 'reason', 'method', 'path', 'scopes']).where('client_key', '=', clientKey).orderBy('id').execute());

describe('scopes', () => {
  it('a read-only key reads, and every write is 403 forbidden before it runs (and is audited)', async () => {
    const forum = await full.forum();
    const { a, creds } = await keyWith({ scopes: ['read'] });
    expect((await a.get(`/forums/${forum.id}`)).status).toBe(200);
    expect((await a.get('/suggestions?per_page=1')).status).toBe(200);

    const lacksWrite = 'This API client lacks the write scope';
    expectForbidden(await a.post('/forums', { name: 'not made' }), lacksWrite);
    expectForbidden(await a.put(`/forums/${forum.id}`, { name: 'renamed' }), lacksWrite);
    expectForbidden(await a.delete(`/forums/${forum.id}`), lacksWrite);
    expectForbidden(await a.post('/feedback', { body: 'x' }), lacksWrite);
    // Refused before the body is read: a malformed body is still a 403, not a 400.
    expectForbidden(await a.post('/forums', undefined, { raw: '{not json', headers: { 'Content-Type': 'application/json' } }), lacksWrite);

    expect((await full.one('forums', forum.id)).name).toBe(forum.name);
    expect(await auditOf(creds.client_id)).toEqual([
      { action: 'client.created', reason: null, method: null, path: null, scopes: 'read' },
      ...[
        ['POST', '/api/v2/admin/forums'],
        ['PUT', `/api/v2/admin/forums/${forum.id}`],
        ['DELETE', `/api/v2/admin/forums/${forum.id}`],
        ['POST', '/api/v2/admin/feedback'],
        ['POST', '/api/v2/admin/forums'],
      ].map(([method, path]) => ({ action: 'access.forbidden', reason: lacksWrite, method, path, scopes: 'read' })),
    ]);
  });

  it('scopes do not imply each other: write without read cannot list; admin is needed for the audit log and permission grants', async () => {
    const { a } = await keyWith({ scopes: ['write'] });
    expectForbidden(await a.get('/forums'), 'This API client lacks the read scope');
    const made = await a.post('/forums', { name: 'made by a write-only key' });
    expect(made.status).toBe(200);

    const user = await full.user();
    const { a: readWrite } = await keyWith({ scopes: ['read', 'write'] });
    const lacksAdmin = 'This API client lacks the admin scope';
    expectForbidden(await readWrite.get('/audit_events'), lacksAdmin);
    expectForbidden(await readWrite.post('/permissions', { links: { user: user.id } }), lacksAdmin);
    expect((await readWrite.get('/permissions')).status).toBe(200);

    const { a: admin } = await keyWith({ scopes: ['admin'] });
    expect((await admin.get('/audit_events?per_page=1')).status).toBe(200);
    expectForbidden(await admin.get('/forums'), 'This API client lacks the read scope');
  });

  it('a client made before scopes existed (row without the new columns) keeps full access', async () => {
    const creds = await createClient(em(), 'template', app.config.ownerEmail);
    const db = app.server.db.orm.em.fork().getKysely<DB>();
    const template = await db.selectFrom('api_clients').select(['secret_hash', 'user_id']).where('key', '=', creds.client_id).executeTakeFirstOrThrow();
    // Inserted the way a pre-issue-20 server wrote it: the migration's column defaults fill the rest.
    const key = 'OldClient0123456789x';
    await db
      .insertInto('api_clients')
      .values({ key, name: 'old', secret_hash: template.secret_hash, user_id: template.user_id, generation: 1, created_at: new Date(), updated_at: new Date() } as never)
      .execute();
    const old = await api(app, await tokenOf({ client_id: key, client_secret: creds.client_secret }));
    expect((await old.post('/forums', { name: 'still allowed' })).status).toBe(200);
    expect((await old.get('/audit_events?per_page=1')).status).toBe(200);
    expect((await listClients(em())).find((c) => c.client_id === key)).toMatchObject({ scopes: 'read,write,admin', publishable: false, expires_at: null });
  });

  it('changing scopes applies to tokens already issued, at once', async () => {
    const { a, creds } = await keyWith({ scopes: ['read'] });
    expectForbidden(await a.post('/forums', { name: 'x' }), 'This API client lacks the write scope');
    const summary = await updateClient(em(), creds.client_id, { scopes: ['read', 'write'] });
    expect(summary).toMatchObject({ client_id: creds.client_id, scopes: 'read,write' });
    expect((await a.post('/forums', { name: 'now allowed' })).status).toBe(200);
    expect((await auditOf(creds.client_id)).filter((e) => e.action === 'client.updated')).toEqual([
      { action: 'client.updated', reason: 'scopes read → read,write', method: null, path: null, scopes: 'read,write' },
    ]);
  });
});

describe('expiry', () => {
  it('an expired client: its tokens get 401 invalid_token, the token endpoint 401 invalid_client; both audited', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { a, creds, token } = await keyWith({ expiresAt });
    expect((await a.get('/users/current')).status).toBe(200);
    try {
      app.clock.now = expiresAt.getTime() + 1000;
      const refused = await a.get('/users/current');
      expect({ status: refused.status, body: refused.body }).toEqual({ status: 401, body: { errors: { error: 'not_authorized' } } });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
      const again = await request(app.url, 'POST', '/api/v2/oauth/token', {
        form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
      });
      expect({ status: again.status, body: again.body }).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } });
    } finally {
      app.clock.now = undefined;
    }
    // Before the expiry the same token works again (the check is against the clock, not a flag).
    expect((await request(app.url, 'GET', '/api/v2/admin/users/current', { token })).status).toBe(200);
    expect((await auditOf(creds.client_id)).map((e) => [e.action, e.reason, e.path])).toEqual([
      ['client.created', `expires ${expiresAt.toISOString()}`, null],
      ['auth.failed', 'expired', '/api/v2/admin/users/current'],
      ['auth.failed', 'expired', '/api/v2/oauth/token'],
    ]);
  });

  it('removing the expiry (update to never) lets it work again', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { a, creds } = await keyWith({ expiresAt });
    try {
      app.clock.now = expiresAt.getTime() + 1;
      expect((await a.get('/users/current')).status).toBe(401);
      await updateClient(em(), creds.client_id, { expiresAt: null });
      expect((await a.get('/users/current')).status).toBe(200);
    } finally {
      app.clock.now = undefined;
    }
  });
});

describe('last use and the cost of auth', () => {
  const lastUsed = async (key: string) => (await listClients(em())).find((c) => c.client_id === key)!.last_used_at;

  it('last_used_at is written at most once a minute per client; otherwise auth answers from its copy of the client', async () => {
    const start = Date.parse('2030-01-01T00:00:00Z');
    try {
      app.clock.now = start;
      const { a, creds } = await keyWith({ scopes: ['read'] });
      expect(await lastUsed(creds.client_id)).toBeNull();

      const counts: number[] = [];
      const writes: number[] = [];
      const times = [start, start + 1_000, start + 59_000, start + 60_000, start + 61_000, start + 200_000];
      const seen: Array<string | null> = [];
      for (const now of times) {
        app.clock.now = now;
        app.sql.length = 0;
        expect((await a.get('/users/current')).status).toBe(200);
        counts.push(app.sql.filter((line) => /api_clients/.test(line)).length);
        writes.push(app.sql.filter((line) => /audit_events/.test(line)).length);
        seen.push(await lastUsed(creds.client_id));
      }
      // First use: read the row, record the use. The write is announced, so the next request reads the
      // row again; then the process's copy serves until a minute has passed, when the use is recorded
      // (and the row read once more after it).
      expect(counts).toEqual([2, 1, 0, 1, 1, 1]);
      // Successful requests are not audited.
      expect(writes).toEqual([0, 0, 0, 0, 0, 0]);
      const at = (ms: number) => new Date(ms).toISOString();
      expect(seen).toEqual([at(start), at(start), at(start), at(start + 60_000), at(start + 60_000), at(start + 200_000)]);
    } finally {
      app.clock.now = undefined;
    }
  });

  it('a scoped key costs the same statements per request as a full one (no extra query for scopes)', async () => {
    const forum = await full.forum();
    const { a: readOnly } = await keyWith({ scopes: ['read'] });
    // Each key's first use is recorded (a write, announced, so the next request reads the row again).
    for (const client of [full, readOnly, full, readOnly]) expect((await client.get('/users/current')).status).toBe(200);
    const counts: number[] = [];
    for (const client of [full, readOnly, full, readOnly]) {
      app.sql.length = 0;
      expect((await client.get(`/forums/${forum.id}?cache-test=${counts.length}`)).status).toBe(200);
      counts.push(app.sql.length);
    }
    // The record only: both keys' clients (scopes included) come from the process's copy.
    expect(counts).toEqual([1, 1, 1, 1]);
  });
});
