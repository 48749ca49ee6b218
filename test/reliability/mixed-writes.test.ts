/**
 * RELIABILITY.md L8 / issue 14's figure: 50 connections of mixed writes for 60 s on PostgreSQL end with
 * 0 errors, 0 lost writes and every stored counter equal to a recount — under READ COMMITTED and with
 * `default_transaction_isolation = serializable`. Bounded in time; only 127.0.0.1 traffic.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run test:reliability
 *
 * MIXED_WRITES_SECONDS and MIXED_WRITES_CONNECTIONS change the figure (defaults 60 and 50); the short
 * version runs in `npm test` (test/api/write-concurrency.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { countersAndRecount, runMixedWrites, summary } from '../helpers/mixed-writes.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { onServer } from '../setup/databases.ts';
import { record } from './figures.ts';

const SECONDS = Number(process.env.MIXED_WRITES_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.MIXED_WRITES_CONNECTIONS ?? 50);

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite runs one transaction at a time, so there is nothing to contend.
  `mixed writes: ${CONNECTIONS} connections for ${SECONDS} s (PostgreSQL)`,
  () => {
    for (const isolation of ['read committed', 'serializable'] as const) {
      it(`${isolation}: 0 errors, 0 lost writes, counters equal a recount`, async () => {
        app = await startTestApp({
          beforeStart: async ({ databaseUrl }) => {
            if (isolation !== 'serializable') return;
            const name = decodeURIComponent(new URL(databaseUrl!).pathname.slice(1));
            await onServer(databaseUrl!, (c) => c.query(`alter database "${name}" set default_transaction_isolation = 'serializable'`));
          },
        });
        const figures = await runMixedWrites(app, { connections: CONNECTIONS, seconds: SECONDS });
        const { stored, recounted } = await countersAndRecount(app);
        console.log(summary(`L8 mixed writes (${isolation}, ${CONNECTIONS} connections, ${SECONDS} s)`, figures, JSON.stringify(stored) === JSON.stringify(recounted)));
        record(`L8 ${isolation}`, figures);
        expect(figures.samples).toEqual({});
        expect(figures.errors).toBe(0);
        expect(figures.lostWrites).toBe(0);
        expect(stored).toEqual(recounted);
      }, (SECONDS + 120) * 1000);
    }
  },
);
