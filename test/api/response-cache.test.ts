/**
 * HTTP caching (issue 15 points 3 and 4), through HTTP on whichever database the run uses: strong ETags
 * and 304s on GETs; the response cache answers a repeated GET with no SQL at all, and is never stale
 * after a write (through the API, straight in the database, or to a side-loaded table), keeps what a
 * write to an unrelated table did not touch, never keeps a body with a signed URL; the Bearer check's
 * client copy sees a revocation at once. Two processes on PostgreSQL: test/process/cache-processes.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request } from '../helpers/http.ts';
import { png, upload } from '../helpers/uploads.ts';

let app: TestApp;
let a: Api;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.token();
  a = await api(app, token);
});
afterAll(() => app?.close());

const sha1 = (text: string) => `"${createHash('sha1').update(text).digest('base64url')}"`;
const db = () => app.server.db.orm.em.fork().getKysely<DB>();

/** GET through the API, also answering how many SQL statements the server ran for it. */
async function read(path: string, headers: Record<string, string> = {}) {
  app.sql.length = 0;
  const reply = await a.get(path, { headers });
  return { ...reply, statements: app.sql.length };
}

let fresh = 0;
/** What the server renders for `path` right now: a parameter no handler reads makes it a request of its own. */
const rendered = (path: string) => read(`${path}${path.includes('?') ? '&' : '?'}cache-test=${++fresh}`);

