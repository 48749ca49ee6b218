import { Migration } from '@mikro-orm/migrations';
import { foreignKeys } from '../db/migration-sql.ts';

export class Migration20261122024637_attachments extends Migration {

  override name = 'Migration20261122024637_attachments';

  override up(): void | Promise<void> {
    this.addSql(`create table "attachments" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "token" varchar(32) not null, "file_name" varchar(255) not null, "content_type" varchar(255) not null, "size_in_bytes" int not null, "sha256" varchar(64) not null, "storage_key" varchar(64) not null, "suggestion_id" int null, "note_id" int null, "created_by_id" int null);`);
    this.addSql(`create index "attachments_updated_at_index" on "attachments" ("updated_at");`);
    this.addSql(`alter table "attachments" add constraint "attachments_token_unique" unique ("token");`);
    this.addSql(`alter table "attachments" add constraint "attachments_storage_key_unique" unique ("storage_key");`);
    this.addSql(`create index "attachments_suggestion_id_index" on "attachments" ("suggestion_id");`);
    this.addSql(`create index "attachments_note_id_index" on "attachments" ("note_id");`);

    for (const statement of foreignKeys({
      attachments: { suggestion_id: 'suggestions on delete set null', created_by_id: 'users on delete set null' },
    })) this.addSql(statement);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "attachments" cascade;`);
  }

}
