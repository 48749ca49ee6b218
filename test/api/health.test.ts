import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('health endpoints', () => {
  it('GET /health/live answers while the process serves', async () => {
    const reply = await request(app.url, 'GET', '/health/live');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('GET /health/ready checks the database and the storage (and Redis when configured)', async () => {
    const reply = await request(app.url, 'GET', '/health/ready');
    expect(reply.status).toBe(200);
    const redis = app.server.limits.store === 'redis' ? { redis: 'ok' } : {};
    expect(reply.body).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok', ...redis } });
  });

  it('GET /health/ready is 503 when the storage cannot be written, while /health/live stays up', async () => {
    const dir = app.config.uploadsDir;
    const moved = `${dir}.away`;
    fs.renameSync(dir, moved);
    try {
      const reply = await request(app.url, 'GET', '/health/ready');
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      const redis = app.server.limits.store === 'redis' ? { redis: 'ok' } : {};
      expect(reply.body).toEqual({
        errors: { error: 'service_unavailable', message: 'Not ready: storage not answering', checks: { database: 'ok', storage: 'fail', ...redis } },
      });
      expect((await request(app.url, 'GET', '/health/live')).status).toBe(200);
    } finally {
      fs.renameSync(moved, dir);
    }
    expect((await request(app.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('GET /health keeps its shape', async () => {
    const reply = await request(app.url, 'GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });
});

describe('GET /health/ready without a database', () => {
  it('is 503 naming the database; liveness is unaffected', async () => {
    const broken = await startTestApp();
    try {
      await broken.breakDatabase();
      const reply = await request(broken.url, 'GET', '/health/ready');
      expect(reply.status).toBe(503);
      expect(reply.body.errors.error).toBe('service_unavailable');
      expect(reply.body.errors.checks.database).toBe('fail');
      expect(reply.body.errors.checks.storage).toBe('ok');
      expect((await request(broken.url, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});
