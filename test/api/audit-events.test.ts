import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createPublishableClient, revokeClient, rotateClient, updateClient } from '../../src/auth/clients.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS, request } from '../helpers/http.ts';

/**
 * GET /api/v2/admin/audit_events (issue 20 point 3): key management and refused uses of known keys, in
 * the envelope with pagination and cursors; successful requests and unknown client ids are not logged.
 */
let app: TestApp;
let admin: Api;

beforeAll(async () => {
  app = await startTestApp();
  admin = await api(app);
});
afterAll(() => app?.close());

const em = () => app.server.db.orm.em.fork();
const token = (form: string) => request(app.url, 'POST', '/api/v2/oauth/token', { form });

/** The entry as listed, with its id and timestamps checked and left out. */
function entry(fields: Record<string, unknown>) {
  return {
    id: expect.any(Number),
    action: expect.any(String),
    client_id: null,
    scopes: null,
    reason: null,
    method: null,
    path: null,
    ip: null,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: {},
    ...fields,
  };
}

describe('GET /admin/audit_events', () => {
  it('lists management and refused uses of one client, newest first, in the envelope', async () => {
    const creds = await createClient(em(), 'audited', app.config.ownerEmail, { scopes: ['read'] });
    const key = creds.client_id;
    const ip = expect.stringMatching(/127\.0\.0\.1/);

    // Successful use: nothing logged.
    const good = await token(`grant_type=client_credentials&client_id=${key}&client_secret=${creds.client_secret}`);
    expect(good.status).toBe(200);
    const bearer = good.body.access_token;
    expect((await request(app.url, 'GET', '/api/v2/admin/forums', { token: bearer })).status).toBe(200);
    // Refusals: a wrong secret, a write without the scope.
    expect((await token(`grant_type=client_credentials&client_id=${key}&client_secret=wrong`)).status).toBe(401);
    expect((await request(app.url, 'POST', '/api/v2/admin/forums', { token: bearer, json: { name: 'x' } })).status).toBe(403);
    await updateClient(em(), key, { scopes: ['read', 'write'] });
    await rotateClient(em(), key);
    // The token from before the rotation.
    expect((await request(app.url, 'GET', '/api/v2/admin/forums', { token: bearer })).status).toBe(401);
    await revokeClient(em(), key);

    const reply = await admin.get(`/audit_events?client_id=${key}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({
      audit_events: [
        entry({ action: 'client.revoked', client_id: key, scopes: 'read,write' }),
        entry({ action: 'auth.failed', client_id: key, reason: 'token issued before the secret was rotated', method: 'GET', path: '/api/v2/admin/forums', ip }),
        entry({ action: 'client.rotated', client_id: key, scopes: 'read,write' }),
        entry({ action: 'client.updated', client_id: key, scopes: 'read,write', reason: 'scopes read → read,write' }),
        entry({ action: 'access.forbidden', client_id: key, scopes: 'read', reason: 'This API client lacks the write scope', method: 'POST', path: '/api/v2/admin/forums', ip }),
        entry({ action: 'auth.failed', client_id: key, reason: 'wrong secret', method: 'POST', path: '/api/v2/oauth/token', ip }),
        entry({ action: 'client.created', client_id: key, scopes: 'read' }),
      ],
      links: {},
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 7 },
    });
    const ids = reply.body.audit_events.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((x: number, y: number) => y - x));

    // Get by id, and the action filter.
    const one = await admin.get(`/audit_events/${ids[0]}`);
    expect(one.body.audit_events).toEqual([reply.body.audit_events[0]]);
    const failures = await admin.get(`/audit_events?client_id=${key}&action=auth.failed`);
    expect(failures.body.audit_events.map((e: { reason: string }) => e.reason)).toEqual(['token issued before the secret was rotated', 'wrong secret']);
  });

  it('pages with a cursor', async () => {
    const { client_id: key } = await createPublishableClient(em(), 'paged', app.config.ownerEmail);
    for (let i = 0; i < 4; i++) expect((await token(`grant_type=client_credentials&client_id=${key}&client_secret=s${i}`)).status).toBe(401);
    const seen: number[] = [];
    let path = `/audit_events?client_id=${key}&per_page=2`;
    const pages: unknown[] = [];
    for (;;) {
      const reply = await admin.get(path);
      expect(reply.status).toBe(200);
      pages.push(reply.body.pagination);
      seen.push(...reply.body.audit_events.map((e: { id: number }) => e.id));
      const cursor = reply.body.pagination.cursor;
      if (!cursor) break;
      path = `/audit_events?client_id=${key}&per_page=2&cursor=${encodeURIComponent(cursor)}`;
    }
    // Creation (scopes "publishable") plus four refusals.
    expect(seen.length).toBe(5);
    expect(new Set(seen).size).toBe(5);
    expect(pages).toEqual([
      { page: 1, per_page: 2, total_pages: 3, total_records: 5, cursor: expect.any(String), page_token: expect.any(String) },
      { page: 2, per_page: 2, total_pages: 3, total_records: 5, cursor: expect.any(String), page_token: expect.any(String) },
      { page: 3, per_page: 2, total_pages: 3, total_records: 5 },
    ]);
    const created = await admin.get(`/audit_events?client_id=${key}&action=client.created`);
    expect(created.body.audit_events).toEqual([entry({ action: 'client.created', client_id: key, scopes: 'publishable' })]);
  });

  it('unknown client ids and tokens that do not verify are not logged (anyone can send them)', async () => {
    const before = (await admin.get('/audit_events?per_page=1')).body.pagination.total_records;
    expect((await token('grant_type=client_credentials&client_id=nobody&client_secret=x')).status).toBe(401);
    expect((await request(app.url, 'GET', '/api/v2/admin/forums', { token: 'not.a.token' })).status).toBe(401);
    expect((await admin.get('/audit_events?per_page=1')).body.pagination.total_records).toBe(before);
  });

  it('400 for an unknown action filter', async () => {
    const reply = await admin.get('/audit_events?action=client.deleted');
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: {
        errors: {
          error: 'bad_request',
          message: 'The parameter action accepts client.created, client.updated, client.rotated, client.revoked, auth.failed, access.forbidden',
        },
      },
    });
  });
});
