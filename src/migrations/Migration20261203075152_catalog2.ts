import { Migration } from '@mikro-orm/migrations';
import { droppedForeignKeys, droppedTables, foreignKeys } from '../db/migration-sql.ts';

export class Migration20261203075152_catalog2 extends Migration {

  override name = 'Migration20261203075152_catalog2';

  override up(): void | Promise<void> {
    this.addSql(`create table "custom_fields" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "key" varchar(100) not null, "field_type" varchar(32) not null, "object_type" varchar(32) not null);`);
    this.addSql(`create index "custom_fields_updated_at_index" on "custom_fields" ("updated_at");`);
    this.addSql(`alter table "custom_fields" add constraint "custom_fields_object_type_key_unique" unique ("object_type", "key");`);

    this.addSql(`create table "teams" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "members_count" int not null default 0);`);
    this.addSql(`create index "teams_updated_at_index" on "teams" ("updated_at");`);

    this.addSql(`create table "team_members" ("team_id" int not null, "user_id" int not null, primary key ("team_id", "user_id"));`);
    this.addSql(`create index "team_members_user_id_index" on "team_members" ("user_id");`);

    this.addSql(`create table "segments" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "key" varchar(100) not null, "filters" json null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "segments_updated_at_index" on "segments" ("updated_at");`);
    this.addSql(`alter table "segments" add constraint "segments_key_unique" unique ("key");`);

    this.addSql(`create table "segmented_values" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "key" varchar(255) not null, "object_type" varchar(32) not null default 'features', "column_type" varchar(32) not null, "segment_id" int not null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "segmented_values_updated_at_index" on "segmented_values" ("updated_at");`);
    this.addSql(`create index "segmented_values_segment_id_index" on "segmented_values" ("segment_id");`);
    this.addSql(`alter table "segmented_values" add constraint "segmented_values_object_type_key_unique" unique ("object_type", "key");`);

    this.addSql(`create table "permissions" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "license_type" varchar(32) not null, "feedback" varchar(32) not null default 'contribute', "features" varchar(32) not null default 'none', "knowledgebase" varchar(32) not null default 'none', "settings" varchar(32) not null default 'none', "tickets" varchar(32) not null default 'none', "reply_to" varchar(320) null, "state" varchar(32) not null default 'active', "user_id" int not null);`);
    this.addSql(`create index "permissions_updated_at_index" on "permissions" ("updated_at");`);
    this.addSql(`alter table "permissions" add constraint "permissions_user_id_unique" unique ("user_id");`);

    for (const statement of foreignKeys({
      team_members: { team_id: 'teams on update cascade on delete cascade', user_id: 'users on update cascade on delete cascade' },
      segments: { created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      segmented_values: { segment_id: 'segments on delete cascade', created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      permissions: { user_id: 'users on delete cascade' },
    })) this.addSql(statement);

    // Every admin has a permission record (users' `permissions` comes from it): existing admins get the
    // full-access record they were shown before; the owner alone manages the account's settings.
    this.addSql(`insert into "permissions" ("created_at", "updated_at", "license_type", "feedback", "features", "knowledgebase", "settings", "tickets", "state", "user_id")
      select now(), now(), 'fullaccess_admin', 'manage', 'manage', 'manage', case when "is_owner" then 'manage_account' else 'manage' end, 'manage', 'active', "id"
      from "users" where "is_admin" order by "id";`);
  }

  override down(): void | Promise<void> {
    for (const statement of droppedForeignKeys(
      'team_members.team_id', 'segmented_values.segment_id',
    )) this.addSql(statement);

    for (const statement of droppedTables(
      'custom_fields', 'teams', 'team_members', 'segments', 'segmented_values', 'permissions',
    )) this.addSql(statement);
  }

}
