import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '3' } });
});
afterAll(() => app?.close());

const scrape = () => request(app.url, 'GET', '/metrics', { token: METRICS_TOKEN });

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /metrics', () => {
  it('needs METRICS_TOKEN as a Bearer token', async () => {
    const none = await request(app.url, 'GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ errors: { error: 'not_authorized' } });
    const wrong = await request(app.url, 'GET', '/metrics', { token: `${METRICS_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
    // An API access token is not a metrics token.
    const apiToken = await app.token();
    expect((await request(app.url, 'GET', '/metrics', { token: apiToken })).status).toBe(401);
  });

  it('counts requests and latency by method, route template and status, and rate-limit decisions', async () => {
    const token = await app.token();
    // Budget 3: three answers, then 429s.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app.url, 'GET', `/api/v2/admin/forums/${900000 + i}`, { token })).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    await request(app.url, 'GET', '/no/such/path');

    const reply = await scrape();
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = reply.text;
    expect(sample(text, 'http_requests_total', 'method="GET",route="/api/v2/admin/forums/:ids",status="404"')).toBe(3);
    expect(sample(text, 'http_requests_total', 'method="GET",route="/api/v2/admin/forums/:ids",status="429"')).toBe(2);
    expect(sample(text, 'http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', 'method="GET",route="/api/v2/admin/forums/:ids",status="404"')).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_bucket', 'le="+Inf",method="GET",route="/api/v2/admin/forums/:ids",status="404"')).toBe(3);
    expect(sample(text, 'rate_limit_decisions_total', 'limiter="api",decision="allowed"')).toBe(3);
    expect(sample(text, 'rate_limit_decisions_total', 'limiter="api",decision="limited"')).toBe(2);
    // app.token() went through the token endpoint: its guard let it through.
    expect(sample(text, 'rate_limit_decisions_total', 'limiter="token_guard",decision="allowed"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_write_slots', 'state="size"')).toBe(5);
    expect(sample(text, 'db_write_slots', 'state="held"')).toBe(0);
    if (process.env.DATABASE_URL) expect(sample(text, 'db_pool_connections', 'state="total"')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('does not exist', async () => {
    const plain = await startTestApp();
    try {
      const reply = await request(plain.url, 'GET', '/metrics');
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ errors: { error: 'not_found' } });
    } finally {
      await plain.close();
    }
  });
});
