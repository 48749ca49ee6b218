import { Migration } from '@mikro-orm/migrations';

/**
 * `forum=…&status=…` together (the admin console's usual view) gets its own (forum_id, status_id, id)
 * index. With only (forum_id, id) and (status_id, id), the planner reads the page by walking the primary
 * key backwards and filtering, expecting the pair's estimated share of rows to turn up soon; when the two
 * columns are correlated and the pair is rare or empty, that walk reads the whole table (425 ms at a
 * million suggestions, bench `scale`). With this index the page is one range in list order and the count
 * an index-only scan of the pair's rows.
 */
export class Migration20261204210000_forum_status_index extends Migration {

  override name = 'Migration20261204210000_forum_status_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "suggestions_forum_id_status_id_id_index" on "suggestions" ("forum_id", "status_id", "id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "suggestions_forum_id_status_id_id_index";`);
  }

}
