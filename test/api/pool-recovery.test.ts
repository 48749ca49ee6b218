/**
 * Every pooled connection comes back after PostgreSQL terminates backends under a write load.
 *
 * A connection the server terminates between the pool handing it out and the transaction's BEGIN used
 * to stay checked out for ever (kysely < 0.29.9, kysely-org/kysely#1990: ControlledTransaction did not
 * release its connection when BEGIN threw). Each such kill cost the pool one slot; after DB_POOL_SIZE of
 * them every request waited for a connection, and shutdown hung (the pool's end() waits for them all).
 * The test kills the app's backends, idle and busy, while writes run, then checks the pool from inside:
 * every connection it holds is idle, and a burst wider than the pool is served.
 * PostgreSQL only: PGlite has no backends to terminate.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { api } from '../helpers/factories.ts';
import { POSTGRES_MODE, sleep } from '../helpers/process.ts';
import { startTestApp } from '../helpers/app.ts';

const POOL = 4;
const WRITERS = 6;
const KILL_ROUNDS = 40;

describe.skipIf(!POSTGRES_MODE)('pooled connections after terminated backends (PostgreSQL)', () => {
  it(`${KILL_ROUNDS} rounds of pg_terminate_backend under ${WRITERS} writers: no connection stays checked out`, async () => {
    const app = await startTestApp({ env: { DB_POOL_SIZE: String(POOL), DB_WRITE_CONCURRENCY: String(POOL - 1) } });
    const sql = new pg.Client({ connectionString: app.config.databaseUrl });
    await sql.connect();
    try {
      const a = await api(app);
      const forum = await a.forum();
      const pool = (await app.server.db.orm.em.getConnection().getNativeClient()) as unknown as pg.Pool;
      const datname = decodeURIComponent(new URL(app.config.databaseUrl!).pathname.slice(1));

      let stop = false;
      const statuses = new Map<number, number>();
      const writers = Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; !stop; i++) {
            const reply = await a.post('/suggestions', { title: `pool ${w}.${i}`, links: { forum: forum.id } });
            statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          }
        }),
      );
      let killed = 0;
      for (let round = 0; round < KILL_ROUNDS; round++) {
        await sleep(25 + (round % 5) * 10);
        const { rows } = await sql.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
            where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
          [datname],
        );
        killed += rows[0]!.n;
      }
      stop = true;
      await writers;

      // The writes that met a kill failed with the envelope's 503/500; the rest went through.
      expect(killed).toBeGreaterThan(KILL_ROUNDS);
      expect([...statuses.keys()].filter((s) => ![200, 500, 503].includes(s))).toEqual([]);
      expect(statuses.get(200)).toBeGreaterThan(0);

      // Quiet now: every connection the pool still holds is back in it (periodic jobs may borrow one briefly).
      let checkedOut = Infinity;
      for (let tries = 0; tries < 50 && checkedOut > 0; tries++) {
        checkedOut = pool.totalCount - pool.idleCount;
        if (checkedOut > 0) await sleep(100);
      }
      expect(checkedOut).toBe(0);
      expect(pool.waitingCount).toBe(0);

      // A burst twice the pool's width is served in full.
      const burst = await Promise.all(
        Array.from({ length: POOL * 2 }, (_, i) => a.post('/suggestions', { title: `after ${i}`, links: { forum: forum.id } })),
      );
      expect(burst.map((r) => r.status)).toEqual(Array(POOL * 2).fill(200));
    } finally {
      await sql.end();
      // pg-pool's end() waits for every checked-out connection: a leaked one hangs it for ever.
      const hung = sleep(10_000).then(() => 'hung' as const);
      expect(await Promise.race([app.close().then(() => 'closed' as const), hung]), 'shutdown waits on a leaked connection').toBe('closed');
    }
  }, 60_000);
});
