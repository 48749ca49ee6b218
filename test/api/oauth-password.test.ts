/**
 * The OAuth password grant (issue 13 point 4): users get a password through the users API, log in with
 * `grant_type=password&client_id=…&username=…&password=…`, and the token acts as them.
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClient, type IssuedCredentials } from '../../src/auth/clients.ts';
import type { DB } from '../../src/db/schema.ts';
import { TOKEN_FAILURES_PER_WINDOW } from '../../src/limits/limiters.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request, type Reply } from '../helpers/http.ts';

const TOKEN_PATH = '/api/v2/oauth/token';
const PASSWORD = 'correct horse; battery & staple';
const FORBIDDEN = { errors: { error: 'forbidden' } };
const NOT_AUTHORIZED = { errors: { error: 'not_authorized' } };

let app: TestApp;
let a: Api;
let creds: IssuedCredentials;
const logs: string[] = [];

beforeAll(async () => {
  app = await startTestApp({ logs });
  a = await api(app);
  creds = await app.createClient('password grant');
});
afterAll(() => app?.close());

let counter = 0;
const email = () => `person-${Date.now().toString(36)}-${counter++}@example.com`;

/** A user with a password, made an admin in the database (no API grants admin rights). */
async function person(options: { admin?: boolean; password?: string } = {}): Promise<any> {
  const reply = await a.post('/users', { email: email(), name: 'Pat Person', password: options.password ?? PASSWORD });
  expect(reply.status, reply.text).toBe(200);
  const user = reply.body.users[0];
  if (options.admin ?? true) {
    await app.server.db.orm.em.fork().getKysely<DB>().updateTable('users').set({ is_admin: true }).where('id', '=', user.id).execute();
  }
  return user;
}

const form = (fields: Record<string, string>, sep = '&') =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join(sep);

const login = (username: string, password = PASSWORD, extra: Record<string, string> = {}) =>
  request(app.url, 'POST', TOKEN_PATH, { form: form({ grant_type: 'password', client_id: creds.client_id, username, password, ...extra }) });

function expectToken(reply: Reply): string {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 30 * 86400 });
  expect(reply.headers.get('cache-control')).toBe('no-store');
  return reply.body.access_token;
}

function expectOAuthError(reply: Reply, status: number, error: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body).toEqual({ error, error_description: expect.any(String) });
  expect(reply.headers.get('cache-control')).toBe('no-store');
}

const current = (token: string) => request(app.url, 'GET', '/api/v2/admin/users/current', { token });

