import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
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
});
