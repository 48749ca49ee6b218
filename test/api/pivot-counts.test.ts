import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { foldRowCounts } from '../../src/db/row-counts.ts';
import { registry } from '../../src/resources/registry.ts';
import type { TestApp } from '../helpers/app.ts';
import { type Api, insertSuggestions, useTestApp } from '../helpers/factories.ts';
import { POSTGRES_MODE } from '../helpers/process.ts';
import { useSerializableApp } from '../helpers/serializable.ts';

/**
 * A suggestion list filtered by one label (or one feature) alone reads `total_records` from the counts
 * migration pivot_counts keeps per pivot target: a base row plus one delta row per writing statement and
 * target, folded by src/db/row-counts.ts. The totals must equal a recount after every kind of write to
 * the pivot — attach, detach, a row moved to another label or suggestion, cascades from deleting a
 * label or a suggestion, TRUNCATE — before and after a fold; several ids keep the distinct count.
 */

type Conn = { execute<T>(sql: string, params?: unknown[]): Promise<T> };
const conn = (app: TestApp): Conn => app.server.db.orm.em.fork().getConnection() as unknown as Conn;

async function run(app: TestApp, sql: string, params: unknown[] = []): Promise<void> {
  await conn(app).execute(sql, params);
}

async function number(app: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await conn(app).execute<Array<{ n: string | number }>>(sql, params);
  return Number(rows[0]!.n);
}

/** The suggestions linked to the target through the pivot, counted from the pivot and suggestions themselves. */
function recount(app: TestApp, table: string, target: string, id: number): Promise<number> {
  return number(app, `select count(*) as n from suggestions s where exists (select 1 from ${table} p where p.suggestion_id = s.id and p.${target} = ?)`, [id]);
}

const expectedPagination = (total: number) => ({ page: 1, per_page: 1, total_pages: total, total_records: total });

/** The list's pagination block (without the cursor), and the statements the request ran. */
async function listed(app: TestApp, a: Api, query: string): Promise<{ pagination: unknown; statements: string[] }> {
  const before = app.sql.length;
  const reply = await a.get(`/suggestions?per_page=1&${query}`);
  expect(reply.status, query).toBe(200);
  const { cursor: _cursor, page_token: _token, ...pagination } = reply.body.pagination;
  return { pagination, statements: app.sql.slice(before) };
}

/**
 * Each id's total through the API (`<filter>=<id>` alone), checked against `recount` and read from the
 * kept counts; returns the totals.
 */
