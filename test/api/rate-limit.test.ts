/**
 * Per-client rate limiting on /api/v2/admin (issue 6): the X-Rate-Limit-* headers, the cost of slow
 * requests, 429s, the window reset and the disable switch. On PGlite the counters are in memory; in
 * the PostgreSQL run they live in this file's own database (the rate_limits table).
 */
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestCost } from '../../src/http/rate-limit.ts';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app.ts';
import { POSTGRES_MODE, sleep } from '../helpers/process.ts';
import { heldRequest, rawRequest, type RawReply } from '../helpers/raw-http.ts';

const LIMIT = 5;
const CURRENT = '/api/v2/admin/users/current';
const RATE_HEADERS = ['X-Rate-Limit-Limit', 'X-Rate-Limit-Remaining', 'X-Rate-Limit-Reset'];

let app: TestApp;
let shortWindow: TestApp;
let disabled: TestApp;

beforeAll(async () => {
  [app, shortWindow, disabled] = await Promise.all([
    startTestApp({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } }),
    // Windows of 3 s, so a test can watch one end.
    startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' }, rateLimitWindowSeconds: 3 }),
    startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([app?.close(), shortWindow?.close(), disabled?.close()]);
});

const get = (target: TestApp, path: string, token?: string) => rawRequest(target.url, 'GET', path, { token });

/** The three headers as numbers, after checking they are present exactly once, exactly so cased, and integers. */
function rateHeaders(reply: RawReply) {
  for (const name of RATE_HEADERS) {
    expect(reply.headerNames.filter((n) => n.toLowerCase() === name.toLowerCase()), name).toEqual([name]);
    expect(reply.headers[name.toLowerCase()], name).toMatch(/^\d+$/);
  }
  return {
    limit: Number(reply.headers['x-rate-limit-limit']),
    remaining: Number(reply.headers['x-rate-limit-remaining']),
    reset: Number(reply.headers['x-rate-limit-reset']),
  };
}

function expectNoRateHeaders(reply: RawReply) {
  expect(reply.headerNames.filter((n) => /rate-?limit|retry-after/i.test(n))).toEqual([]);
}

function expect429(reply: RawReply) {
  expect(reply.status).toBe(429);
  expect(reply.body).toEqual({ errors: { error: 'rate_limit_exceeded' } });
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(reply.headerNames).toContain('Retry-After');
  expect(reply.headers['retry-after']).toMatch(/^\d+$/);
  const retryAfter = Number(reply.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  return retryAfter;
}

const clientIdOf = (token: string) => (jwt.decode(token) as jwt.JwtPayload).sub!.replace('client:', '');

describe('X-Rate-Limit-* headers', () => {
  it('are on every authenticated response (success, 404, 400, 429), count down by one, and Reset stays the window end', async () => {
    const token = await app.token();
    const started = Math.floor(Date.now() / 1000);
    const replies = [
      await get(app, CURRENT, token),
      await get(app, '/api/v2/admin/users/999999999', token),
      await get(app, '/api/v2/admin/users?per_page=abc', token),
      await get(app, CURRENT, token),
      await get(app, '/api/v2/admin/suggestions?sort=nonsense', token),
    ];
    expect(replies.map((r) => r.status)).toEqual([200, 404, 400, 200, 400]);
    const headers = replies.map(rateHeaders);
    expect(headers.map((h) => h.limit)).toEqual([LIMIT, LIMIT, LIMIT, LIMIT, LIMIT]);
    expect(headers.map((h) => h.remaining)).toEqual([4, 3, 2, 1, 0]);
    const reset = headers[0]!.reset;
    expect(headers.every((h) => Math.abs(h.reset - reset) <= 1)).toBe(true);
    // Epoch seconds of the window's end: about a minute after the first request.
    expect(reset).toBeGreaterThanOrEqual(started + 59);
    expect(reset).toBeLessThanOrEqual(started + 62);

    const limited = await get(app, CURRENT, token);
    const retryAfter = expect429(limited);
    expect(rateHeaders(limited)).toEqual({ limit: LIMIT, remaining: 0, reset: expect.any(Number) });
    expect(Math.abs(rateHeaders(limited).reset - reset)).toBeLessThanOrEqual(1);
    // Retry-After is seconds to wait, and never points before the window's end.
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Date.now() / 1000 + retryAfter).toBeGreaterThanOrEqual(reset - 1);
    // Still limited, still no negative Remaining.
    for (let i = 0; i < 3; i++) {
      const again = await get(app, CURRENT, token);
      expect429(again);
      expect(rateHeaders(again).remaining).toBe(0);
    }
  });

  it('all tokens of one client share one bucket; another client has its own', async () => {
    const creds = await app.createClient('two tokens');
    const tokenFor = async () => {
      const reply = await rawRequest(app.url, 'POST', '/api/v2/oauth/token', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${creds.client_id}&client_secret=${creds.client_secret}`,
      });
      expect(reply.status).toBe(200);
      expectNoRateHeaders(reply); // the token endpoint is not an authenticated route
      return reply.body.access_token as string;
    };
    const [first, second] = [await tokenFor(), await tokenFor()];
    expect(first).not.toBe(second);
    expect(rateHeaders(await get(app, CURRENT, first)).remaining).toBe(4);
    expect(rateHeaders(await get(app, CURRENT, second)).remaining).toBe(3);
    expect(rateHeaders(await get(app, CURRENT, first)).remaining).toBe(2);
    expect(rateHeaders(await get(app, CURRENT, await app.token())).remaining).toBe(4);
  });

  it('401s carry no rate headers and never use up the quota of the client the token names', async () => {
    const token = await app.token();
    expect(rateHeaders(await get(app, CURRENT, token)).remaining).toBe(4);
    const sub = `client:${clientIdOf(token)}`;
    const forged = jwt.sign({ gen: 1 }, `${TEST_TOKEN_SECRET}-not`, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt' },
      issuer: 'uservoice-compatible-server',
      audience: 'uservoice-admin-api-v2',
      subject: sub,
      expiresIn: 3600,
      jwtid: 'x',
    });
    for (const bad of [forged, `${token}x`, 'garbage']) {
      for (let i = 0; i < LIMIT; i++) {
        const reply = await get(app, CURRENT, bad);
        expect(reply.status).toBe(401);
        expectNoRateHeaders(reply);
      }
    }
    const unauthenticated = await get(app, CURRENT);
    expect(unauthenticated.status).toBe(401);
    expectNoRateHeaders(unauthenticated);
    expect(rateHeaders(await get(app, CURRENT, token)).remaining).toBe(3);
  });
});

describe('the cost of a request', () => {
  it('is max(1, floor(seconds)), as a pure function', () => {
    const cases: [number, number][] = [
      [0, 1], [1, 1], [500, 1], [999, 1], [1000, 1], [1999, 1], [2000, 2], [2500, 2], [2999, 2], [3000, 3], [59_999, 59], [61_000, 61],
    ];
    for (const [ms, units] of cases) expect(requestCost(ms), `${ms} ms`).toBe(units);
    // Never below 1 and never decreasing, over a fine grid.
    let previous = 1;
    for (let ms = 0; ms <= 10_000; ms += 7) {
      const units = requestCost(ms);
      expect(units).toBeGreaterThanOrEqual(Math.max(1, previous));
      expect(units).toBe(Math.max(1, Math.floor(ms / 1000)));
      previous = units;
    }
  });

  /**
   * A request that "takes" `ms` on the injected clock: the request is held after its first body byte
   * (the limiter runs before the body is read), the clock is moved once the base unit is in the
   * bucket, then the body is completed. Returns the reply of the slow request.
   */
  async function slowRequest(ms: number, body: string): Promise<{ reply: RawReply; token: string }> {
    const token = await app.token();
    const key = clientIdOf(token);
    const start = Date.now();
    app.clock.now = start;
    try {
      const held = heldRequest(app.url, 'POST', '/api/v2/admin/users/find_or_create', { token, body });
      const deadline = Date.now() + 10_000;
      while (((await app.server.limits.api!.get(key))?.consumedPoints ?? 0) < 1) {
        if (Date.now() > deadline) throw new Error('the held request never reached the rate limiter');
        await sleep(5);
      }
      app.clock.now = start + ms;
      return { reply: await held.finish(), token };
    } finally {
      app.clock.now = undefined;
    }
  }

  it('charges 1 / 1 / 2 / 2 / 3 units for 0.999 / 1.999 / 2.0 / 2.999 / 3.0 s', async () => {
    for (const [ms, units] of [[999, 1], [1999, 1], [2000, 2], [2999, 2], [3000, 3]] as const) {
      const body = JSON.stringify({ email: `cost-${ms}-${Date.now()}@example.com` });
      const { reply, token } = await slowRequest(ms, body);
      expect(reply.status, reply.text).toBe(200);
      // The slow response already reports the full charge …
      expect(rateHeaders(reply).remaining, `${ms} ms`).toBe(LIMIT - units);
      // … and the next request sees it too.
      expect(rateHeaders(await get(app, CURRENT, token)).remaining, `${ms} ms`).toBe(LIMIT - units - 1);
    }
  });

  it('charges a slow request that fails just the same (2.5 s, then 400 for a malformed body)', async () => {
    const { reply, token } = await slowRequest(2500, '{"email": "never closed"');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ errors: { error: 'bad_request', message: 'The request body is not valid JSON' } });
    expect(rateHeaders(reply).remaining).toBe(LIMIT - 2);
    expect(rateHeaders(await get(app, CURRENT, token)).remaining).toBe(LIMIT - 3);
  });
});

describe('the window', () => {
  it('ends at Reset: the quota is whole again, and the 429s sent while limited cost nothing', async () => {
    const token = await shortWindow.token();
    const first = rateHeaders(await get(shortWindow, CURRENT, token));
    expect(first).toMatchObject({ limit: 3, remaining: 2 });
    expect(rateHeaders(await get(shortWindow, CURRENT, token)).remaining).toBe(1);
    expect(rateHeaders(await get(shortWindow, CURRENT, token)).remaining).toBe(0);
    let retryAfter = 0;
    for (let i = 0; i < 10; i++) retryAfter = expect429(await get(shortWindow, CURRENT, token));
    expect(retryAfter).toBeLessThanOrEqual(3);

    // Wait until just past the advertised Reset.
    await sleep(Math.max(0, first.reset * 1000 - Date.now()) + 50);
    const fresh = await get(shortWindow, CURRENT, token);
    expect(fresh.status).toBe(200);
    const next = rateHeaders(fresh);
    expect(next.remaining).toBe(2);
    expect(next.reset).toBeGreaterThan(first.reset);
  });
});

describe('the counter store', () => {
  it('is the one the configuration names (memory on PGlite, PostgreSQL with DATABASE_URL), and every counter expires', async () => {
    expect(app.server.limits.store).toBe(POSTGRES_MODE ? 'postgresql' : 'memory');
    const token = await app.token();
    expect((await get(app, CURRENT, token)).status).toBe(200);
    if (!POSTGRES_MODE) return;
    const rows = await app.server.db.orm.em.getConnection().execute<{ key: string; points: number; expire: string | null }[]>(
      'select key, points, expire from rate_limits',
    );
    expect(rows).toContainEqual({ key: `api:${clientIdOf(token)}`, points: 1, expire: expect.anything() });
    for (const row of rows) expect(row.expire, row.key).not.toBeNull();
    const own = rows.find((row) => row.key === `api:${clientIdOf(token)}`)!;
    expect(Number(own.expire)).toBeGreaterThan(Date.now());
    expect(Number(own.expire)).toBeLessThanOrEqual(Date.now() + 60_000);
  });
});

describe('RATE_LIMIT_PER_MINUTE=0', () => {
  it('turns the per-client limit off: no headers, never 429', async () => {
    const token = await disabled.token();
    for (let i = 0; i < 20; i++) {
      const reply = await get(disabled, CURRENT, token);
      expect(reply.status).toBe(200);
      expectNoRateHeaders(reply);
    }
  });
});
