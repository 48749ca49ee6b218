import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishableClient, rotateClient, updateClient } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request, type Reply } from '../helpers/http.ts';
import { PUBLIC_USER_REFUSAL } from '../../src/routes/feedback.ts';
import { FOREIGN_ORIGIN_REFUSAL } from '../../src/http/access.ts';
import { parseOrigins } from '../../src/auth/origins.ts';

/**
 * Publishable (browser) keys, issue 20 point 3: a token from the key alone; only feedback creation and
 * reads of public suggestions of public forums; CORS headers on their answers and no one else's.
 */
let app: TestApp;
let full: Api;
let key: string;
let pk: Api;
let token: string;

/** Suggestions in a public forum (approved, closed, new, spam) and in a private and a hidden forum. */
const ids = { forum: 0, approved: 0, closed: 0, fresh: 0, spam: 0, privateForum: 0, hiddenForum: 0, privateForumId: 0, hiddenForumId: 0 };

const em = () => app.server.db.orm.em.fork();

async function publishableToken(clientId: string): Promise<Reply> {
  return request(app.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${clientId}` });
}

beforeAll(async () => {
  app = await startTestApp();
  full = await api(app);
  ({ client_id: key } = await createPublishableClient(em(), 'widget', app.config.ownerEmail));
  const reply = await publishableToken(key);
  expect(reply.status, reply.text).toBe(200);
  token = reply.body.access_token;
  pk = await api(app, token);

  const open = await full.forum();
  const closedForum = await full.forum({ is_private: true });
  const hidden = await full.forum({ is_public: false });
  ids.forum = open.id;
  ids.approved = (await full.suggestion(open.id)).id;
  ids.closed = (await full.suggestion(open.id)).id;
  ids.fresh = (await full.suggestion(open.id)).id;
  ids.spam = (await full.suggestion(open.id)).id;
  ids.privateForum = (await full.suggestion(closedForum.id)).id;
  ids.hiddenForum = (await full.suggestion(hidden.id)).id;
  ids.privateForumId = closedForum.id;
  ids.hiddenForumId = hidden.id;
  expect((await full.put(`/suggestions/${ids.spam}/spam`)).status).toBe(200);
  const db = em().getKysely<DB>();
  await db.updateTable('suggestions').set({ state: 'closed' }).where('id', '=', ids.closed).execute();
  await db.updateTable('suggestions').set({ state: 'new' }).where('id', '=', ids.fresh).execute();
});
afterAll(() => app?.close());

const PUBLISHABLE_REFUSAL = 'A publishable key may only create feedback and read public suggestions';

function expectCors(reply: Reply) {
  expect(reply.headers.get('access-control-allow-origin')).toBe('*');
  expect(reply.headers.get('access-control-expose-headers')).toBe('X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset, Retry-After, WWW-Authenticate');
}

describe('getting a token with a publishable key', () => {
  it('client_credentials with the key alone answers a token, readable by browsers; the key begins with pk_', async () => {
    expect(key).toMatch(/^pk_[A-Za-z0-9]{20}$/);
    const reply = await publishableToken(key);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: { access_token: expect.any(String), token_type: 'bearer', expires_in: app.config.tokenTtl },
    });
    expectCors(reply);
  });

  it('a secret sent with it is invalid_client; the password grant is unauthorized_client (both still CORS-readable)', async () => {
    const withSecret = await request(app.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${key}&client_secret=guess` });
    expect({ status: withSecret.status, body: withSecret.body }).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } });
    expectCors(withSecret);
    const password = await request(app.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=password&client_id=${key}&username=a%40example.com&password=12345678` });
    expect({ status: password.status, body: password.body }).toEqual({
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'A publishable key may only use grant_type=client_credentials' },
    });
    expectCors(password);
  });

  it('a secret client is unchanged: without its secret it is invalid_client, and no answer of its carries CORS headers', async () => {
    const creds = await app.createClient();
    const noSecret = await publishableToken(creds.client_id);
    expect({ status: noSecret.status, body: noSecret.body }).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } });
    expect(noSecret.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await request(app.url, 'POST', '/api/v2/oauth/token', {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    expect(ok.headers.get('access-control-expose-headers')).toBeNull();
    // Unknown client ids get no CORS headers either.
    expect((await publishableToken('pk_nobody')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('what a publishable key may do', () => {
  it('lists only public suggestions of public forums (approved, published, closed), with no side-loads', async () => {
    const forums = [ids.forum, ids.privateForumId, ids.hiddenForumId].join(',');
    const reply = await pk.get(`/suggestions?forum=${forums}&sort=id&includes=users,forums`);
    expect(reply.status, reply.text).toBe(200);
    expectCors(reply);
    expect(reply.body.suggestions.map((s: { id: number }) => s.id)).toEqual([ids.approved, ids.closed]);
    expect(Object.keys(reply.body).sort()).toEqual(['links', 'list_meta', 'pagination', 'suggestions']);
    expect(reply.body.pagination).toEqual({ page: 1, per_page: 20, total_pages: 1, total_records: 2 });
    // The full key sees all six.
    expect((await full.get(`/suggestions?forum=${forums}`)).body.suggestions.length).toBe(6);
  });

  it('gets a public suggestion; any other is a 404 as if it did not exist', async () => {
    const one = await pk.get(`/suggestions/${ids.approved}?includes=users`);
    expect(one.status).toBe(200);
    expect(one.body.suggestions.map((s: { id: number }) => s.id)).toEqual([ids.approved]);
    expect(one.body.users).toBeUndefined();
    expectCors(one);
    for (const id of [ids.fresh, ids.spam, ids.privateForum, ids.hiddenForum]) {
      const hidden = await pk.get(`/suggestions/${id}`);
      expect({ id, status: hidden.status, body: hidden.body }).toEqual({ id, status: 404, body: { errors: { error: 'record_not_found' } } });
      expectCors(hidden);
    }
    expect((await pk.get(`/suggestions/${ids.approved},${ids.spam}`)).status).toBe(404);
  });

  it('creates feedback (a vote) on a public suggestion; on any other the suggestion "does not exist"', async () => {
    const made = await pk.post('/feedback', { body: 'I want this', user_email: 'Visitor.One@Example.com', user_name: 'Visitor One', links: { suggestion: ids.approved } });
    expect(made.status, made.text).toBe(200);
    expectCors(made);
    const userId = made.body.feedback[0].links.user;
    expect(made.body.feedback[0]).toMatchObject({ body: 'I want this', links: { suggestion: ids.approved, user: userId, created_by: userId } });
    expect((await full.one('suggestions', ids.approved)).supporters_count).toBe(1);
    for (const id of [ids.spam, ids.privateForum, ids.hiddenForum]) {
      const refused = await pk.post('/feedback', { body: 'x', user_email: 'visitor.one@example.com', links: { suggestion: id } });
      expect({ id, status: refused.status, body: refused.body }).toEqual({ id, status: 422, body: { errors: { 'links.suggestion': ['does not exist'] } } });
    }
  });

  it('names its submitter by user_email: found or created as a plain user, never an admin, the owner, a grantee or a blocked user, never by links.user', async () => {
    const first = await pk.post('/requests', { body: 'Me too', user_email: 'widget.visitor@example.com', user_name: 'Widget Visitor', links: { suggestion: ids.closed } });
    expect(first.status, first.text).toBe(200);
    const userId = first.body.requests[0].links.user;
    const user = (await full.one('users', userId)) as Record<string, unknown>;
    expect({ email: user.email_address, name: user.name, is_admin: user.is_admin }).toEqual({ email: 'widget.visitor@example.com', name: 'Widget Visitor', is_admin: false });
    // The same address again: the same user (a second feedback on the suggestion is no second vote).
    const again = await pk.post('/feedback', { body: 'Still want it', user_email: 'WIDGET.visitor@example.com', links: { suggestion: ids.closed } });
    expect(again.body.feedback[0].links.user).toBe(userId);
    expect((await full.one('suggestions', ids.closed)).supporters_count).toBe(1);

    const plain = await full.user();
    const blocked = await full.user();
    expect((await full.put(`/users/${blocked.id}/block`)).status).toBe(200);
    const grantee = `grantee-${Date.now()}@example.com`;
    expect((await full.post('/permissions', { email: grantee, license_type: 'contributor' })).status).toBe(200);
    const refusal = { status: 422, body: { errors: { user_email: [PUBLIC_USER_REFUSAL] } } };
    const cases: Array<[unknown, { status: number; body: unknown }]> = [
      [{ user_email: app.config.ownerEmail }, refusal],
      [{ user_email: blocked.email_address }, refusal],
      [{ user_email: grantee }, refusal],
      [{ links: { suggestion: ids.approved, user: plain.id } }, { status: 422, body: { errors: { 'links.user': ["can't be set with a publishable key: send user_email"], user_email: ["can't be blank"] } } }],
      [{ user_email: plain.email_address, links: { suggestion: ids.approved, user: plain.id } }, { status: 422, body: { errors: { 'links.user': ["can't be set with a publishable key: send user_email"] } } }],
      [{ user_email: 'not an address' }, { status: 422, body: { errors: { user_email: ['is invalid'] } } }],
    ];
    const before = (await full.get(`/feedback?suggestion=${ids.approved}&per_page=100`)).body.feedback.length;
    for (const [fields, expected] of cases) {
      const reply = await pk.post('/feedback', { body: 'vote', links: { suggestion: ids.approved }, ...(fields as object) });
      expect({ fields, status: reply.status, body: reply.body }).toEqual({ fields, ...expected });
      expectCors(reply);
    }
    expect((await full.get(`/feedback?suggestion=${ids.approved}&per_page=100`)).body.feedback.length).toBe(before);
    // A plain user's address is fine: the vote is theirs.
    const theirs = await pk.post('/feedback', { body: 'vote', user_email: plain.email_address, links: { suggestion: ids.approved } });
    expect({ status: theirs.status, user: theirs.body.feedback?.[0].links.user }).toEqual({ status: 200, user: plain.id });
  });

  it('everything else is 403 forbidden (CORS-readable), recorded in the audit log', async () => {
    const feedbackId = (await full.onSuggestion('feedback', ids.approved, { body: 'by admin', links: { user: (await full.user()).id } })).id;
    const refused: Array<[string, string, unknown?]> = [
      ['GET', '/forums'],
      ['GET', `/forums/${ids.forum}`],
      ['GET', '/users/current'],
      ['GET', '/feedback'],
      ['GET', '/supporters'],
      ['GET', '/audit_events'],
      ['POST', '/suggestions', { title: 'no', links: { forum: ids.forum } }],
      ['PUT', `/suggestions/${ids.approved}`, { title: 'no' }],
      ['PUT', `/suggestions/${ids.approved}/spam`],
      ['DELETE', `/suggestions/${ids.approved}`],
      ['PUT', `/feedback/${feedbackId}`, { body: 'changed' }],
      ['DELETE', `/feedback/${feedbackId}`],
      ['POST', '/comments', { body: 'no', links: { suggestion: ids.approved } }],
      ['POST', '/users/find_or_create', { email: 'x@example.com' }],
    ];
    for (const [method, path, json] of refused) {
      const reply = await request(app.url, method, `/api/v2/admin${path}`, { token, ...(json ? { json } : {}) });
      expect({ method, path, status: reply.status, body: reply.body }).toEqual({
        method,
        path,
        status: 403,
        body: { errors: { error: 'forbidden', message: PUBLISHABLE_REFUSAL } },
      });
      expectCors(reply);
    }
    const logged = await em()
      .getKysely<DB>()
      .selectFrom('audit_events')
      .select(['method', 'path', 'scopes'])
      .where('client_key', '=', key)
      .where('action', '=', 'access.forbidden')
      .orderBy('id')
      .execute();
    expect(logged).toEqual(refused.map(([method, path]) => ({ method, path: `/api/v2/admin${path}`, scopes: 'publishable' })));
    expect((await full.one('suggestions', ids.approved)).title).not.toBe('no');
  });
});

describe('CORS', () => {
  it('preflights to the API are answered (a preflight carries no credentials); other OPTIONS are not preflights', async () => {
    for (const path of ['/api/v2/admin/feedback', '/api/v2/admin/suggestions/1', '/api/v2/oauth/token']) {
      const reply = await fetch(`${app.url}${path}`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
      });
      expect(reply.status).toBe(204);
      expect(Object.fromEntries([...reply.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key',
        'access-control-max-age': '600',
      });
    }
    // Not under the API: no preflight answer.
    const health = await fetch(`${app.url}/health`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET' } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers to secret clients carry no CORS headers, even from a browser origin', async () => {
    const reply = await full.get(`/suggestions/${ids.approved}`, { headers: { Origin: 'https://shop.example' } });
    expect(reply.status).toBe(200);
    expect([...reply.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('an expired publishable key: 401, still readable by the browser', async () => {
    const { client_id } = await createPublishableClient(em(), 'expiring', app.config.ownerEmail, new Date(Date.now() + 60_000));
    const browserToken = (await publishableToken(client_id)).body.access_token;
    try {
      app.clock.now = Date.now() + 120_000;
      const reply = await request(app.url, 'GET', `/api/v2/admin/suggestions/${ids.approved}`, { token: browserToken });
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: { errors: { error: 'not_authorized' } } });
      expectCors(reply);
      const again = await publishableToken(client_id);
      expect(again.status).toBe(401);
      expectCors(again);
    } finally {
      app.clock.now = undefined;
    }
  });

  it('a publishable key has no scopes to change and no secret to rotate', async () => {
    await expect(updateClient(em(), key, { scopes: ['read'] })).rejects.toThrow('A publishable key has no scopes to change');
    await expect(rotateClient(em(), key)).rejects.toThrow('A publishable key has no secret to rotate: revoke it and create another');
  });
});

describe('allowed origins (clients create --publishable --origins …)', () => {
  it('a key with origins answers pages on them (CORS-readable); other origins get 403 forbidden (the token endpoint 400) and no CORS header', async () => {
    const { client_id } = await createPublishableClient(em(), 'shop widget', app.config.ownerEmail, null, ['https://shop.example', 'http://localhost:8080']);
    const tokenFrom = (origin?: string) =>
      request(app.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${client_id}`, headers: origin ? { Origin: origin } : {} });
    const allowed = await tokenFrom('https://shop.example');
    expect(allowed.status).toBe(200);
    expectCors(allowed);
    // No Origin: not a browser page (anything can send any Origin, so this is no barrier to scripts).
    expect((await tokenFrom()).status).toBe(200);
    const foreignToken = await tokenFrom('https://evil.example');
    expect({ status: foreignToken.status, body: foreignToken.body, cors: foreignToken.headers.get('access-control-allow-origin') }).toEqual({
      status: 400,
      body: { error: 'unauthorized_client', error_description: FOREIGN_ORIGIN_REFUSAL },
      cors: null,
    });

    const browserToken = allowed.body.access_token as string;
    const from = (origin: string, method = 'GET', path = `/suggestions/${ids.approved}`, json?: unknown) =>
      request(app.url, method, `/api/v2/admin${path}`, { token: browserToken, headers: { Origin: origin }, ...(json ? { json } : {}) });
    for (const origin of ['https://shop.example', 'http://localhost:8080', 'HTTPS://SHOP.EXAMPLE:443']) {
      const reply = await from(origin);
      expect({ origin, status: reply.status }).toEqual({ origin, status: 200 });
      expectCors(reply);
    }
    const refusal = { status: 403, body: { errors: { error: 'forbidden', message: FOREIGN_ORIGIN_REFUSAL } }, cors: null };
    const before = (await full.get(`/feedback?suggestion=${ids.approved}&per_page=100`)).body.feedback.length;
    const refusedReplies = [
      await from('https://evil.example'),
      await from('http://shop.example'),
      await from('null'),
      await from('https://evil.example', 'POST', '/feedback', { body: 'vote', user_email: 'evil@example.com', links: { suggestion: ids.approved } }),
    ];
    expect(refusedReplies.map((r) => ({ status: r.status, body: r.body, cors: r.headers.get('access-control-allow-origin') }))).toEqual([refusal, refusal, refusal, refusal]);
    expect((await full.get(`/feedback?suggestion=${ids.approved}&per_page=100`)).body.feedback.length).toBe(before);
    const logged = await em()
      .getKysely<DB>()
      .selectFrom('audit_events')
      .select(['action', 'reason'])
      .where('client_key', '=', client_id)
      .orderBy('id')
      .execute();
    expect(logged).toEqual([
      { action: 'client.created', reason: 'origins https://shop.example,http://localhost:8080' },
      { action: 'auth.failed', reason: 'origin not allowed: https://evil.example' },
      ...['https://evil.example', 'http://shop.example', 'null', 'https://evil.example'].map((origin) => ({ action: 'access.forbidden', reason: `${FOREIGN_ORIGIN_REFUSAL}: ${origin}` })),
    ]);

    // Lifting the list (clients update --origins any) opens the key to every origin, at once.
    expect((await updateClient(em(), client_id, { origins: null })).origins).toBeNull();
    const anyOrigin = await from('https://evil.example');
    expect(anyOrigin.status).toBe(200);
    expectCors(anyOrigin);
    await expect(updateClient(em(), (await app.createClient()).client_id, { origins: ['https://a.example'] })).rejects.toThrow('Only a publishable key has allowed origins');
  });

  it('a key without origins may be used from any origin (what keys made before origins existed keep doing)', async () => {
    const reply = await pk.get(`/suggestions/${ids.approved}`, { headers: { Origin: 'https://anywhere.example' } });
    expect(reply.status).toBe(200);
    expectCors(reply);
  });

  it('parseOrigins keeps scheme://host[:port] only', () => {
    expect(parseOrigins('https://a.example, https://B.example:8443/ http://a.example,https://a.example')).toEqual(['https://a.example', 'https://b.example:8443', 'http://a.example']);
    for (const bad of ['https://a.example/path', 'ftp://a.example', 'https://u:p@a.example', 'a.example', 'https://a.example/?q=1']) {
      expect(() => parseOrigins(bad), bad).toThrow(`"${bad}" is not an origin`);
    }
    expect(() => parseOrigins(' , ')).toThrow('at least one origin');
  });
});

