import { Migration } from '@mikro-orm/migrations';
import { droppedForeignKeys, droppedTables, foreignKeys } from '../db/migration-sql.ts';

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
    for (const statement of foreignKeys({
      suggestions: { last_status_update_id: 'status_updates on delete set null' },
      attachments: { note_id: 'notes on delete set null' },
      supporters: { suggestion_id: 'suggestions on delete cascade', user_id: 'users on delete cascade', created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      status_updates: { suggestion_id: 'suggestions on delete cascade', user_id: 'users on delete set null', old_status_id: 'statuses on delete set null', new_status_id: 'statuses on delete set null' },
      notes: { suggestion_id: 'suggestions on delete cascade', created_by_id: 'users on delete set null' },
      feedback: { suggestion_id: 'suggestions on delete cascade', user_id: 'users on delete cascade', supporter_id: 'supporters on delete set null', created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      comments: { suggestion_id: 'suggestions on delete cascade', created_by_id: 'users on delete set null' },
    })) this.addSql(statement);
  }

  override down(): void | Promise<void> {
    for (const statement of droppedForeignKeys(
      'feedback.supporter_id', 'suggestions.last_status_update_id', 'attachments.note_id',
    )) this.addSql(statement);

    for (const statement of droppedTables(
      'supporters', 'status_updates', 'notes', 'feedback', 'comments',
    )) this.addSql(statement);

    this.addSql(`alter table "suggestions" drop column "last_status_update_id";`);
  }

}
