import { Migration } from '@mikro-orm/migrations';

export class Migration20261203121134_import_missing extends Migration {

  override name = 'Migration20261203121134_import_missing';

  override up(): void | Promise<void> {
    this.addSql(`alter table "import_progress" add "last_id" int null, add "missing" jsonb not null default '[]', add "missing_count" int not null default 0;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "import_progress" drop column "last_id", drop column "missing", drop column "missing_count";`);
  }

}
