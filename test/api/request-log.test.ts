import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

let app: TestApp;
const logs: string[] = [];
beforeAll(async () => {
  app = await startTestApp({ logs });
});
afterAll(() => app?.close());

describe('request log', () => {
  it('writes one JSON line per request, without tokens, secrets or query strings', async () => {
    const creds = await app.createClient('log test');
    logs.length = 0;
    const token = await request(app.url, 'POST', `/api/v2/oauth/token?client_secret=${creds.client_secret}`, {
      form: `grant_type=client_credentials&client_id=${creds.client_id}`,
    });
    expect(token.status).toBe(200);
    const accessToken = token.body.access_token as string;
    const me = await request(app.url, 'GET', '/api/v2/admin/users/current?includes=teams', { token: accessToken });
    expect(me.status).toBe(200);
    await request(app.url, 'GET', '/api/v2/admin/users/current', { token: `${accessToken}x` });

    // OPENAPI_VALIDATE=1 fetches the OpenAPI document through the same server (test/helpers/openapi.ts).
    const lines = logs.map((line) => JSON.parse(line)).filter((line) => line.path !== '/api/v2/openapi.json');
    expect(lines).toEqual([
      { time: expect.any(String), level: 'info', msg: 'request', request_id: expect.any(String), method: 'POST', path: '/api/v2/oauth/token', route: '/api/v2/oauth/token', status: 200, ms: expect.any(Number) },
      {
        time: expect.any(String), level: 'info', msg: 'request', request_id: me.headers.get('x-request-id'),
        method: 'GET', path: '/api/v2/admin/users/current', route: '/api/v2/admin/users/current', status: 200, ms: expect.any(Number), client: creds.client_id,
      },
      { time: expect.any(String), level: 'info', msg: 'request', request_id: expect.any(String), method: 'GET', path: '/api/v2/admin/users/current', route: '/api/v2/admin/users/current', status: 401, ms: expect.any(Number) },
    ]);
    const all = logs.join('\n');
    expect(all).not.toContain(creds.client_secret);
    expect(all).not.toContain(accessToken.split('.')[2]);
  });

  it('keeps passwords, secrets and tokens out of every line, also on writes and the password grant', async () => {
    const creds = await app.createClient('log secrets');
    const token = await request(app.url, 'POST', '/api/v2/oauth/token', {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
    });
    const accessToken = token.body.access_token as string;
    logs.length = 0;
    const password = 'correct-horse-battery-staple';
    const user = await request(app.url, 'POST', '/api/v2/admin/users', {
      token: accessToken,
      json: { email: 'log-secrets@example.com', name: 'Log Secrets', password },
      headers: { 'Idempotency-Key': 'log-secrets-key' },
    });
    expect(user.status).toBe(200);
    const grant = await request(app.url, 'POST', '/api/v2/oauth/token', {
      form: `grant_type=password&client_id=${creds.client_id}&username=log-secrets@example.com&password=${password}`,
    });
    expect(grant.status).toBe(200);
    const wrong = await request(app.url, 'POST', '/api/v2/oauth/token', {
      form: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}x`,
    });
    expect(wrong.status).toBe(401);
    const all = logs.join('\n');
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const secret of [password, creds.client_secret, accessToken, grant.body.access_token as string, TEST_TOKEN_SECRET]) {
      expect(all).not.toContain(secret);
    }
    expect(logs.map((line) => JSON.parse(line).idempotency).filter(Boolean)).toEqual(['stored']);
  });
});

