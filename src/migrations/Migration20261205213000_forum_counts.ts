import { Migration } from '@mikro-orm/migrations';

/**
 * Columns of a list's own table whose rows are counted per value, next to the pivot targets of migration
 * pivot_counts and in the same tables (`pivot_counts` is keyed by table, column and target id, whatever
 * the table). The `ids` filters that read these counts say `counted: true` (src/resources/*.ts;
 * test/api/pivot-counts.test.ts checks the two agree). Only NOT NULL columns: a count's target id is.
 */
const COUNTED = [{ table: 'suggestions', column: 'forum_id' }] as const;

/**
 * `forum=<id>` costs the same at any table size (issue 15 point 2): at a million suggestions, counting a
 * forum's 50,000 rows took longer than the page itself (the scale bench's `forum` probe at 1.65× its
 * 10,000-row latency). Counted like a pivot target: insert, delete and truncate reuse count_pivot_rows
 * (statement-level, transition tables; suggestions already carry such triggers for `row_counts`).
 *
 * A move (an UPDATE that changes the column) is a row-level trigger with a column list and a WHEN
 * condition instead of count_pivot_rows' statement-level UPDATE trigger: PostgreSQL allows no column
 * list on a trigger with transition tables, so that one would materialize the old and new rows of every
 * UPDATE of suggestions — each vote, comment and status change rewrites counters — to find the rare move.
 * This one runs only for rows whose forum changes (a move through the API, or `on update cascade` of a
 * forum id), writing −1 and +1 delta rows, folded like the others by src/db/row-counts.ts.
 */
export class Migration20261205213000_forum_counts extends Migration {

  override name = 'Migration20261205213000_forum_counts';

  override up(): void | Promise<void> {
    this.addSql(`create function "count_moved_row"() returns trigger language plpgsql as $$
      begin
        execute format('insert into pivot_count_deltas (table_name, column_name, target_id, n) values ($1, $2, ($3).%1$I, -1), ($1, $2, ($4).%1$I, 1)', tg_argv[0])
          using tg_table_name, tg_argv[0], old, new;
        return null;
      end $$;`);
    for (const { table, column } of COUNTED) {
      this.addSql(`create trigger "${table}_${column}_count_insert" after insert on "${table}" referencing new table as new_rows for each statement execute function count_pivot_rows('${column}');`);
      this.addSql(`create trigger "${table}_${column}_count_delete" after delete on "${table}" referencing old table as old_rows for each statement execute function count_pivot_rows('${column}');`);
      this.addSql(`create trigger "${table}_${column}_count_truncate" after truncate on "${table}" for each statement execute function count_pivot_rows('${column}');`);
      this.addSql(`create trigger "${table}_${column}_count_update" after update of "${column}" on "${table}" for each row when (old."${column}" is distinct from new."${column}") execute function count_moved_row('${column}');`);
      // After the triggers: they lock the table against writers until this migration commits.
      this.addSql(`insert into "pivot_counts" ("table_name", "column_name", "target_id", "n") select '${table}', '${column}', "${column}", count(*) from "${table}" group by "${column}";`);
    }
  }

  override down(): void | Promise<void> {
    for (const { table, column } of COUNTED) {
      for (const event of ['insert', 'delete', 'truncate', 'update']) this.addSql(`drop trigger if exists "${table}_${column}_count_${event}" on "${table}";`);
      this.addSql(`delete from "pivot_count_deltas" where "table_name" = '${table}' and "column_name" = '${column}';`);
      this.addSql(`delete from "pivot_counts" where "table_name" = '${table}' and "column_name" = '${column}';`);
    }
    this.addSql(`drop function if exists "count_moved_row"();`);
  }

}
