/**
 * Writers contending on PostgreSQL (issue 14 point 1): two clients swapping two suggestions between two
 * categories deadlocked (40P01 → 500) because counter updates locked categories in a different order in
 * each transaction; and a short mixed write load, under READ COMMITTED and under SERIALIZABLE (every
 * transaction retried on 40001/40P01), ends with no errors and counters equal to a recount.
 */
import { describe, expect, it } from 'vitest';
import { type TestApp } from '../helpers/app.ts';
import { api, type Api, useTestApp } from '../helpers/factories.ts';
import { countersAndRecount, runMixedWrites, summary } from '../helpers/mixed-writes.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { onServer } from '../setup/databases.ts';

const SWAP_SECONDS = 6;
const LOAD = { connections: 8, seconds: 12 };

async function serializable(databaseUrl: string | undefined): Promise<void> {
  const url = new URL(databaseUrl!);
  const name = decodeURIComponent(url.pathname.slice(1));
  await onServer(databaseUrl!, (c) => c.query(`alter database "${name}" set default_transaction_isolation = 'serializable'`));
}

/** Two clients loop PUT S1 / PUT S2, each moving its suggestion to the category the other one just left. */
async function swapLoop(app: TestApp, a: Api): Promise<{ requests: number; failures: string[] }> {
  const forum = await a.forum();
  const [c1, c2] = [await a.category(forum.id), await a.category(forum.id)];
  const s1 = await a.suggestion(forum.id, { links: { category: c1.id } });
  const s2 = await a.suggestion(forum.id, { links: { category: c2.id } });
  const tokens = [await app.token(), await app.token()];
  const clients = tokens.map((token) => api(app, token));
  const deadline = Date.now() + SWAP_SECONDS * 1000;
  const failures: string[] = [];
  let requests = 0;
  const loop = async (client: Api, suggestion: number, order: [number, number]) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const reply = await client.put(`/suggestions/${suggestion}`, { links: { category: order[i % 2] } });
      requests++;
      if (reply.status !== 200) failures.push(`${reply.status} ${reply.text}`);
    }
  };
  const [x, y] = await Promise.all(clients);
  await Promise.all([loop(x!, s1.id, [c2.id, c1.id]), loop(y!, s2.id, [c1.id, c2.id])]);
  return { requests, failures };
}

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite has one connection, so no two transactions ever hold locks at once.
  'concurrent writers on PostgreSQL (READ COMMITTED)',
  () => {
    const { app, a } = useTestApp();

    it('two clients swapping two suggestions between two categories: every PUT 200, counters exact', async () => {
      const { requests, failures } = await swapLoop(app, a);
      console.log(`swap loop: requests=${requests} errors=${failures.length}`);
      expect(failures.slice(0, 3)).toEqual([]);
      expect(requests).toBeGreaterThan(20);
      const { stored, recounted } = await countersAndRecount(app);
      expect(stored).toEqual(recounted);
    }, 60_000);

    it(`mixed writes, ${LOAD.connections} connections for ${LOAD.seconds} s: no errors, no lost writes, counters equal a recount`, async () => {
      const figures = await runMixedWrites(app, LOAD);
      const { stored, recounted } = await countersAndRecount(app);
      console.log(summary('mixed writes (read committed)', figures, JSON.stringify(stored) === JSON.stringify(recounted)));
      expect(figures.samples).toEqual({});
      expect(figures.errors).toBe(0);
      expect(figures.lostWrites).toBe(0);
      expect(figures.requests).toBeGreaterThan(100);
      expect(stored).toEqual(recounted);
    }, 90_000);
  },
);

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite runs one transaction at a time, so it never fails one with 40001.
  'concurrent writers on PostgreSQL with default_transaction_isolation = serializable',
  () => {
    const { app, a } = useTestApp({ beforeStart: (db) => serializable(db.databaseUrl) });

    it('the database really is SERIALIZABLE for the server', async () => {
      const rows = await app.server.db.orm.em.fork().getConnection().execute('show transaction_isolation');
      expect(rows).toEqual([{ transaction_isolation: 'serializable' }]);
    });

    it('two clients swapping two suggestions between two categories: every PUT 200, counters exact', async () => {
      const { requests, failures } = await swapLoop(app, a);
      console.log(`swap loop (serializable): requests=${requests} errors=${failures.length}`);
      expect(failures.slice(0, 3)).toEqual([]);
      const { stored, recounted } = await countersAndRecount(app);
      expect(stored).toEqual(recounted);
    }, 60_000);

    it(`mixed writes, ${LOAD.connections} connections for ${LOAD.seconds} s: no errors, no lost writes, counters equal a recount`, async () => {
      const figures = await runMixedWrites(app, LOAD);
      const { stored, recounted } = await countersAndRecount(app);
      console.log(summary('mixed writes (serializable)', figures, JSON.stringify(stored) === JSON.stringify(recounted)));
      expect(figures.samples).toEqual({});
      expect(figures.errors).toBe(0);
      expect(figures.lostWrites).toBe(0);
      expect(stored).toEqual(recounted);
    }, 90_000);
  },
);
