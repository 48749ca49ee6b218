import { Migration } from '@mikro-orm/migrations';

/**
 * Pivot columns whose rows are counted per target id. Each table's (owner, target) pair is unique (the
 * primary keys of migrations initial and roadmap_internal_importance), so its rows for a target are the
 * distinct owners linked to it. The pivot filters that read these counts say `counted: true`
 * (src/resources/*.ts; test/api/pivot-counts.test.ts checks the two agree).
 */
const COUNTED = [
  { table: 'suggestion_labels', column: 'label_id' },
  { table: 'feature_suggestions', column: 'feature_id' },
] as const;

const EVENTS = ['insert', 'update', 'delete', 'truncate'] as const;

/**
 * `label=<one id>` costs the same at any table size (issue 15 point 2): the number of pivot rows per
 * (pivot table, target column, target id), kept like the table counts of migration list_indexes_counts —
 * a base row (`pivot_counts`) plus one delta row per writing statement and target (`pivot_count_deltas`,
 * so writers never wait for a shared row), folded by src/db/row-counts.ts; a count is the base plus the
 * unfolded deltas, exact at every moment.
 *
 * A keyed sibling of `row_counts` rather than a key column in it: `row_counts` has one row per table,
 * created here once and only ever updated, while keyed rows appear with their first pivot row (a new
 * label has none), so their fold is an upsert, and rows folded to zero (a deleted label's) are removed;
 * apart, neither fold nor either count statement changes shape for the other.
 *
 * Triggers are statement-level with transition tables (PostgreSQL allows those only on single-event
 * triggers: one per event); an UPDATE that moves a row to another target (or an `on update cascade` of
 * the target's id) moves its count; cascading deletes fire the DELETE trigger; TRUNCATE clears the
 * column's counts. One function serves every counted column, named by the trigger's argument.
 */
export class Migration20261204225500_pivot_counts extends Migration {

  override name = 'Migration20261204225500_pivot_counts';

  override up(): void | Promise<void> {
    this.addSql(`create table "pivot_counts" ("table_name" varchar(63) not null, "column_name" varchar(63) not null, "target_id" int not null, "n" bigint not null, primary key ("table_name", "column_name", "target_id"));`);
    this.addSql(`create table "pivot_count_deltas" ("table_name" varchar(63) not null, "column_name" varchar(63) not null, "target_id" int not null, "n" bigint not null);`);
    this.addSql(`create index "pivot_count_deltas_key_n_index" on "pivot_count_deltas" ("table_name", "column_name", "target_id", "n");`);
    // The TRUNCATE branch locks out folds (which take ROW EXCLUSIVE on pivot_counts) until it commits, so
    // a fold can neither re-add the column's base rows after it nor add a key its delete did not see.
    this.addSql(`create function "count_pivot_rows"() returns trigger language plpgsql as $$
      declare
        target text := tg_argv[0];
      begin
        if tg_op = 'INSERT' then
          execute format('insert into pivot_count_deltas (table_name, column_name, target_id, n) select %L, %L, %I, count(*) from new_rows group by %I', tg_table_name, target, target, target);
        elsif tg_op = 'DELETE' then
          execute format('insert into pivot_count_deltas (table_name, column_name, target_id, n) select %L, %L, %I, -count(*) from old_rows group by %I', tg_table_name, target, target, target);
        elsif tg_op = 'UPDATE' then
          execute format('insert into pivot_count_deltas (table_name, column_name, target_id, n) select %L, %L, id, sum(n) from (select %I as id, 1 as n from new_rows union all select %I, -1 from old_rows) moved group by id having sum(n) <> 0', tg_table_name, target, target, target);
        else
          lock table pivot_counts in share row exclusive mode;
          delete from pivot_count_deltas where table_name = tg_table_name and column_name = target;
          delete from pivot_counts where table_name = tg_table_name and column_name = target;
        end if;
        return null;
      end $$;`);
    for (const { table, column } of COUNTED) {
      for (const event of EVENTS) {
        const transition = event === 'insert' ? 'referencing new table as new_rows' : event === 'delete' ? 'referencing old table as old_rows' : event === 'update' ? 'referencing old table as old_rows new table as new_rows' : '';
        this.addSql(`create trigger "${table}_${column}_count_${event}" after ${event} on "${table}" ${transition} for each statement execute function count_pivot_rows('${column}');`);
      }
      // After the triggers: they lock the table against writers until this migration commits.
      this.addSql(`insert into "pivot_counts" ("table_name", "column_name", "target_id", "n") select '${table}', '${column}', "${column}", count(*) from "${table}" group by "${column}";`);
    }
    // Announced like every table a response reads (migration change_notifications, src/cache/).
    for (const table of ['pivot_counts', 'pivot_count_deltas']) {
      this.addSql(`create trigger "uv_announce_change" after insert or update or delete or truncate on "${table}" for each statement execute function "uv_announce_change"();`);
    }
  }

  override down(): void | Promise<void> {
    for (const { table, column } of COUNTED) {
      for (const event of EVENTS) this.addSql(`drop trigger if exists "${table}_${column}_count_${event}" on "${table}";`);
    }
    this.addSql(`drop function if exists "count_pivot_rows"();`);
    this.addSql(`drop table if exists "pivot_count_deltas";`);
    this.addSql(`drop table if exists "pivot_counts";`);
  }

}
