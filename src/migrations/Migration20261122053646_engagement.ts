import { Migration } from '@mikro-orm/migrations';

export class Migration20261122053646_engagement extends Migration {

  override name = 'Migration20261122053646_engagement';

  override up(): void | Promise<void> {
    this.addSql(`create table "supporters" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "how" varchar(32) not null default 'feedback', "channel" varchar(32) not null default 'api', "is_subscribed" boolean not null default true, "comments_count" int not null default 0, "feedback_count" int not null default 0, "suggestion_id" int not null, "user_id" int not null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "supporters_updated_at_index" on "supporters" ("updated_at");`);
    this.addSql(`create index "supporters_user_id_index" on "supporters" ("user_id");`);
    this.addSql(`alter table "supporters" add constraint "supporters_suggestion_id_user_id_unique" unique ("suggestion_id", "user_id");`);

    this.addSql(`create table "status_updates" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "body" text not null, "notification_email_address" varchar(320) null, "notify_supporters" boolean not null default false, "suggestion_id" int not null, "user_id" int null, "old_status_id" int null, "new_status_id" int null);`);
    this.addSql(`create index "status_updates_updated_at_index" on "status_updates" ("updated_at");`);
    this.addSql(`create index "status_updates_suggestion_id_index" on "status_updates" ("suggestion_id");`);

    this.addSql(`create table "notes" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "body" text not null, "body_mime_type" varchar(64) not null default 'text/plain', "suggestion_id" int not null, "created_by_id" int null);`);
    this.addSql(`create index "notes_updated_at_index" on "notes" ("updated_at");`);
    this.addSql(`create index "notes_suggestion_id_index" on "notes" ("suggestion_id");`);

    this.addSql(`create table "feedback" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "body" text not null, "body_mime_type" varchar(64) not null default 'text/plain', "channel" varchar(32) not null default 'api', "source_url" text null, "source_type" varchar(64) null, "source_guid" varchar(255) null, "severity" int null, "suggestion_id" int not null, "user_id" int not null, "supporter_id" int null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "feedback_updated_at_index" on "feedback" ("updated_at");`);
    this.addSql(`create index "feedback_suggestion_id_index" on "feedback" ("suggestion_id");`);
    this.addSql(`create index "feedback_user_id_index" on "feedback" ("user_id");`);
    this.addSql(`create index "feedback_supporter_id_index" on "feedback" ("supporter_id");`);

    this.addSql(`create table "comments" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "body" text not null, "body_mime_type" varchar(64) not null default 'text/plain', "state" varchar(32) not null default 'approved', "channel" varchar(32) not null default 'api', "inappropriate_flags_count" int not null default 0, "is_admin_comment" boolean not null default false, "suggestion_id" int not null, "created_by_id" int null);`);
    this.addSql(`create index "comments_updated_at_index" on "comments" ("updated_at");`);
    this.addSql(`create index "comments_suggestion_id_index" on "comments" ("suggestion_id");`);
    this.addSql(`create index "comments_created_by_id_index" on "comments" ("created_by_id");`);

    this.addSql(`alter table "suggestions" add "last_status_update_id" int null;`);
    this.addSql(`alter table "suggestions" add constraint "suggestions_last_status_update_id_foreign" foreign key ("last_status_update_id") references "status_updates" ("id") on delete set null;`);

    this.addSql(`alter table "attachments" add constraint "attachments_note_id_foreign" foreign key ("note_id") references "notes" ("id") on delete set null;`);

    this.addSql(`alter table "supporters" add constraint "supporters_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "supporters" add constraint "supporters_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "supporters" add constraint "supporters_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "supporters" add constraint "supporters_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "status_updates" add constraint "status_updates_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "status_updates" add constraint "status_updates_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "status_updates" add constraint "status_updates_old_status_id_foreign" foreign key ("old_status_id") references "statuses" ("id") on delete set null;`);
    this.addSql(`alter table "status_updates" add constraint "status_updates_new_status_id_foreign" foreign key ("new_status_id") references "statuses" ("id") on delete set null;`);

    this.addSql(`alter table "notes" add constraint "notes_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "notes" add constraint "notes_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "feedback" add constraint "feedback_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "feedback" add constraint "feedback_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "feedback" add constraint "feedback_supporter_id_foreign" foreign key ("supporter_id") references "supporters" ("id") on delete set null;`);
    this.addSql(`alter table "feedback" add constraint "feedback_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "feedback" add constraint "feedback_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "comments" add constraint "comments_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "comments" add constraint "comments_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "feedback" drop constraint "feedback_supporter_id_foreign";`);
    this.addSql(`alter table "suggestions" drop constraint "suggestions_last_status_update_id_foreign";`);
    this.addSql(`alter table "attachments" drop constraint "attachments_note_id_foreign";`);

    this.addSql(`drop table if exists "supporters" cascade;`);
    this.addSql(`drop table if exists "status_updates" cascade;`);
    this.addSql(`drop table if exists "notes" cascade;`);
    this.addSql(`drop table if exists "feedback" cascade;`);
    this.addSql(`drop table if exists "comments" cascade;`);

    this.addSql(`alter table "suggestions" drop column "last_status_update_id";`);
  }

}
