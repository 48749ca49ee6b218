import { IsolationLevel } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/sql';

/**
 * Folds the count deltas the triggers write (one row per writing statement, and per target for pivot
 * counts) into the base rows, in one transaction: the table counts of migration list_indexes_counts into
 * each table's `row_counts` row, the pivot counts of migration pivot_counts into their `pivot_counts` row
 * (an upsert: a new target has none). Each statement deletes exactly the deltas it adds, so a count read
 * at any moment (base + remaining deltas, resources/list.ts) stays exact. READ COMMITTED even when the
 * database defaults to SERIALIZABLE: the fold only adds committed deltas, and it must not join writers'
 * or readers' serializability checks (a fold running concurrently with another waits for its base-row
 * update or insert, then adds its own sum). Returns the number of deltas folded; nothing is written (and
 * nothing announced to the response cache) when there is none.
 */
export async function foldRowCounts(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const [pending] = await em.getConnection().execute<Array<{ any: boolean }>>(
    'select exists (select 1 from row_count_deltas) or exists (select 1 from pivot_count_deltas) as any',
  );
  if (!pending?.any) return 0;
  return em.transactional(
    async (tx) => {
      const [tables] = await tx.execute<Array<{ folded: string | number }>>(
        `with folded as (delete from row_count_deltas returning table_name, n),
              sums as (select table_name, sum(n) as n, count(*) as deltas from folded group by table_name),
              added as (update row_counts rc set n = rc.n + sums.n from sums where rc.table_name = sums.table_name returning sums.deltas)
         select coalesce(sum(deltas), 0) as folded from sums`,
      );
      const [pivots] = await tx.execute<Array<{ folded: string | number; zeros: unknown }>>(
        `with folded as (delete from pivot_count_deltas returning table_name, column_name, target_id, n),
              sums as (select table_name, column_name, target_id, sum(n) as n, count(*) as deltas from folded group by table_name, column_name, target_id),
              added as (insert into pivot_counts (table_name, column_name, target_id, n) select table_name, column_name, target_id, n from sums
                        on conflict (table_name, column_name, target_id) do update set n = pivot_counts.n + excluded.n
                        returning table_name, column_name, target_id, n)
         select (select coalesce(sum(deltas), 0) from sums) as folded,
                (select json_agg(json_build_object('table_name', table_name, 'column_name', column_name, 'target_id', target_id)) from added where n = 0) as zeros`,
      );
      // Targets whose count fell to zero (a deleted label's) lose their row; absent reads as zero. A
      // concurrent fold's upsert of the same key either comes first (this delete then sees n ≠ 0 and
      // keeps the row) or waits for this delete and inserts the key afresh.
      const zeros = pivots?.zeros;
      if (zeros) {
        await tx.execute(
          `delete from pivot_counts pc using json_to_recordset(cast(? as json)) as z(table_name text, column_name text, target_id int)
           where pc.table_name = z.table_name and pc.column_name = z.column_name and pc.target_id = z.target_id and pc.n = 0`,
          [typeof zeros === 'string' ? zeros : JSON.stringify(zeros)],
        );
      }
      return Number(tables?.folded ?? 0) + Number(pivots?.folded ?? 0);
    },
    { isolationLevel: IsolationLevel.READ_COMMITTED },
  );
}