describe('ETag and If-None-Match', () => {
  it('puts a strong ETag (hash of the body bytes) on a GET and answers 304 with the same headers when it matches', async () => {
    const forum = await a.forum();
    const first = await read(`/forums/${forum.id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(sha1(first.text));

    const again = await read(`/forums/${forum.id}`, { 'If-None-Match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('x-rate-limit-limit')).toBe('1000000');
    expect(again.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);
    expect(again.headers.get('x-rate-limit-reset')).toMatch(/^\d+$/);

    const listed = await read(`/forums/${forum.id}`, { 'If-None-Match': `"other", ${first.headers.get('etag')}` });
    expect(listed.status).toBe(304);
    const other = await read(`/forums/${forum.id}`, { 'If-None-Match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.text).toBe(first.text);
  });

  it('changes the ETag when the body changes, and a stale If-None-Match then gets the new body', async () => {
    const forum = await a.forum();
    const before = await read(`/forums/${forum.id}`);
    expect((await a.put(`/forums/${forum.id}`, { name: 'Renamed forum' })).status).toBe(200);
    const after = await read(`/forums/${forum.id}`, { 'If-None-Match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.body.forums[0].name).toBe('Renamed forum');
    expect(after.headers.get('etag')).toBe(sha1(after.text));
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('is on GETs outside the admin API too (the OpenAPI document)', async () => {
    const first = await request(app.url, 'GET', '/api/v2/openapi.json');
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(sha1(first.text));
    const again = await request(app.url, 'GET', '/api/v2/openapi.json', { headers: { 'If-None-Match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('is not on errors', async () => {
    const missing = await read('/forums/999999999');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
  });
});

describe('response cache', () => {
  it('answers a repeated GET with the same bytes and no SQL (the Bearer check included)', async () => {
    const { forum } = await a.forumWithSuggestion();
    const path = `/suggestions?forum=${forum.id}&includes=forums,users&per_page=5`;
    const first = await read(path);
    expect(first.status).toBe(200);
    expect(first.statements).toBeGreaterThan(0);
    const second = await read(path);
    expect(second.statements).toBe(0);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(second.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // The same parameters in another order are the same request.
    const reordered = await read(`/suggestions?per_page=5&includes=forums,users&forum=${forum.id}`);
    expect(reordered.statements).toBe(0);
    expect(reordered.text).toBe(first.text);
  });

  it('is never stale after a write through the API, to the record or to a side-loaded one', async () => {
    const { forum, suggestion } = await a.forumWithSuggestion();
    const path = `/suggestions/${suggestion.id}?includes=forums`;
    await read(path);
    expect((await read(path)).statements).toBe(0);

    expect((await a.put(`/suggestions/${suggestion.id}`, { title: 'A new title' })).status).toBe(200);
    const afterOwnWrite = await read(path);
    expect(afterOwnWrite.body.suggestions[0].title).toBe('A new title');
    expect(afterOwnWrite.text).toBe((await rendered(path)).text);

    expect((await a.put(`/forums/${forum.id}`, { name: 'Side-loaded rename' })).status).toBe(200);
    const afterSideWrite = await read(path);
    expect(afterSideWrite.body.forums[0].name).toBe('Side-loaded rename');
    expect(afterSideWrite.text).toBe((await rendered(path)).text);
  });

  it('is never stale after a write made straight in the database (another program, a migration)', async () => {
    const { forum } = await a.forumWithSuggestion();
    const path = `/suggestions?forum=${forum.id}`;
    const before = await read(path);
    expect((await read(path)).statements).toBe(0);
    await db().updateTable('suggestions').set({ title: 'Changed behind the API' }).where('forum_id', '=', forum.id).execute();
    const after = await read(path);
    expect(after.statements).toBeGreaterThan(0);
    expect(after.body.suggestions[0].title).toBe('Changed behind the API');
    expect(after.text).not.toBe(before.text);
  });

  it('keeps a body when only a table it was not read from changes', async () => {
    const forum = await a.forum();
    const path = `/forums/${forum.id}`;
    const first = await read(path);
    expect(app.sql.join('\n')).not.toContain('settings');
    await db().insertInto('settings').values({ key: `cache-test-${forum.id}`, value: 'x', created_at: new Date() }).execute();
    const second = await read(path);
    expect(second.statements).toBe(0);
    expect(second.text).toBe(first.text);
  });

  it('never keeps a body holding a signed (expiring) download URL', async () => {
    const uploaded = await upload(app.url, token, await png(4, 4), 'tiny.png', 'image/png');
    expect(uploaded.status).toBe(200);
    const path = `/attachments/${uploaded.body.attachments[0].id}`;
    expect((await read(path)).status).toBe(200);
    const again = await read(path);
    expect(again.status).toBe(200);
    expect(again.statements).toBeGreaterThan(0);
  });

  it('answers If-None-Match from the cache too, also with Cache-Control: no-cache (which fetch adds to it)', async () => {
    const forum = await a.forum();
    const path = `/forums/${forum.id}`;
    const first = await read(path);
    const again = await read(path, { 'If-None-Match': first.headers.get('etag')!, 'Cache-Control': 'no-cache' });
    expect(again.status).toBe(304);
    expect(again.statements).toBe(0);
  });

  it('keeps /users/current per user', async () => {
    const first = await read('/users/current');
    const second = await read('/users/current');
    expect(second.statements).toBe(0);
    expect(second.text).toBe(first.text);
    expect(first.body.users[0].email_address).toBe(app.config.ownerEmail);
  });
});

describe('Bearer check', () => {
  it('runs no query for a known client, and refuses a revoked one at once', async () => {
    const creds = await app.createClient('revoked soon');
    const response = await fetch(`${app.url}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    const own = ((await response.json()) as { access_token: string }).access_token;
    const path = '/api/v2/admin/forums?per_page=1&cache-test=bearer';
    // The first use is recorded (last_used_at: a write, announced), so the second request reads the row again.
    expect((await request(app.url, 'GET', path, { token: own })).status).toBe(200);
    expect((await request(app.url, 'GET', path, { token: own })).status).toBe(200);
    app.sql.length = 0;
    expect((await request(app.url, 'GET', path, { token: own })).status).toBe(200);
    expect(app.sql).toEqual([]);

    await revokeClient(app.server.db.orm.em.fork(), creds.client_id);
    const refused = await request(app.url, 'GET', path, { token: own });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ errors: { error: 'not_authorized' } });
  });
});

describe('change announcements', () => {
  it('come from every table of the schema but the bookkeeping ones no response is read from', async () => {
    const rows = await app.server.db.orm.em.getConnection().execute<Array<{ name: string; announced: boolean }>>(
      `select c.relname as name, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'uv_announce_change') as announced
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1`,
    );
    const silent = rows.filter((r) => !r.announced).map((r) => r.name);
    expect(silent.filter((name) => !['rate_limits'].includes(name))).toEqual(['events', 'idempotency_keys', 'import_deferred', 'import_progress', 'mikro_orm_migrations', 'service_hook_deliveries']);
  });
});