describe('rate limit', () => {
  it('a publishable key is limited per browser address, not as one budget for every visitor', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '1' } });
    try {
      const { client_id } = await createPublishableClient(limited.server.db.orm.em.fork(), 'limited', limited.config.ownerEmail);
      const reply = await request(limited.url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${client_id}` });
      const browser = reply.body.access_token as string;
      const from = (address: string) =>
        request(limited.url, 'GET', '/api/v2/admin/suggestions?per_page=1', { token: browser, headers: { 'X-Forwarded-For': address } });
      const statuses = [];
      for (const address of ['198.51.100.1', '198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2']) statuses.push((await from(address)).status);
      expect(statuses).toEqual([200, 200, 429, 200, 200]);
      const over = await from('198.51.100.1');
      expect(over.headers.get('access-control-allow-origin')).toBe('*');
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
      // A secret client keeps one budget whatever the address.
      const secret = await limited.token();
      const fromSecret = (address: string) =>
        request(limited.url, 'GET', '/api/v2/admin/forums?per_page=1', { token: secret, headers: { 'X-Forwarded-For': address } });
      const secretStatuses = [];
      for (const address of ['198.51.100.3', '198.51.100.4', '198.51.100.5']) secretStatuses.push((await fromSecret(address)).status);
      expect(secretStatuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
