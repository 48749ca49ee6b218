/**
 * A row lock held elsewhere (issue 14 point 2): a session outside the server holds one suggestion's row
 * lock (the issue held it 12 s; here 20 s) while 30 clients write to that suggestion. The writers used
 * to take every pooled connection and wait, so reads failed and /health answered 503. Now each writer gives up after
 * DB_LOCK_TIMEOUT_MS (or after DB_WRITE_QUEUE_TIMEOUT_MS waiting for a write slot) with
 * 503 service_unavailable + Retry-After, and reads and /health keep answering meanwhile.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { request, type Reply } from '../helpers/http.ts';
import { POSTGRES_MODE, sleep } from '../helpers/process.ts';

/**
 * The 12 s, stretched so the hold outlasts what the defaults let a writer wait
 * (DB_WRITE_QUEUE_TIMEOUT_MS 10 s for a slot, then DB_LOCK_TIMEOUT_MS 2 s for the lock) with a margin
 * for a loaded machine (measured: the last writer answered after 10.5–14 s at a load average of 13).
 */
const HOLD_SECONDS = 20;
const WRITERS = 30;

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite serves one connection, so no outside session can hold a lock.
  'a row lock held by another session while 30 clients write (PostgreSQL)',
  () => {
    let app: TestApp;
    let a: Api;
    let holder: pg.Client;
    beforeAll(async () => {
      app = await startTestApp();
      a = await api(app);
      holder = new pg.Client({ connectionString: app.config.databaseUrl });
      await holder.connect();
    });
    afterAll(async () => {
      await holder?.end();
      await app?.close();
    });

    it('writers answer 503 with Retry-After before the lock is released; reads and /health stay 200', async () => {
      const { forum, suggestion } = await a.forumWithSuggestion();
      const token = await app.token();
      await holder.query('begin');
      await holder.query('select id from suggestions where id = $1 for update', [suggestion.id]);
      const started = Date.now();
      const held = holder.query(`select pg_sleep(${HOLD_SECONDS})`).then(() => holder.query('commit'));

      const writes = Array.from({ length: WRITERS }, async (_, i) => {
        const reply = await request(app.url, 'PUT', `/api/v2/admin/suggestions/${suggestion.id}`, { token, json: { title: `Writer ${i}` } });
        return { reply, after: Date.now() - started };
      });
      // Reads and health checks every 250 ms while the writers wait.
      const reads: Array<{ path: string; reply: Reply; ms: number }> = [];
      let writersDone = false;
      const allWrites = Promise.all(writes).finally(() => (writersDone = true));
      while (!writersDone && Date.now() - started < (HOLD_SECONDS - 1) * 1000) {
        for (const path of [`/api/v2/admin/suggestions/${suggestion.id}`, `/api/v2/admin/suggestions?forum=${forum.id}`, '/health']) {
          const t = Date.now();
          reads.push({ path, reply: await request(app.url, 'GET', path, { token }), ms: Date.now() - t });
        }
        await sleep(250);
      }
      const results = await allWrites;
      const lastAnswer = Math.max(...results.map((r) => r.after));
      console.log(
        `held lock: writers=${WRITERS} 503=${results.filter((r) => r.reply.status === 503).length} last_answer_ms=${lastAnswer} reads=${reads.length} read_failures=${reads.filter((r) => r.reply.status !== 200).length} slowest_read_ms=${Math.max(...reads.map((r) => r.ms))}`,
      );

      // Every writer got its answer while the lock was still held: 503, the exact body, Retry-After.
      expect(lastAnswer).toBeLessThan(HOLD_SECONDS * 1000);
      for (const { reply } of results) {
        expect([reply.status, reply.text, reply.headers.get('retry-after')]).toEqual([503, '{"errors":{"error":"service_unavailable"}}', '1']);
      }
      expect(reads.length).toBeGreaterThanOrEqual(3);
      expect(reads.filter((r) => r.reply.status !== 200).map((r) => `${r.path} → ${r.reply.status} ${r.reply.text}`)).toEqual([]);
      expect(Math.max(...reads.map((r) => r.ms))).toBeLessThan(2_000);

      await held;
      // The lock is gone: the next write goes through.
      const after = await a.put(`/suggestions/${suggestion.id}`, { title: 'After the lock' });
      expect(after.status).toBe(200);
      expect(after.body.suggestions[0].title).toBe('After the lock');
    }, 60_000);
  },
);
