import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

let app: TestApp;
let token: string;
beforeAll(async () => {
  // BENCH=1 used to mount the benchmark baselines; the product no longer reads it (they live in bench/server.ts).
  app = await startTestApp({ env: { BENCH: '1' } });
  token = await app.token();
});
afterAll(() => app?.close());

const JSON_TYPE = 'application/json; charset=utf-8';

describe('one error envelope for every error class', () => {
  it('404 not_found for an unknown route, with or without a token', async () => {
    // The benchmark baselines are mounted only by bench/server.ts, never by the product's server.
    const bench = ['/_bench/hello', '/_bench/raw/suggestions', '/_bench/unlimited/api/v2/admin/users/current'];
    for (const path of ['/nope', '/api/v2/nope', '/api/v2/admin/nope', '/api/v1/admin/suggestions', ...bench]) {
      const reply = await request(app.url, 'GET', path, { token });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ errors: { error: 'not_found' } });
      expect(reply.headers.get('content-type')).toBe(JSON_TYPE);
    }
  });

  it('the product contains no benchmark code (bench/ imports src/, never the other way)', () => {
    const root = path.resolve(import.meta.dirname, '../../src');
    const offenders = (fs.readdirSync(root, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /_bench|from '[./]*\/bench\/|\bBENCH\b/.test(fs.readFileSync(path.join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('404 record_not_found for an unknown id', async () => {
    const reply = await request(app.url, 'GET', '/api/v2/admin/users/999999', { token });
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ errors: { error: 'record_not_found' } });
  });

  it('405 with Allow for a known path and another method', async () => {
    // supporters are read-only (users/current now shares a path pattern with PUT /admin/users/{id}).
    const reply = await request(app.url, 'DELETE', '/api/v2/admin/supporters', { token });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('HEAD, GET');
    expect(reply.body).toEqual({ errors: { error: 'method_not_allowed', message: 'Allowed: HEAD, GET' } });
  });

  it('405 for methods the server does not implement', async () => {
    const reply = await request(app.url, 'PROPFIND', '/api/v2/admin/users/current', { token });
    expect(reply.status).toBe(405);
    expect(reply.body.errors.error).toBe('method_not_allowed');
  });

  it('400 bad_request for a malformed JSON body', async () => {
    for (const raw of ['{"title":', '{"title": "x",}', 'not json', '{"__proto__": {"polluted": true}}']) {
      const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', {
        token,
        raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ errors: { error: 'bad_request', message: 'The request body is not valid JSON' } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('400 bad_request for a form body that cannot be decoded', async () => {
    const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', {
      token,
      raw: 'email=a%40example.com',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errors: { error: 'bad_request', message: 'The request body could not be decompressed' } });
  });

  it('accepts a gzip-encoded form body that is well formed', async () => {
    const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', {
      token,
      raw: zlib.gzipSync('email=gzip%40example.com'),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.users[0].email_address).toBe('gzip@example.com');
  });

  it('400 bad_request for a body that is JSON but not an object', async () => {
    const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', { token, json: ['email'] });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errors: { error: 'bad_request', message: 'The request body must be a JSON object or form fields' } });
  });

  it('413 request_entity_too_large for an oversized body (JSON and form)', async () => {
    const big = 'x'.repeat(1_100_000);
    for (const options of [{ json: { email: 'a@example.com', pad: big } }, { form: `email=a%40example.com&pad=${big}` }]) {
      const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', { token, ...options });
      expect(reply.status).toBe(413);
      expect(reply.body).toEqual({ errors: { error: 'request_entity_too_large', message: 'The request body is too large' } });
    }
  });

  it('400 bad_request for malformed query parameters', async () => {
    const cases: Array<[string, string]> = [
      ['per_page=abc', 'The parameter per_page must be a positive whole number'],
      ['per_page=10&per_page=20', 'The parameter per_page is given more than once'],
      ['page=0', 'The parameter page must be between 1 and 2147483647'],
      ['sort=-password', 'Cannot sort users by "password"'],
      ['updated_after=yesterday', 'The parameter updated_after must be an ISO-8601 timestamp'],
      ['cursor=not-a-cursor', 'The cursor is not valid'],
    ];
    for (const [query, message] of cases) {
      const reply = await request(app.url, 'GET', `/api/v2/admin/users?${query}`, { token });
      expect(reply.status, query).toBe(400);
      expect(reply.body).toEqual({ errors: { error: 'bad_request', message } });
    }
  });

  it('422 with field errors for invalid input', async () => {
    const reply = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', { token, json: { email: 'not-an-email' } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { email: ['is invalid'] } });
  });

  it('treats Content-Type: application/json on a body-less GET, PUT and DELETE as no body', async () => {
    const headers = { 'Content-Type': 'application/json' };
    expect((await request(app.url, 'GET', '/api/v2/admin/users/current', { token, headers })).status).toBe(200);
    const created = await request(app.url, 'POST', '/api/v2/admin/users/find_or_create', { token, json: { email: 'block@example.com' } });
    const id = created.body.users[0].id;
    const blocked = await request(app.url, 'PUT', `/api/v2/admin/users/${id}/block`, { token, headers });
    expect(blocked.status).toBe(200);
    expect(blocked.body.users[0].allowed_state).toBe('blocked');
  });
});

describe('500, 503 and health', () => {
  it('GET /health answers ok while the database is up', async () => {
    const reply = await request(app.url, 'GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('an unexpected database error is a 500 without stack, SQL or paths', async () => {
    const broken = await startTestApp();
    try {
      const brokenToken = await broken.token();
      // A table disappears under the running server: an error the server has no answer for.
      await broken.server.db.orm.em.fork().getConnection().execute('alter table users rename to users_gone');
      const reply = await request(broken.url, 'GET', '/api/v2/admin/users/current', { token: brokenToken });
      expect(reply.status).toBe(500);
      expect(reply.text).toBe('{"errors":{"error":"internal_server_error"}}');
      expect(reply.headers.get('retry-after')).toBeNull();
    } finally {
      await broken.close();
    }
  });

  it('the database gone: 503 service_unavailable with Retry-After for reads, writes and tokens; /health 503', async () => {
    const broken = await startTestApp();
    try {
      const brokenToken = await broken.token();
      const creds = await broken.createClient();
      // The database goes away under a running server (PGlite closed; PostgreSQL database dropped).
      await broken.breakDatabase();
      const read = await request(broken.url, 'GET', '/api/v2/admin/users/current', { token: brokenToken });
      expect(read.status).toBe(503);
      expect(read.text).toBe('{"errors":{"error":"service_unavailable"}}');
      expect(read.headers.get('retry-after')).toBe('5');
      const write = await request(broken.url, 'POST', '/api/v2/admin/forums', { token: brokenToken, json: { name: 'Lost' } });
      expect([write.status, write.text, write.headers.get('retry-after')]).toEqual([503, '{"errors":{"error":"service_unavailable"}}', '5']);
      const tokenReply = await request(broken.url, 'POST', '/api/v2/oauth/token', {
        form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
      });
      expect(tokenReply.status).toBe(503);
      expect(tokenReply.body).toEqual({ error: 'temporarily_unavailable', error_description: 'The server is busy; retry after Retry-After seconds' });
      expect(tokenReply.headers.get('retry-after')).toBe('5');
      const health = await request(broken.url, 'GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ errors: { error: 'service_unavailable', message: 'The database is not answering' } });
      expect(health.headers.get('retry-after')).toBe('5');
    } finally {
      await broken.close();
    }
  });
});