describe('grant_type=password', () => {
  it('answers a token for the right email and password, in every body form; the token acts as that user', async () => {
    const user = await person();
    const fields = { grant_type: 'password', client_id: creds.client_id, username: user.email_address, password: PASSWORD };
    const replies = [
      await request(app.url, 'POST', TOKEN_PATH, { form: form(fields) }),
      await request(app.url, 'POST', TOKEN_PATH, { form: `${form(fields, ';')};` }),
      await request(app.url, 'POST', TOKEN_PATH, { json: fields }),
      await request(app.url, 'POST', `${TOKEN_PATH}?${form(fields)}`),
      // The email in another case; the client authenticated with its secret too.
      await login(user.email_address.toUpperCase(), PASSWORD, { client_secret: creds.client_secret }),
    ];
    for (const reply of replies) {
      const token = expectToken(reply);
      const me = await current(token);
      expect(me.status).toBe(200);
      expect(me.body.users.map((u: any) => u.id)).toEqual([user.id]);
      // HS256, our issuer, and a subject naming the user.
      const decoded = jwt.decode(token, { complete: true })!;
      expect(decoded.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      expect(decoded.payload).toMatchObject({ sub: `user:${user.id}`, iss: 'uservoice-compatible-server' });
    }
    // Writes made with it are the user's.
    const token = expectToken(await login(user.email_address));
    const forum = (await a.forum()).id;
    const s = await request(app.url, 'POST', '/api/v2/admin/suggestions', { token, json: { title: 'Mine', links: { forum } } });
    expect(s.status, s.text).toBe(200);
    expect(s.body.suggestions[0].links.created_by).toBe(user.id);
    // The login is recorded.
    expect((await a.one('users', user.id)).last_login).toEqual(expect.any(String));
  });

  it('400 invalid_grant for a wrong password, an unknown email, a user without a password, and a blocked user', async () => {
    const user = await person();
    const plain = await a.user();
    const blocked = await person();
    expect((await a.put(`/users/${blocked.id}/block`)).status).toBe(200);
    for (const [username, password] of [
      [user.email_address, 'wrong password'],
      [user.email_address, PASSWORD.toUpperCase()],
      ['nobody@example.com', PASSWORD],
      [plain.email_address, PASSWORD],
      [blocked.email_address, PASSWORD],
      [`${'x'.repeat(400)}@example.com`, PASSWORD],
    ]) {
      expectOAuthError(await login(username!, password), 400, 'invalid_grant');
    }
  });

  it('needs username and password (400 invalid_request) and a client_id of a live client (401 invalid_client)', async () => {
    const user = await person();
    expectOAuthError(await request(app.url, 'POST', TOKEN_PATH, { form: 'grant_type=password' }), 400, 'invalid_request');
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, { form: form({ grant_type: 'password', client_id: creds.client_id, username: user.email_address }) }),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await request(app.url, 'POST', TOKEN_PATH, { form: form({ grant_type: 'password', username: user.email_address, password: PASSWORD }) }),
      401,
      'invalid_client',
    );
    expectOAuthError(await login(user.email_address, PASSWORD, { client_id: 'no-such-client' }), 401, 'invalid_client');
    expectOAuthError(await login(user.email_address, PASSWORD, { client_secret: 'wrong' }), 401, 'invalid_client');
    const other = await app.createClient('soon revoked');
    await revokeClient(app.server.db.orm.em.fork(), other.client_id);
    expectOAuthError(await login(user.email_address, PASSWORD, { client_id: other.client_id }), 401, 'invalid_client');
  });

  it("a non-admin user's token is refused on the admin API with 403 forbidden", async () => {
    const user = await person({ admin: false });
    const token = expectToken(await login(user.email_address));
    for (const path of ['/users/current', '/suggestions', '/nps_ratings']) {
      const reply = await request(app.url, 'GET', `/api/v2/admin${path}`, { token });
      expect(reply.status, path).toBe(403);
      expect(reply.body).toEqual(FORBIDDEN);
    }
    // Made an admin, the same token works.
    await app.server.db.orm.em.fork().getKysely<DB>().updateTable('users').set({ is_admin: true }).where('id', '=', user.id).execute();
    expect((await current(token)).status).toBe(200);
  });

  it('stops working when the password changes or is removed, when the user is blocked (also after unblock), or the client is revoked', async () => {
    const user = await person();
    const first = expectToken(await login(user.email_address));
    expect((await a.put(`/users/${user.id}`, { password: 'a brand new password' })).status).toBe(200);
    expect((await current(first)).body).toEqual(NOT_AUTHORIZED);
    expectOAuthError(await login(user.email_address), 400, 'invalid_grant');
    const second = expectToken(await login(user.email_address, 'a brand new password'));
    expect((await current(second)).status).toBe(200);

    expect((await a.put(`/users/${user.id}/block`)).status).toBe(200);
    expect((await current(second)).status).toBe(401);
    expect((await a.put(`/users/${user.id}/unblock`)).status).toBe(200);
    expect((await current(second)).status).toBe(401);
    const third = expectToken(await login(user.email_address, 'a brand new password'));
    expect((await current(third)).status).toBe(200);

    // A form with an empty value (or JSON null) removes the password.
    const removed = await a.put(`/users/${user.id}`, undefined, { form: 'password=' });
    expect(removed.status, removed.text).toBe(200);
    expect((await current(third)).status).toBe(401);
    expectOAuthError(await login(user.email_address, 'a brand new password'), 400, 'invalid_grant');

    const client = await app.createClient('revoked later');
    await a.put(`/users/${user.id}`, { password: PASSWORD });
    const viaClient = expectToken(await login(user.email_address, PASSWORD, { client_id: client.client_id }));
    expect((await current(viaClient)).status).toBe(200);
    await revokeClient(app.server.db.orm.em.fork(), client.client_id);
    expect((await current(viaClient)).status).toBe(401);
  });
});

