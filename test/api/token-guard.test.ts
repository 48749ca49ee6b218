/**
 * The token endpoint's brute-force guard (issue 6 point 4) and where the client IP comes from (point 5):
 * 20 failed client authentications per IP per window, then 429 in the OAuth error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../src/auth/clients.ts';
import { TOKEN_CLIENT_FAILURES_PER_WINDOW, TOKEN_FAILURES_PER_WINDOW } from '../../src/limits/limiters.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { sleep } from '../helpers/process.ts';
import { rawRequest, type RawReply } from '../helpers/raw-http.ts';

const TOKEN_PATH = '/api/v2/oauth/token';
const CURRENT = '/api/v2/admin/users/current';

const apps: TestApp[] = [];
async function freshApp(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const app = await startTestApp(options);
  apps.push(app);
  return app;
}
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function tokenRequest(app: TestApp, form: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return rawRequest(app.url, 'POST', TOKEN_PATH, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
  });
}

const goodForm = (creds: IssuedCredentials) =>
  `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`;
const wrongSecret = (creds: IssuedCredentials) => `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=wrong`;

function expectInvalidClient(reply: RawReply) {
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
}

function expectLimited(reply: RawReply, windowSeconds: number) {
  expect(reply.status).toBe(429);
  expect(reply.body).toEqual({
    error: 'rate_limit_exceeded',
    error_description: 'Too many failed client authentications; retry after Retry-After seconds',
  });
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headerNames).toContain('Retry-After');
  expect(reply.headers['retry-after']).toMatch(/^\d+$/);
  const retryAfter = Number(reply.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  // Not an authenticated response: no per-client headers.
  expect(reply.headerNames.filter((n) => /x-rate-limit/i.test(n))).toEqual([]);
  return retryAfter;
}

async function fail(app: TestApp, creds: IssuedCredentials, times: number, headers: (i: number) => Record<string, string> = () => ({})) {
  for (let i = 0; i < times; i++) expectInvalidClient(await tokenRequest(app, wrongSecret(creds), headers(i)));
}

describe('token endpoint brute-force guard', () => {
  let app: TestApp;
  let creds: IssuedCredentials;
  beforeAll(async () => {
    app = await freshApp();
    creds = await app.createClient('guarded');
  });

  it('counts only invalid_client: after 20 failures the IP gets 429 before its credentials are checked', async () => {
    expect(TOKEN_FAILURES_PER_WINDOW).toBe(20);
    // A token from before the attack, to watch the client's API quota.
    const token = (await tokenRequest(app, goodForm(creds))).body.access_token as string;
    const before = await rawRequest(app.url, 'GET', CURRENT, { token });
    const remainingBefore = Number(before.headers['x-rate-limit-remaining']);

    // Neither successes nor other OAuth errors count.
    for (let i = 0; i < 25; i++) expect((await tokenRequest(app, goodForm(creds))).status).toBe(200);
    for (let i = 0; i < 25; i++) expect((await tokenRequest(app, 'grant_type=password')).status).toBe(400);

    // Wrong secrets and unknown clients both count.
    await fail(app, creds, TOKEN_FAILURES_PER_WINDOW - 5);
    for (let i = 0; i < 5; i++) {
      expectInvalidClient(await tokenRequest(app, `grant_type=client_credentials&client_id=nobody-${i}&client_secret=x`));
    }

    // The 21st attempt is refused, the right secret too, and so is any other request to the endpoint.
    expectLimited(await tokenRequest(app, wrongSecret(creds)), 60);
    expectLimited(await tokenRequest(app, goodForm(creds)), 60);
    expectLimited(await tokenRequest(app, 'grant_type=password'), 60);

    // The client's API quota was not touched by any of it.
    const after = await rawRequest(app.url, 'GET', CURRENT, { token });
    expect(after.status).toBe(200);
    expect(Number(after.headers['x-rate-limit-remaining'])).toBe(remainingBefore - 1);
  });
});

describe('the guard window', () => {
  it('ends: the right secret works again after Retry-After', async () => {
    const app = await freshApp({ rateLimitWindowSeconds: 3 });
    const creds = await app.createClient('patient');
    // Concurrently, so all 20 land well inside one 3 s window.
    await Promise.all(Array.from({ length: TOKEN_FAILURES_PER_WINDOW }, async () => expectInvalidClient(await tokenRequest(app, wrongSecret(creds)))));
    const retryAfter = expectLimited(await tokenRequest(app, goodForm(creds)), 3);
    await sleep(retryAfter * 1000 + 50);
    expect((await tokenRequest(app, goodForm(creds))).status).toBe(200);
  });
});

describe('client IP', () => {
  it('comes from the socket without TRUST_PROXY: rotating X-Forwarded-For does not escape the guard', async () => {
    const app = await freshApp();
    const creds = await app.createClient('spoofer');
    await fail(app, creds, TOKEN_FAILURES_PER_WINDOW, (i) => ({ 'X-Forwarded-For': `198.51.100.${i}`, 'X-Real-IP': `198.51.100.${i}` }));
    expectLimited(await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': '203.0.113.99' }), 60);
    expectLimited(await tokenRequest(app, goodForm(creds)), 60);
  });

  it('with TRUST_PROXY=1 comes from the last X-Forwarded-For hop only (the one the proxy appended)', async () => {
    const app = await freshApp({ env: { TRUST_PROXY: '1' } });
    const creds = await app.createClient('behind a proxy');
    const attacker = '203.0.113.7';
    await fail(app, creds, TOKEN_FAILURES_PER_WINDOW, () => ({ 'X-Forwarded-For': attacker }));
    expectLimited(await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': attacker }), 60);
    // Whatever the client prepends, the proxy's entry is the last one and decides.
    expectLimited(await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': `198.51.100.1, ${attacker}` }), 60);
    // Other addresses behind the same proxy are not affected.
    expect((await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': `${attacker}, 198.51.100.1` })).status).toBe(200);
  });
});

describe('per client id', () => {
  it('10 addresses × 19 wrong secrets on one client: the client is throttled everywhere, the right secret too', async () => {
    expect(TOKEN_CLIENT_FAILURES_PER_WINDOW).toBe(50);
    const app = await freshApp({ env: { TRUST_PROXY: '1' } });
    const creds = await app.createClient('sprayed');
    const bystander = await app.createClient('bystander');
    const statuses: number[] = [];
    for (let ip = 0; ip < 10; ip++) {
      for (let i = 0; i < TOKEN_FAILURES_PER_WINDOW - 1; i++) {
        const reply = await tokenRequest(app, wrongSecret(creds), { 'X-Forwarded-For': `198.51.100.${ip}` });
        if (reply.status === 429) expectLimited(reply, 60);
        else expectInvalidClient(reply);
        statuses.push(reply.status);
      }
    }
    // Exactly the first 50 failures were checked; every later attempt on this client was refused unchecked.
    expect(statuses.filter((s) => s === 401)).toHaveLength(TOKEN_CLIENT_FAILURES_PER_WINDOW);
    expect(statuses.slice(TOKEN_CLIENT_FAILURES_PER_WINDOW).every((s) => s === 429)).toBe(true);

    // The right secret, from an address that never failed, is refused while the client is throttled.
    expectLimited(await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': '203.0.113.50' }), 60);
    const basic = `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}`;
    expectLimited(await tokenRequest(app, 'grant_type=client_credentials', { 'X-Forwarded-For': '203.0.113.51', Authorization: basic }), 60);
    // Neither the addresses (19 failures each, under their own limit) nor other clients are affected.
    expect((await tokenRequest(app, goodForm(bystander), { 'X-Forwarded-For': '198.51.100.0' })).status).toBe(200);
  });

  it('the per-client window ends too: the right secret works again after Retry-After', async () => {
    const app = await freshApp({ env: { TRUST_PROXY: '1' }, rateLimitWindowSeconds: 3 });
    const creds = await app.createClient('patient client');
    await Promise.all(
      Array.from({ length: TOKEN_CLIENT_FAILURES_PER_WINDOW }, async (_, i) =>
        expectInvalidClient(await tokenRequest(app, wrongSecret(creds), { 'X-Forwarded-For': `198.51.100.${i % 10}` })),
      ),
    );
    const retryAfter = expectLimited(await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': '203.0.113.60' }), 3);
    await sleep(retryAfter * 1000 + 50);
    expect((await tokenRequest(app, goodForm(creds), { 'X-Forwarded-For': '203.0.113.60' })).status).toBe(200);
  });
});
