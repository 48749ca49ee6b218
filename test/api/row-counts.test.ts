import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { foldRowCounts } from '../../src/db/row-counts.ts';
import type { TestApp } from '../helpers/app.ts';
import { type Api, useTestApp } from '../helpers/factories.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { useSerializableApp } from '../helpers/serializable.ts';

/**
 * Unfiltered lists read `total_records` from the maintained counts (migration list_indexes_counts): a
 * base row per table plus one delta row per writing statement, folded by src/db/row-counts.ts. The
 * totals must be exact before and after a fold, and concurrent creates must not wait for each other
 * (a single shared counter row made every insert of a table queue behind the previous one's commit).
 */

async function count(app: TestApp, table: string): Promise<number> {
  const rows = await app.server.db.orm.em.fork().getConnection().execute<Array<{ n: string }>>(`select count(*) as n from ${table}`);
  return Number(rows[0]!.n);
}

async function deltas(app: TestApp): Promise<number> {
  return count(app, 'row_count_deltas');
}

async function usersTotal(a: Api): Promise<unknown> {
  const reply = await a.get('/users?per_page=1');
  expect(reply.status).toBe(200);
  const { cursor: _cursor, page_token: _token, ...pagination } = reply.body.pagination;
  return pagination;
}

const expectedPagination = (total: number) => ({ page: 1, per_page: 1, total_pages: total, total_records: total });

describe('unfiltered totals from the maintained counts', () => {
  const { app, a } = useTestApp();

  it('stay exact through creates, deletes and folds; a fold with nothing to do writes nothing', async () => {
    const created = [await a.user(), await a.user(), await a.user()];
    // No route deletes users: a statement deletes one (its trigger writes a negative delta).
    await app.server.db.orm.em.fork().getConnection().execute('delete from users where id = ?', [created[0]!.id]);
    const total = await count(app, 'users');
    expect(await deltas(app)).toBeGreaterThanOrEqual(4);
    expect(await usersTotal(a)).toEqual(expectedPagination(total));

    expect(await foldRowCounts(app.server.db.orm)).toBeGreaterThanOrEqual(4);
    expect(await deltas(app)).toBe(0);
    expect(await usersTotal(a)).toEqual(expectedPagination(total));

    const before = app.sql.length;
    expect(await foldRowCounts(app.server.db.orm)).toBe(0);
    expect(app.sql.slice(before)).toEqual(['select exists (select 1 from row_count_deltas) or exists (select 1 from pivot_count_deltas) as any']);

    await a.user();
    expect(await usersTotal(a)).toEqual(expectedPagination(total + 1));
  });

  it('answer an unfiltered list from the response cache, never stale after a create or a fold', async () => {
    const read = async () => {
      const before = app.sql.length;
      const pagination = await usersTotal(a);
      return { pagination, statements: app.sql.length - before };
    };
    const total = await count(app, 'users');
    expect(await read()).toMatchObject({ pagination: expectedPagination(total) });
    // The count tables announce their changes like every other, so the rendered list is cacheable.
    expect(await read()).toEqual({ pagination: expectedPagination(total), statements: 0 });
    await a.user();
    expect(await read()).toMatchObject({ pagination: expectedPagination(total + 1) });
    await foldRowCounts(app.server.db.orm);
    expect((await read()).pagination).toEqual(expectedPagination(total + 1));
  });
});

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite has one connection, so two transactions never overlap.
  'concurrent creates on PostgreSQL with default_transaction_isolation = serializable',
  () => {
    const { app, a, client } = useSerializableApp();
    const insertUser = (c: pg.Client) => c.query(`insert into users (name, created_at, updated_at) values ('concurrent', now(), now())`);

    it('neither wait for each other nor fail each other, and a fold does not wait for an open one', async () => {
      const [first, second] = [await client(), await client()];
      expect((await first.query('show transaction_isolation')).rows).toEqual([{ transaction_isolation: 'serializable' }]);
      const before = await count(app, 'users');

      await first.query('begin');
      await insertUser(first);
      // The second create commits while the first is still open: with one shared counter row it would
      // wait for the first's row lock (here: lock_timeout), under SERIALIZABLE then fail.
      await second.query('begin');
      await insertUser(second);
      await second.query('commit');
      // A fold meanwhile takes the committed delta and leaves the open transaction's alone.
      expect(await foldRowCounts(app.server.db.orm)).toBeGreaterThanOrEqual(1);
      expect(await usersTotal(a)).toEqual(expectedPagination(before + 1));
      await first.query('commit');

      expect(await count(app, 'users')).toBe(before + 2);
      expect(await usersTotal(a)).toEqual(expectedPagination(before + 2));
      await foldRowCounts(app.server.db.orm);
      expect(await usersTotal(a)).toEqual(expectedPagination(before + 2));
    });

    it('many at once through the API: every create 200 and the total exact', async () => {
      const before = await count(app, 'users');
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => a.post('/users', { email: `burst${i}@example.com`, name: `Burst ${i}` })));
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 200));
      expect(await usersTotal(a)).toEqual(expectedPagination(before + 40));
    });
  },
);