async function keptTotals(app: TestApp, a: Api, filter: string, ids: number[], recount: (id: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (const id of ids) {
    const expected = await recount(id);
    const { pagination, statements } = await listed(app, a, `${filter}=${id}`);
    expect(pagination, `${filter}=${id}`).toEqual(expectedPagination(expected));
    expect(statements.some((s) => s.includes('pivot_counts')), `${filter}=${id}`).toBe(true);
    out.push(expected);
  }
  return out;
}

describe('totals of a list filtered by one label', () => {
  const { app, a } = useTestApp();

  const totals = (labels: number[]) => keptTotals(app, a, 'label', labels, (label) => recount(app, 'suggestion_labels', 'label_id', label));

  async function attach(label: number, suggestion: number): Promise<void> {
    expect((await a.post('/labels/attach', { links: { label, suggestion } })).status).toBe(200);
  }

  it('stay exact through attaches, detaches, moved rows and cascading deletes, before and after folds', async () => {
    const forum = await a.forum();
    const [s1, s2, s3, s4] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const [one, two, unused] = [await a.label(), await a.label(), await a.label()];
    const parent = await a.label();
    const child = await a.label({ links: { parent: parent.id } });
    const labels = [one.id, two.id, unused.id, parent.id, child.id];

    for (const s of [s1, s2, s3]) await attach(one.id, s.id);
    await attach(two.id, s1.id);
    await attach(child.id, s2.id);
    await attach(child.id, s4.id);
    // A label no suggestion ever had: no base row, no delta.
    expect(await totals(labels)).toEqual([3, 1, 0, 0, 2]);
    expect(await foldRowCounts(app.server.db.orm)).toBeGreaterThanOrEqual(6);
    expect(await totals(labels)).toEqual([3, 1, 0, 0, 2]);
    const bases = await conn(app).execute<Array<{ target_id: number; n: string | number }>>(
      `select target_id, n from pivot_counts where table_name = 'suggestion_labels' and column_name = 'label_id' and target_id in (${labels.join(',')}) order by target_id`,
    );
    expect(bases.map((r) => [Number(r.target_id), Number(r.n)])).toEqual([[one.id, 3], [two.id, 1], [child.id, 2]]);

    // Attaching again changes nothing; detaching removes one.
    await attach(one.id, s1.id);
    expect((await a.post('/labels/detach', { links: { label: one.id, suggestion: s2.id } })).status).toBe(200);
    expect(await totals(labels)).toEqual([2, 1, 0, 0, 2]);

    // No route moves a pivot row: statements do. One to another label, one to another suggestion
    // (its label's count stays), and one that changes neither (no delta at all).
    await run(app, 'update suggestion_labels set label_id = ? where suggestion_id = ? and label_id = ?', [two.id, s3.id, one.id]);
    expect(await totals(labels)).toEqual([1, 2, 0, 0, 2]);
    const deltasBefore = await number(app, 'select count(*) as n from pivot_count_deltas');
    await run(app, 'update suggestion_labels set suggestion_id = ? where suggestion_id = ? and label_id = ?', [s4.id, s1.id, two.id]);
    await run(app, 'update suggestion_labels set label_id = label_id where label_id = ?', [child.id]);
    expect(await number(app, 'select count(*) as n from pivot_count_deltas')).toBe(deltasBefore);
    expect(await totals(labels)).toEqual([1, 2, 0, 0, 2]);

    // The API's DELETE only marks a suggestion deleted: lists still include it.
    expect((await a.delete(`/suggestions/${s4.id}`)).status).toBe(200);
    expect(await totals(labels)).toEqual([1, 2, 0, 0, 2]);
    // Deleting the row cascades to its labels (two of them, one statement).
    await run(app, 'delete from suggestions where id = ?', [s4.id]);
    expect(await totals(labels)).toEqual([1, 1, 0, 0, 1]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals(labels)).toEqual([1, 1, 0, 0, 1]);

    // Deleting a label cascades to its rows; deleting a parent label to its child's.
    expect((await a.delete(`/labels/${one.id}`)).status).toBe(200);
    expect((await a.delete(`/labels/${parent.id}`)).status).toBe(200);
    expect(await totals(labels)).toEqual([0, 1, 0, 0, 0]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals(labels)).toEqual([0, 1, 0, 0, 0]);
    // Targets folded to zero keep no row.
    const left = await conn(app).execute<Array<{ target_id: number }>>(
      `select target_id from pivot_counts where table_name = 'suggestion_labels' and target_id in (${labels.join(',')}) order by target_id`,
    );
    expect(left.map((r) => Number(r.target_id))).toEqual([two.id]);
  });

  it('count many rows written by one statement, and bulk deletes, per label', async () => {
    const forum = await a.forum();
    const ids = await insertSuggestions(app, forum.id, 30);
    const [x, y] = [await a.label(), await a.label()];
    // One statement, two labels: x on every suggestion, y on every third.
    await run(app, `insert into suggestion_labels (suggestion_id, label_id)
      select id, ? from suggestions where id between ? and ? union all select id, ? from suggestions where id between ? and ? and id % 3 = 0`,
    [x.id, ids[0], ids.at(-1), y.id, ids[0], ids.at(-1)]);
    expect(await totals([x.id, y.id])).toEqual([30, 10]);
    await run(app, 'delete from suggestions where id between ? and ? and id % 2 = 0', [ids[0], ids.at(-1)]);
    const [xs, ys] = await totals([x.id, y.id]);
    expect(xs).toBe(15);
    expect(ys).toBeGreaterThanOrEqual(4);
    await foldRowCounts(app.server.db.orm);
    expect(await totals([x.id, y.id])).toEqual([xs, ys]);
  });

  it('read one label\'s total from the maintained count, not from suggestion_labels', async () => {
    const forum = await a.forum();
    const label = await a.label();
    await attach(label.id, (await a.suggestion(forum.id)).id);
    const other = await a.label();
    const names = async (query: string) => {
      const { statements } = await listed(app, a, query);
      expect(statements, query).toHaveLength(1);
      return statements[0]!;
    };
    const one = await names(`label=${label.id}`);
    const two = await names(`label=${label.id},${other.id}`);
    expect(one).toContain('pivot_counts');
    expect(one).not.toContain('count(distinct');
    expect(two).toContain('count(distinct p."suggestion_id")');
    // The page is the same statement for one id or two (its labels' links read suggestion_labels too):
    // only the two-label count reads suggestion_labels once more.
    expect(one.match(/suggestion_labels/g)!.length).toBe(two.match(/suggestion_labels/g)!.length - 1);
  });

  it('keep the distinct count for several labels, where a suggestion with two counts once', async () => {
    const forum = await a.forum();
    const [p, q] = [await a.label(), await a.label()];
    const [s1, s2, s3] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    await attach(p.id, s1.id);
    await attach(p.id, s2.id);
    await attach(q.id, s2.id);
    await attach(q.id, s3.id);
    const both = await listed(app, a, `label=${p.id},${q.id}`);
    expect(both.pagination).toEqual(expectedPagination(3));
    expect(both.statements.some((s) => s.includes('count(distinct p."suggestion_id")'))).toBe(true);
    expect(both.statements.some((s) => s.includes('pivot_counts'))).toBe(false);
    // With another filter the count is over suggestions.
    const withForum = await listed(app, a, `label=${p.id}&forum=${forum.id}`);
    expect(withForum.pagination).toEqual(expectedPagination(2));
    expect(withForum.statements.some((s) => s.includes('pivot_counts'))).toBe(false);
  });

  it('answer a one-label list from the response cache, never stale after an attach or a fold', async () => {
    const forum = await a.forum();
    const label = await a.label();
    await attach(label.id, (await a.suggestion(forum.id)).id);
    expect(await listed(app, a, `label=${label.id}`)).toMatchObject({ pagination: expectedPagination(1) });
    // pivot_counts and pivot_count_deltas announce their changes, so the response is cacheable.
    expect(await listed(app, a, `label=${label.id}`)).toEqual({ pagination: expectedPagination(1), statements: [] });
    await attach(label.id, (await a.suggestion(forum.id)).id);
    expect((await listed(app, a, `label=${label.id}`)).pagination).toEqual(expectedPagination(2));
    await foldRowCounts(app.server.db.orm);
    expect((await listed(app, a, `label=${label.id}`)).pagination).toEqual(expectedPagination(2));
  });

  it('count one feature\'s suggestions the same way, through its links and its deletion', async () => {
    const forum = await a.forum();
    const [s1, s2, s3] = [await a.suggestion(forum.id), await a.suggestion(forum.id), await a.suggestion(forum.id)];
    const created = await a.post('/features', { name: 'Counted', links: { suggestions: [s1.id, s2.id] } });
    expect(created.status).toBe(200);
    const feature = created.body.features[0].id as number;
    const total = async () => {
      const { pagination, statements } = await listed(app, a, `feature=${feature}`);
      expect(statements.some((s) => s.includes('pivot_counts'))).toBe(true);
      expect(pagination).toEqual(expectedPagination(await recount(app, 'feature_suggestions', 'feature_id', feature)));
      return (pagination as { total_records: number }).total_records;
    };
    expect(await total()).toBe(2);
    expect((await a.put(`/features/${feature}`, { links: { suggestions: [s2.id, s3.id] } })).status).toBe(200);
    await foldRowCounts(app.server.db.orm);
    expect(await total()).toBe(2);
    expect((await a.put(`/features/${feature}`, { links: { suggestions: [s1.id, s2.id, s3.id] } })).status).toBe(200);
    expect(await total()).toBe(3);
    expect((await a.delete(`/features/${feature}`)).status).toBe(200);
    expect(await total()).toBe(0);
  });

  it('are declared where migrations pivot_counts and forum_counts keep them: a counted filter has its triggers', async () => {
    const declared = [...registry.values()].flatMap((def) =>
      Object.values(def.filters ?? {}).flatMap((f) =>
        f.kind === 'pivot' && f.counted ? [`${f.table}.${f.target}`] : f.kind === 'ids' && f.counted ? [`${def.table}.${f.column}`] : [],
      ),
    );
    const rows = await conn(app).execute<Array<{ name: string }>>(
      `select t.tgname as name from pg_trigger t join pg_proc p on p.oid = t.tgfoid where p.proname in ('count_pivot_rows', 'count_moved_row') order by 1`,
    );
    const expected = [...new Set(declared)].flatMap((key) => ['delete', 'insert', 'truncate', 'update'].map((e) => `${key.replace('.', '_')}_count_${e}`));
    expect(rows.map((r) => r.name)).toEqual(expected.sort());
    expect(declared.sort()).toEqual(['feature_suggestions.feature_id', 'suggestion_labels.label_id', 'suggestions.forum_id']);
  });

  // Last: it empties suggestion_labels.
  it('are cleared by TRUNCATE, and count again after it', async () => {
    const forum = await a.forum();
    const label = await a.label();
    await attach(label.id, (await a.suggestion(forum.id)).id);
    await foldRowCounts(app.server.db.orm);
    await attach(label.id, (await a.suggestion(forum.id)).id);
    expect(await totals([label.id])).toEqual([2]);
    await run(app, 'truncate suggestion_labels');
    expect(await totals([label.id])).toEqual([0]);
    expect(await number(app, `select count(*) as n from pivot_counts where table_name = 'suggestion_labels'`)).toBe(0);
    expect(await number(app, `select count(*) as n from pivot_count_deltas where table_name = 'suggestion_labels'`)).toBe(0);
    await attach(label.id, (await a.suggestion(forum.id)).id);
    expect(await totals([label.id])).toEqual([1]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals([label.id])).toEqual([1]);
  });
});

describe.skipIf(!POSTGRES_MODE)(
  // Skipped without DATABASE_URL: PGlite has one connection, so two transactions never overlap.
  'concurrent label attaches on PostgreSQL with default_transaction_isolation = serializable',
  () => {
    const { app, a, client } = useSerializableApp();

    it('on one label neither wait for each other nor fail each other, and a fold does not wait for an open one', async () => {
      const forum = await a.forum();
      const label = await a.label();
      const [s1, s2] = [await a.suggestion(forum.id), await a.suggestion(forum.id)];
      await foldRowCounts(app.server.db.orm);
      const total = async () => (await listed(app, a, `label=${label.id}`)).pagination;
      const [first, second] = [await client(), await client()];
      const link = (c: pg.Client, s: number) => c.query('insert into suggestion_labels (suggestion_id, label_id) values ($1, $2)', [s, label.id]);

      await first.query('begin');
      await link(first, s1.id);
      await second.query('begin');
      await link(second, s2.id);
      await second.query('commit');
      expect(await foldRowCounts(app.server.db.orm)).toBeGreaterThanOrEqual(1);
      expect(await total()).toEqual(expectedPagination(1));
      await first.query('commit');
      expect(await total()).toEqual(expectedPagination(2));
      await foldRowCounts(app.server.db.orm);
      expect(await total()).toEqual(expectedPagination(await recount(app, 'suggestion_labels', 'label_id', label.id)));
    });

    it('many at once through the API: every attach 200 and the total exact', async () => {
      const forum = await a.forum();
      const label = await a.label();
      const ids = await insertSuggestions(app, forum.id, 30);
      const replies = await Promise.all(ids.map((suggestion) => a.post('/labels/attach', { links: { label: label.id, suggestion } })));
      expect(replies.map((r) => r.status)).toEqual(ids.map(() => 200));
      expect((await listed(app, a, `label=${label.id}`)).pagination).toEqual(expectedPagination(30));
    });
  },
);

describe('totals of a list filtered by forum', () => {
  const { app, a } = useTestApp();

  const totals = (forums: number[]) =>
    keptTotals(app, a, 'forum', forums, (forum) => number(app, 'select count(*) as n from suggestions where forum_id = ?', [forum]));

  const deltas = () => number(app, `select count(*) as n from pivot_count_deltas where table_name = 'suggestions'`);

  it('stay exact through creates, moves, deletes and bulk statements, before and after folds', async () => {
    const [f1, f2, f3] = [await a.forum(), await a.forum(), await a.forum()];
    const forums = [f1.id, f2.id, f3.id];
    const [s1, s2] = [await a.suggestion(f1.id), await a.suggestion(f1.id), await a.suggestion(f1.id)];
    await a.suggestion(f2.id);
    expect(await totals(forums)).toEqual([3, 1, 0]);
    expect(await foldRowCounts(app.server.db.orm)).toBeGreaterThanOrEqual(4);
    expect(await totals(forums)).toEqual([3, 1, 0]);

    // A move through the API.
    expect((await a.put(`/suggestions/${s1!.id}`, { links: { forum: f2.id } })).status).toBe(200);
    expect(await totals(forums)).toEqual([2, 2, 0]);
    // Updates that move nothing write no delta: another column, or the forum set to itself.
    const before = await deltas();
    await run(app, `update suggestions set title = title || '!' where forum_id = ?`, [f1.id]);
    await run(app, 'update suggestions set forum_id = forum_id where id = ?', [s2!.id]);
    expect(await deltas()).toBe(before);
    // One statement moving several rows.
    await run(app, 'update suggestions set forum_id = ? where forum_id = ?', [f3.id, f2.id]);
    expect(await totals(forums)).toEqual([2, 0, 2]);

    // The API's DELETE only marks a suggestion deleted: lists still include it. Deleting the row counts.
    expect((await a.delete(`/suggestions/${s2!.id}`)).status).toBe(200);
    expect(await totals(forums)).toEqual([2, 0, 2]);
    await run(app, 'delete from suggestions where id = ?', [s2!.id]);
    expect(await totals(forums)).toEqual([1, 0, 2]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals(forums)).toEqual([1, 0, 2]);

    // Many rows in one statement, and a bulk delete.
    const ids = await insertSuggestions(app, f3.id, 40);
    expect(await totals(forums)).toEqual([1, 0, 42]);
    await run(app, 'delete from suggestions where id between ? and ? and id % 2 = 0', [ids[0], ids.at(-1)]);
    expect(await totals(forums)).toEqual([1, 0, 22]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals(forums)).toEqual([1, 0, 22]);
    // A forum folded to zero keeps no row.
    const bases = await conn(app).execute<Array<{ target_id: number; n: string | number }>>(
      `select target_id, n from pivot_counts where table_name = 'suggestions' and column_name = 'forum_id' and target_id in (${forums.join(',')}) order by target_id`,
    );
    expect(bases.map((r) => [Number(r.target_id), Number(r.n)])).toEqual([[f1.id, 1], [f3.id, 22]]);
  });

  it('add several forums up (each once), and count over suggestions with another filter or none of the ids', async () => {
    const [f1, f2] = [await a.forum(), await a.forum()];
    await insertSuggestions(app, f1.id, 3);
    await insertSuggestions(app, f2.id, 2);
    const both = await listed(app, a, `forum=${f1.id},${f2.id},${f1.id}`);
    expect(both.pagination).toEqual(expectedPagination(5));
    expect(both.statements).toHaveLength(1);
    expect(both.statements[0]).toContain('pivot_counts');
    // The page is read from suggestions; the count is not.
    expect(both.statements[0]).not.toContain('count(*) as "n"');
    const withState = await listed(app, a, `forum=${f1.id}&state=approved`);
    expect(withState.pagination).toEqual(expectedPagination(3));
    expect(withState.statements).toHaveLength(1);
    expect(withState.statements[0]).not.toContain('pivot_counts');
    expect(withState.statements[0]).toContain('count(*) as "n" from "suggestions"');
    // A forum with no suggestion ever: no base row, no delta.
    const empty = await a.forum();
    const none = await listed(app, a, `forum=${empty.id}`);
    expect(none.pagination).toEqual({ page: 1, per_page: 1, total_pages: 0, total_records: 0 });
  });

  it('answer a one-forum list from the response cache, never stale after a create or a fold', async () => {
    const forum = await a.forum();
    await a.suggestion(forum.id);
    expect(await listed(app, a, `forum=${forum.id}`)).toMatchObject({ pagination: expectedPagination(1) });
    expect(await listed(app, a, `forum=${forum.id}`)).toEqual({ pagination: expectedPagination(1), statements: [] });
    await a.suggestion(forum.id);
    expect((await listed(app, a, `forum=${forum.id}`)).pagination).toEqual(expectedPagination(2));
    await foldRowCounts(app.server.db.orm);
    expect((await listed(app, a, `forum=${forum.id}`)).pagination).toEqual(expectedPagination(2));
  });

  // Last: it empties suggestions (and, by cascade, what references them).
  it('are cleared by TRUNCATE, and count again after it', async () => {
    const forum = await a.forum();
    await a.suggestion(forum.id);
    await foldRowCounts(app.server.db.orm);
    await a.suggestion(forum.id);
    expect(await totals([forum.id])).toEqual([2]);
    await run(app, 'truncate suggestions cascade');
    expect(await totals([forum.id])).toEqual([0]);
    expect(await number(app, `select count(*) as n from pivot_counts where table_name = 'suggestions'`)).toBe(0);
    expect(await deltas()).toBe(0);
    await a.suggestion(forum.id);
    expect(await totals([forum.id])).toEqual([1]);
    await foldRowCounts(app.server.db.orm);
    expect(await totals([forum.id])).toEqual([1]);
  });
});
