import { Migration } from '@mikro-orm/migrations';

/** Tables whose unfiltered lists read their count from `row_counts` (resources/list.ts). */
const COUNTED = ['suggestions', 'users', 'comments'] as const;

/**
 * Lists cost the same at 10,000 and 1,000,000 rows (issue 15):
 * - a (column, id) index for every declared sort and every id filter of the suggestions list, so a page
 *   is an index range scan in list order (keyset cursors included) however large the table, and a
 *   filtered count an index-only scan of the matching rows; the pivot filters (label, feature) get
 *   their reverse index;
 * - `row_counts` + `row_count_deltas`: exact row counts maintained by statement-level triggers in the
 *   writing transaction, so an unfiltered list's `total_records` is a base row plus a few unfolded
 *   deltas instead of a count over the table.
 * Indexes only (no entity change): the entities keep their single-column foreign-key indexes.
 */
export class Migration20261204100000_list_indexes_counts extends Migration {

  override name = 'Migration20261204100000_list_indexes_counts';

  override up(): void | Promise<void> {
    for (const column of ['forum_id', 'category_id', 'status_id', 'created_by_id', 'state', 'created_at', 'updated_at', 'title', 'supporters_count', 'votes_count', 'comments_count', 'requests_count']) {
      this.addSql(`create index "suggestions_${column}_id_index" on "suggestions" ("${column}", "id");`);
    }
    this.addSql(`create index "suggestion_labels_label_id_suggestion_id_index" on "suggestion_labels" ("label_id", "suggestion_id");`);
    this.addSql(`create index "supporters_user_id_suggestion_id_index" on "supporters" ("user_id", "suggestion_id");`);
    for (const table of ['users', 'comments']) {
      for (const column of ['created_at', 'updated_at']) this.addSql(`create index "${table}_${column}_id_index" on "${table}" ("${column}", "id");`);
    }
    this.addSql(`create index "comments_suggestion_id_id_index" on "comments" ("suggestion_id", "id");`);

    // Counts: a base row per table plus delta rows. Each writing statement's trigger inserts its own delta
    // row (no row is shared between writers, so concurrent creates never wait for each other or fail
    // each other's SERIALIZABLE check); src/db/row-counts.ts folds the deltas into the base row every
    // few seconds; a count is the base plus the deltas not yet folded.
    this.addSql(`create table "row_counts" ("table_name" varchar(63) not null primary key, "n" bigint not null);`);
    this.addSql(`create table "row_count_deltas" ("table_name" varchar(63) not null, "n" bigint not null);`);
    this.addSql(`create index "row_count_deltas_table_name_n_index" on "row_count_deltas" ("table_name", "n");`);
    this.addSql(`create function "count_rows"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into row_count_deltas (table_name, n) select tg_table_name, count(*) from new_rows having count(*) > 0;
        elsif tg_op = 'DELETE' then
          insert into row_count_deltas (table_name, n) select tg_table_name, -count(*) from old_rows having count(*) > 0;
        else
          delete from row_count_deltas where table_name = tg_table_name;
          update row_counts set n = 0 where table_name = tg_table_name;
        end if;
        return null;
      end $$;`);
    for (const table of COUNTED) {
      this.addSql(`create trigger "${table}_count_insert" after insert on "${table}" referencing new table as new_rows for each statement execute function count_rows();`);
      this.addSql(`create trigger "${table}_count_delete" after delete on "${table}" referencing old table as old_rows for each statement execute function count_rows();`);
      this.addSql(`create trigger "${table}_count_truncate" after truncate on "${table}" for each statement execute function count_rows();`);
      this.addSql(`insert into "row_counts" ("table_name", "n") select '${table}', count(*) from "${table}";`);
    }
    // Announced like every table a response reads (migration change_notifications, src/cache/).
    for (const table of ['row_counts', 'row_count_deltas']) {
      this.addSql(`create trigger "uv_announce_change" after insert or update or delete or truncate on "${table}" for each statement execute function "uv_announce_change"();`);
    }
  }

  override down(): void | Promise<void> {
    for (const table of COUNTED) {
      for (const op of ['insert', 'delete', 'truncate']) this.addSql(`drop trigger if exists "${table}_count_${op}" on "${table}";`);
    }
    this.addSql(`drop function if exists "count_rows"();`);
    this.addSql(`drop table if exists "row_count_deltas";`);
    this.addSql(`drop table if exists "row_counts";`);
    for (const column of ['forum_id', 'category_id', 'status_id', 'created_by_id', 'state', 'created_at', 'updated_at', 'title', 'supporters_count', 'votes_count', 'comments_count', 'requests_count']) {
      this.addSql(`drop index if exists "suggestions_${column}_id_index";`);
    }
    this.addSql(`drop index if exists "suggestion_labels_label_id_suggestion_id_index";`);
    this.addSql(`drop index if exists "supporters_user_id_suggestion_id_index";`);
    for (const table of ['users', 'comments']) {
      for (const column of ['created_at', 'updated_at']) this.addSql(`drop index if exists "${table}_${column}_id_index";`);
    }
    this.addSql(`drop index if exists "comments_suggestion_id_id_index";`);
  }

}