describe('passwords through POST/PUT /admin/users', () => {
  it('creates a user with a password; the password is never in a response or a log line', async () => {
    const address = email();
    const secret = 'never-shown-password-123';
    const reply = await a.post('/users', { email: address, name: 'New Person', password: secret });
    expect(reply.status).toBe(200);
    const user = reply.body.users[0];
    expect(user).toMatchObject({ email_address: address, name: 'New Person', is_admin: false });
    expect(Object.keys(user)).not.toContain('password');
    expect(reply.text).not.toContain(secret);
    expect(reply.text).not.toMatch(/argon2|password_hash|password_generation/);
    const read = await a.get(`/users/${user.id}`);
    expect(read.body).toEqual({ users: [user], links: reply.body.links });
    const list = await a.get(`/users?email_address=${encodeURIComponent(address)}`);
    expect(list.text).not.toMatch(/argon2|never-shown/);
    // Form bodies too.
    const formed = await a.post('/users', undefined, { form: `email=${encodeURIComponent(email())}&password=${encodeURIComponent(secret)}` });
    expect(formed.status, formed.text).toBe(200);
    expectToken(await login(formed.body.users[0].email_address, secret));
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('422: a password shorter than 8 characters, a taken email, a blank email on create; 404 for an unknown id', async () => {
    const user = await person();
    const cases: Array<[string, string, unknown, Record<string, string[]>]> = [
      ['POST', '/users', { email: email(), password: 'short' }, { password: ['is too short (minimum is 8 characters)'] }],
      ['POST', '/users', { email: user.email_address, password: PASSWORD }, { email: ['has already been taken'] }],
      ['POST', '/users', { password: PASSWORD }, { email: ["can't be blank"] }],
      ['PUT', `/users/${user.id}`, { password: '1234567' }, { password: ['is too short (minimum is 8 characters)'] }],
      ['PUT', `/users/${user.id}`, { password: 'x'.repeat(1025) }, { password: ['is too long (maximum is 1024 characters)'] }],
    ];
    for (const [method, path, json, errors] of cases) {
      const reply = method === 'POST' ? await a.post(path, json) : await a.put(path, json);
      expect({ path, status: reply.status, body: reply.body }).toEqual({ path, status: 422, body: { errors } });
    }
    // Nothing changed: the old password still works.
    expectToken(await login(user.email_address));
    const missing = await a.put('/users/999999', { password: PASSWORD });
    expect(missing.status).toBe(404);
    // PUT changes name and email too.
    const renamed = await a.put(`/users/${user.id}`, { name: 'Renamed', email: `RENAMED-${user.email_address}` });
    expect(renamed.body.users[0]).toMatchObject({ name: 'Renamed', email_address: `renamed-${user.email_address}` });
  });
});

describe('the brute-force guard', () => {
  it('counts wrong user credentials: after 20 the IP gets 429, the right password too', async () => {
    const guarded = await startTestApp();
    try {
      const client = await guarded.createClient('guarded');
      const admin = await api(guarded);
      const user = (await admin.post('/users', { email: email(), password: PASSWORD })).body.users[0];
      const attempt = (password: string) =>
        request(guarded.url, 'POST', TOKEN_PATH, {
          form: form({ grant_type: 'password', client_id: client.client_id, username: user.email_address, password }),
        });
      for (let i = 0; i < TOKEN_FAILURES_PER_WINDOW; i++) expectOAuthError(await attempt(`wrong ${i}`), 400, 'invalid_grant');
      const limited = await attempt(PASSWORD);
      expect(limited.status).toBe(429);
      expect(limited.body.error).toBe('rate_limit_exceeded');
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(limited.headers.get('cache-control')).toBe('no-store');
    } finally {
      await guarded.close();
    }
  });
});
