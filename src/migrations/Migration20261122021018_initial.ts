import { Migration } from '@mikro-orm/migrations';
import { droppedForeignKeys, droppedTables, foreignKeys } from '../db/migration-sql.ts';

export class Migration20261122021018_initial extends Migration {

  override name = 'Migration20261122021018_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "labels" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "full_name" text not null, "level" int not null default 1, "open_suggestions_count" int not null default 0, "parent_id" int null);`);
    this.addSql(`create index "labels_updated_at_index" on "labels" ("updated_at");`);

    this.addSql(`create table "settings" ("key" varchar(64) not null, "value" text not null, "created_at" timestamptz not null, primary key ("key"));`);

    this.addSql(`create table "statuses" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "hex_color" varchar(16) not null default '#808080', "position" int not null default 0, "is_open" boolean not null default true, "allow_comments" boolean not null default true);`);
    this.addSql(`create index "statuses_updated_at_index" on "statuses" ("updated_at");`);

    this.addSql(`create table "users" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) null, "email_address" varchar(320) null, "guid" varchar(255) null, "job_title" varchar(255) null, "avatar_url" text null, "last_ip" varchar(64) null, "country" varchar(255) null, "region" varchar(255) null, "city" varchar(255) null, "allowed_state" varchar(32) not null default 'allowed', "state" varchar(32) not null default 'active', "satisfaction_score" int null, "supported_suggestions_count" int not null default 0, "suggestion_votes" int not null default 0, "is_admin" boolean not null default false, "is_owner" boolean not null default false, "is_subscribed" boolean not null default false, "email_confirmed" boolean not null default false, "status_notifications" boolean not null default true, "comment_notifications" boolean not null default true, "last_login" timestamptz null, "support_created_at" timestamptz null);`);
    this.addSql(`create index "users_updated_at_index" on "users" ("updated_at");`);
    this.addSql(`alter table "users" add constraint "users_email_address_unique" unique ("email_address");`);

    this.addSql(`create table "forums" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "welcome_message" text null, "welcome_message_mime_type" varchar(64) not null default 'text/html', "prompt" varchar(255) null, "example" varchar(255) null, "suggestions_count" int not null default 0, "open_suggestions_count" int not null default 0, "is_public" boolean not null default true, "is_private" boolean not null default false, "classic_voting" boolean not null default false, "category_required" boolean not null default false, "is_open" boolean not null default true, "importance_enabled" boolean not null default false, "moderation_enabled" boolean not null default false, "updated_by_id" int null);`);
    this.addSql(`create index "forums_updated_at_index" on "forums" ("updated_at");`);

    this.addSql(`create table "categories" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "suggestions_count" int not null default 0, "open_suggestions_count" int not null default 0, "forum_id" int not null);`);
    this.addSql(`create index "categories_updated_at_index" on "categories" ("updated_at");`);

    this.addSql(`create table "suggestions" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "title" varchar(255) not null, "body" text null, "body_mime_type" varchar(64) not null default 'text/plain', "state" varchar(32) not null default 'approved', "channel" varchar(32) not null default 'api', "approved_at" timestamptz null, "closed_at" timestamptz null, "first_support_at" timestamptz null, "comments_count" int not null default 0, "notes_count" int not null default 0, "requests_count" int not null default 0, "votes_count" int not null default 0, "supporters_count" int not null default 0, "supporting_accounts_count" int not null default 0, "inappropriate_flags_count" int not null default 0, "recent_engagement" int not null default 0, "creator_user_agent" text null, "creator_referrer" text null, "creator_browser" varchar(255) null, "creator_browser_version" varchar(64) null, "creator_os" varchar(255) null, "creator_mobile" boolean null, "unmergeable" boolean not null default false, "forum_id" int not null, "category_id" int null, "status_id" int null, "created_by_id" int null, "parent_suggestion_id" int null);`);
    this.addSql(`create index "suggestions_updated_at_index" on "suggestions" ("updated_at");`);
    this.addSql(`create index "suggestions_state_index" on "suggestions" ("state");`);
    this.addSql(`create index "suggestions_forum_id_index" on "suggestions" ("forum_id");`);
    this.addSql(`create index "suggestions_category_id_index" on "suggestions" ("category_id");`);
    this.addSql(`create index "suggestions_status_id_index" on "suggestions" ("status_id");`);
    this.addSql(`create index "suggestions_created_by_id_index" on "suggestions" ("created_by_id");`);
    this.addSql(`create index "suggestions_parent_suggestion_id_index" on "suggestions" ("parent_suggestion_id");`);

    this.addSql(`create table "suggestion_labels" ("suggestion_id" int not null, "label_id" int not null, primary key ("suggestion_id", "label_id"));`);

    this.addSql(`create table "api_clients" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "key" varchar(64) not null, "name" varchar(255) not null, "secret_hash" varchar(64) not null, "generation" int not null default 1, "revoked_at" timestamptz null, "user_id" int not null);`);
    this.addSql(`create index "api_clients_updated_at_index" on "api_clients" ("updated_at");`);
    this.addSql(`alter table "api_clients" add constraint "api_clients_key_unique" unique ("key");`);

    for (const statement of foreignKeys({
      labels: { parent_id: 'labels on delete cascade' },
      forums: { updated_by_id: 'users on delete set null' },
      categories: { forum_id: 'forums on delete cascade' },
      suggestions: { forum_id: 'forums', category_id: 'categories on delete set null', status_id: 'statuses on delete set null', created_by_id: 'users on delete set null', parent_suggestion_id: 'suggestions on delete set null' },
      suggestion_labels: { suggestion_id: 'suggestions on update cascade on delete cascade', label_id: 'labels on update cascade on delete cascade' },
      api_clients: { user_id: 'users' },
    })) this.addSql(statement);
  }

  override down(): void | Promise<void> {
    for (const statement of droppedForeignKeys(
      'labels.parent_id', 'suggestion_labels.label_id', 'suggestions.status_id', 'forums.updated_by_id',
      'suggestions.created_by_id', 'api_clients.user_id', 'categories.forum_id', 'suggestions.forum_id',
      'suggestions.category_id', 'suggestions.parent_suggestion_id', 'suggestion_labels.suggestion_id',
    )) this.addSql(statement);

    for (const statement of droppedTables(
      'labels', 'settings', 'statuses', 'users', 'forums', 'categories', 'suggestions', 'suggestion_labels',
      'api_clients',
    )) this.addSql(statement);
  }

}
