import { Migration } from '@mikro-orm/migrations';
import { droppedTables, foreignKeys } from '../db/migration-sql.ts';

export class Migration20261203074421_external_customers extends Migration {

  override name = 'Migration20261203074421_external_customers';

  override up(): void | Promise<void> {
    this.addSql(`create table "external_accounts" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "external_id" varchar(255) not null, "name" varchar(255) null, "plan" varchar(255) null, "mrr_cents" bigint null, "ltv_cents" bigint null, "external_created_at" timestamptz null, "last_active_at" timestamptz not null);`);
    this.addSql(`create index "external_accounts_updated_at_index" on "external_accounts" ("updated_at");`);
    this.addSql(`alter table "external_accounts" add constraint "external_accounts_external_id_unique" unique ("external_id");`);
    this.addSql(`create index "external_accounts_last_active_at_index" on "external_accounts" ("last_active_at");`);

    this.addSql(`create table "external_users" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "external_id" varchar(255) not null, "email" varchar(320) null, "name" varchar(255) null, "ip" varchar(64) null, "type" varchar(255) null, "external_created_at" timestamptz null, "last_seen_at" timestamptz null, "seen_days" int not null default 0, "user_id" int not null, "external_account_id" int null);`);
    this.addSql(`create index "external_users_updated_at_index" on "external_users" ("updated_at");`);
    this.addSql(`alter table "external_users" add constraint "external_users_external_id_unique" unique ("external_id");`);
    this.addSql(`create index "external_users_user_id_index" on "external_users" ("user_id");`);
    this.addSql(`create index "external_users_external_account_id_index" on "external_users" ("external_account_id");`);

    for (const statement of foreignKeys({
      external_users: { user_id: 'users on delete cascade', external_account_id: 'external_accounts on delete set null' },
    })) this.addSql(statement);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "external_users" drop constraint "external_users_external_account_id_foreign";`);

    for (const statement of droppedTables(
      'external_accounts', 'external_users',
    )) this.addSql(statement);
  }

}
