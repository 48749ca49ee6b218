import { IsolationLevel } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/sql';

/**
 * Folds the count deltas the triggers of migration list_indexes_counts wrote (one row per writing
 * statement) into each table's base row, in one statement: the rows it deletes are exactly the rows it
 * adds, so a count read at any moment (base + remaining deltas, resources/list.ts) stays exact. READ
 * COMMITTED even when the database defaults to SERIALIZABLE: the fold only adds committed deltas, and it
 * must not join writers' or readers' serializability checks (a fold running concurrently with another
 * waits for its base-row update, then adds its own sum). Returns the number of deltas folded; nothing is
 * written (and nothing announced to the response cache) when there is none.
 */
export async function foldRowCounts(orm: MikroORM): Promise<number> {
  const em = orm.em.fork();
  const [pending] = await em.getConnection().execute<Array<{ any: boolean }>>('select exists (select 1 from row_count_deltas) as any');
  if (!pending?.any) return 0;
  return em.transactional(
    async (tx) => {
      const rows = await tx.execute<Array<{ folded: string | number }>>(
        `with folded as (delete from row_count_deltas returning table_name, n),
              sums as (select table_name, sum(n) as n, count(*) as deltas from folded group by table_name),
              added as (update row_counts rc set n = rc.n + sums.n from sums where rc.table_name = sums.table_name returning sums.deltas)
         select coalesce(sum(deltas), 0) as folded from sums`,
      );
      return Number(rows[0]?.folded ?? 0);
    },
    { isolationLevel: IsolationLevel.READ_COMMITTED },
  );
}
