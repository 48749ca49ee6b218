/**
 * Shutdown waits for running requests, not only for sockets (issue 14 point 5): a handler whose client
 * hung up still works with the database, so the database must not be closed under it.
 * The handler is held deterministically: the test locks the suggestions table in a transaction of its
 * own (on PGlite that holds the one connection), so the GET waits inside the database.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api } from '../helpers/factories.ts';
import { sleep } from '../helpers/process.ts';

let app: TestApp;
const logs: string[] = [];
beforeAll(async () => {
  app = await startTestApp({ logs });
});
afterAll(() => app?.close());

describe('shutdown', () => {
  it('waits for a handler that outlived its socket before closing the database', async () => {
    const token = await app.token();
    const a = await api(app, token);
    const { suggestion } = await a.forumWithSuggestion();

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = app.server.db.orm.em.fork().transactional(async (tx) => {
      // Reads wait too (on PGlite the transaction holds the one connection anyway).
      await tx.execute('lock table suggestions in access exclusive mode');
      locked();
      await released;
    });
    await Promise.race([isLocked, holder]);

    // The GET reaches the database and waits there; then its client hangs up.
    const req = http.get(`${app.url}/api/v2/admin/suggestions/${suggestion.id}`, { headers: { Authorization: `Bearer ${token}` }, agent: false });
    req.on('error', () => undefined);
    await sleep(300);
    req.destroy();
    await sleep(100);

    let stopped = false;
    const shutdown = app.server.shutdown().then(() => (stopped = true));
    await sleep(500);
    // Every socket is gone, but the handler is still waiting for its row: the database stays open.
    expect(stopped).toBe(false);

    release();
    await holder;
    await shutdown;
    const reads = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.path === `/api/v2/admin/suggestions/${suggestion.id}`);
    expect(reads).toHaveLength(1);
    expect(reads[0].status).toBe(200);
    expect(logs.filter((l) => /unhandled error|destroyed/.test(l))).toEqual([]);
  });
});
