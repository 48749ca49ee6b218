import { Migration } from '@mikro-orm/migrations';
import { droppedTables, foreignKeys } from '../db/migration-sql.ts';

export class Migration20261203121346_activity_merges_messages extends Migration {

  override name = 'Migration20261203121346_activity_merges_messages';

  override up(): void | Promise<void> {
    this.addSql(`create table "service_hook_logs" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "url" text not null, "event" varchar(64) not null, "object_id" int null, "http_status" int null, "exception" text null);`);
    this.addSql(`create index "service_hook_logs_updated_at_index" on "service_hook_logs" ("updated_at");`);

    this.addSql(`create table "forum_invitations" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "email" varchar(320) not null, "code" varchar(64) not null, "subject" varchar(255) null, "text" text null, "reply_to" varchar(320) null, "claimed_at" timestamptz null, "forum_id" int not null, "invited_by_id" int null, "claimed_by_id" int null);`);
    this.addSql(`create index "forum_invitations_updated_at_index" on "forum_invitations" ("updated_at");`);
    this.addSql(`alter table "forum_invitations" add constraint "forum_invitations_code_unique" unique ("code");`);
    this.addSql(`create index "forum_invitations_forum_id_index" on "forum_invitations" ("forum_id");`);

    this.addSql(`create table "supporter_messages" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "body" text not null, "body_mime_type" varchar(64) not null default 'text/plain', "notification_email_address" varchar(320) null, "suggestion_id" int not null, "created_by_id" int null);`);
    this.addSql(`create index "supporter_messages_updated_at_index" on "supporter_messages" ("updated_at");`);
    this.addSql(`create index "supporter_messages_suggestion_id_index" on "supporter_messages" ("suggestion_id");`);

    this.addSql(`create table "suggested_merges" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "score" double precision not null, "state" varchar(32) not null default 'pending', "suggestion_a_id" int not null, "suggestion_b_id" int not null);`);
    this.addSql(`create index "suggested_merges_updated_at_index" on "suggested_merges" ("updated_at");`);
    this.addSql(`create index "suggested_merges_suggestion_b_id_index" on "suggested_merges" ("suggestion_b_id");`);
    this.addSql(`alter table "suggested_merges" add constraint "suggested_merges_suggestion_a_id_suggestion_b_id_unique" unique ("suggestion_a_id", "suggestion_b_id");`);

    this.addSql(`create table "suggestion_activity_entries" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "kind" varchar(64) not null, "old_title" text null, "new_title" text null, "old_body" text null, "new_body" text null, "old_state" varchar(32) null, "new_state" varchar(32) null, "suggestion_id" int not null, "created_by_id" int null, "comment_id" int null, "note_id" int null, "feedback_id" int null, "status_update_id" int null, "message_id" int null, "label_id" int null, "old_forum_id" int null, "new_forum_id" int null, "old_category_id" int null, "new_category_id" int null, "old_status_id" int null, "new_status_id" int null, "merged_from_suggestion_id" int null, "merged_to_suggestion_id" int null);`);
    this.addSql(`create index "suggestion_activity_entries_updated_at_index" on "suggestion_activity_entries" ("updated_at");`);
    this.addSql(`create index "suggestion_activity_entries_kind_index" on "suggestion_activity_entries" ("kind");`);
    this.addSql(`create index "suggestion_activity_entries_suggestion_id_index" on "suggestion_activity_entries" ("suggestion_id");`);
    this.addSql(`create index "suggestion_activity_entries_created_by_id_index" on "suggestion_activity_entries" ("created_by_id");`);
    this.addSql(`create index "suggestion_activity_entries_comment_id_index" on "suggestion_activity_entries" ("comment_id");`);
    this.addSql(`create index "suggestion_activity_entries_note_id_index" on "suggestion_activity_entries" ("note_id");`);
    this.addSql(`create index "suggestion_activity_entries_feedback_id_index" on "suggestion_activity_entries" ("feedback_id");`);
    this.addSql(`create index "suggestion_activity_entries_status_update_id_index" on "suggestion_activity_entries" ("status_update_id");`);
    this.addSql(`create index "suggestion_activity_entries_message_id_index" on "suggestion_activity_entries" ("message_id");`);
    this.addSql(`create index "suggestion_activity_entries_label_id_index" on "suggestion_activity_entries" ("label_id");`);
    this.addSql(`create index "suggestion_activity_entries_old_category_id_index" on "suggestion_activity_entries" ("old_category_id");`);
    this.addSql(`create index "suggestion_activity_entries_new_category_id_index" on "suggestion_activity_entries" ("new_category_id");`);
    this.addSql(`create index "suggestion_activity_entries_old_status_id_index" on "suggestion_activity_entries" ("old_status_id");`);
    this.addSql(`create index "suggestion_activity_entries_new_status_id_index" on "suggestion_activity_entries" ("new_status_id");`);

    for (const statement of foreignKeys({
      forum_invitations: { forum_id: 'forums on delete cascade', invited_by_id: 'users on delete set null', claimed_by_id: 'users on delete set null' },
      supporter_messages: { suggestion_id: 'suggestions on delete cascade', created_by_id: 'users on delete set null' },
      suggested_merges: { suggestion_a_id: 'suggestions on delete cascade', suggestion_b_id: 'suggestions on delete cascade' },
      suggestion_activity_entries: { suggestion_id: 'suggestions on delete cascade', created_by_id: 'users on delete set null', comment_id: 'comments on delete set null', note_id: 'notes on delete set null', feedback_id: 'feedback on delete set null', status_update_id: 'status_updates on delete set null', message_id: 'supporter_messages on delete set null', label_id: 'labels on delete set null', old_forum_id: 'forums on delete set null', new_forum_id: 'forums on delete set null', old_category_id: 'categories on delete set null', new_category_id: 'categories on delete set null', old_status_id: 'statuses on delete set null', new_status_id: 'statuses on delete set null', merged_from_suggestion_id: 'suggestions on delete set null', merged_to_suggestion_id: 'suggestions on delete set null' },
    })) this.addSql(statement);

    // Suggested merges compare titles with pg_trgm (services/suggested-merges.ts). A server without the
    // extension (a managed PostgreSQL without contrib, a PGlite opened without it) keeps working: the
    // service then pairs equal normalised titles instead. The index is not in the entities (MikroORM cannot
    // declare an operator class), so schema diffs, which compare the entities with the snapshot, ignore it.
    this.addSql(`do $$ begin
      create extension if not exists pg_trgm;
      create index if not exists "suggestions_title_trgm_index" on "suggestions" using gin ("title" gin_trgm_ops);
    exception when others then
      raise notice 'pg_trgm unavailable (%): suggested merges fall back to equal titles', sqlerrm;
    end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "suggestion_activity_entries" drop constraint "suggestion_activity_entries_message_id_foreign";`);

    for (const statement of droppedTables(
      'service_hook_logs', 'forum_invitations', 'supporter_messages', 'suggested_merges',
      'suggestion_activity_entries',
    )) this.addSql(statement);
    this.addSql(`drop index if exists "suggestions_title_trgm_index";`);
  }

}
