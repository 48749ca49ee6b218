import { Migration } from '@mikro-orm/migrations';
import { droppedTables } from '../db/migration-sql.ts';

export class Migration20261203084001_importer extends Migration {

  override name = 'Migration20261203084001_importer';

  override up(): void | Promise<void> {
    this.addSql(`create table "import_deferred" ("table_name" varchar(64) not null, "row_id" int not null, "column_name" varchar(64) not null, "value" int not null, primary key ("table_name", "row_id", "column_name"));`);

    this.addSql(`create table "import_progress" ("resource" varchar(64) not null, "source_url" text not null, "since" varchar(64) not null, "cursor" text null, "done" boolean not null default false, "last_updated_at" timestamptz null, "total" int not null default 0, "fetched" int not null default 0, "created" int not null default 0, "updated" int not null default 0, "unchanged" int not null default 0, "skipped" jsonb not null, "skipped_count" int not null default 0, "updated_at" timestamptz not null, primary key ("resource"));`);
  }

  override down(): void | Promise<void> {
    for (const statement of droppedTables(
      'import_deferred', 'import_progress',
    )) this.addSql(statement);
  }

}
