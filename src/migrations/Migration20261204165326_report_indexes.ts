import { Migration } from '@mikro-orm/migrations';

/**
 * created_at indexes for the date-range reports (/admin/reports/votes and /nps_ratings). Suggestions'
 * and comments' created_at indexes come with the list indexes (branch perf15b).
 */
export class Migration20261204165326_report_indexes extends Migration {

  override name = 'Migration20261204165326_report_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "nps_ratings_created_at_index" on "nps_ratings" ("created_at");`);

    this.addSql(`create index "supporters_created_at_index" on "supporters" ("created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "nps_ratings_created_at_index";`);

    this.addSql(`drop index "supporters_created_at_index";`);
  }

}
