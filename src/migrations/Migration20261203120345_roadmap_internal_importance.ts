import { Migration } from '@mikro-orm/migrations';
import { droppedForeignKeys, droppedTables, foreignKeys } from '../db/migration-sql.ts';

export class Migration20261203120345_roadmap_internal_importance extends Migration {

  override name = 'Migration20261203120345_roadmap_internal_importance';

  override up(): void | Promise<void> {
    this.addSql(`create table "internal_statuses" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "hex_color" varchar(16) not null default '#808080', "position" int not null default 0, "is_default" boolean not null default false);`);
    this.addSql(`create index "internal_statuses_updated_at_index" on "internal_statuses" ("updated_at");`);

    this.addSql(`create table "product_areas" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "product_areas_updated_at_index" on "product_areas" ("updated_at");`);

    this.addSql(`create table "importance_responses" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "value" int not null, "label" varchar(64) not null, "user_id" int not null);`);
    this.addSql(`create index "importance_responses_updated_at_index" on "importance_responses" ("updated_at");`);
    this.addSql(`create index "importance_responses_user_id_index" on "importance_responses" ("user_id");`);

    this.addSql(`create table "internal_status_updates" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) null, "hex_color" varchar(16) null, "teams_notified" boolean not null default false, "suggestion_id" int not null, "created_by_id" int null, "old_internal_status_id" int null, "new_internal_status_id" int null);`);
    this.addSql(`create index "internal_status_updates_updated_at_index" on "internal_status_updates" ("updated_at");`);
    this.addSql(`create index "internal_status_updates_suggestion_id_index" on "internal_status_updates" ("suggestion_id");`);

    this.addSql(`create table "internal_flags" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "reason" varchar(1000) null, "suggestion_id" int not null, "user_id" int null, "created_by_id" int null);`);
    this.addSql(`create index "internal_flags_updated_at_index" on "internal_flags" ("updated_at");`);
    this.addSql(`create index "internal_flags_suggestion_id_index" on "internal_flags" ("suggestion_id");`);

    this.addSql(`create table "importance_scores" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "suggestion_id" int not null, "user_id" int not null, "response_id" int not null);`);
    this.addSql(`create index "importance_scores_updated_at_index" on "importance_scores" ("updated_at");`);
    this.addSql(`create index "importance_scores_suggestion_id_index" on "importance_scores" ("suggestion_id");`);
    this.addSql(`create index "importance_scores_user_id_index" on "importance_scores" ("user_id");`);
    this.addSql(`alter table "importance_scores" add constraint "importance_scores_response_id_unique" unique ("response_id");`);
    this.addSql(`alter table "importance_scores" add constraint "importance_scores_suggestion_id_user_id_unique" unique ("suggestion_id", "user_id");`);

    this.addSql(`create table "feature_statuses" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "hex_color" varchar(16) not null default '#808080', "position" int not null default 0, "is_default" boolean not null default false, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "feature_statuses_updated_at_index" on "feature_statuses" ("updated_at");`);

    this.addSql(`create table "features" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" varchar(255) not null, "description" text null, "position" int not null default 0, "feature_status_id" int null, "product_area_id" int null, "created_by_id" int null, "updated_by_id" int null);`);
    this.addSql(`create index "features_updated_at_index" on "features" ("updated_at");`);
    this.addSql(`create index "features_feature_status_id_index" on "features" ("feature_status_id");`);
    this.addSql(`create index "features_product_area_id_index" on "features" ("product_area_id");`);

    this.addSql(`create table "feature_suggestions" ("feature_id" int not null, "suggestion_id" int not null, primary key ("feature_id", "suggestion_id"));`);
    this.addSql(`create index "feature_suggestions_suggestion_id_index" on "feature_suggestions" ("suggestion_id");`);

    this.addSql(`alter table "suggestions" add "internal_flags_count" int not null default 0, add "all_internal_flags_count" int not null default 0, add "last_internal_flag_at" timestamptz null, add "importance_low_count" int not null default 0, add "importance_medium_count" int not null default 0, add "importance_high_count" int not null default 0, add "last_internal_status_update_id" int null;`);
    for (const statement of foreignKeys({
      suggestions: { last_internal_status_update_id: 'internal_status_updates on delete set null' },
      product_areas: { created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      importance_responses: { user_id: 'users on delete cascade' },
      internal_status_updates: { suggestion_id: 'suggestions on delete cascade', created_by_id: 'users on delete set null', old_internal_status_id: 'internal_statuses on delete set null', new_internal_status_id: 'internal_statuses on delete set null' },
      internal_flags: { suggestion_id: 'suggestions on delete cascade', user_id: 'users on delete set null', created_by_id: 'users on delete set null' },
      importance_scores: { suggestion_id: 'suggestions on delete cascade', user_id: 'users on delete cascade', response_id: 'importance_responses on delete cascade' },
      feature_statuses: { created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      features: { feature_status_id: 'feature_statuses on delete set null', product_area_id: 'product_areas on delete set null', created_by_id: 'users on delete set null', updated_by_id: 'users on delete set null' },
      feature_suggestions: { feature_id: 'features on update cascade on delete cascade', suggestion_id: 'suggestions on update cascade on delete cascade' },
    })) this.addSql(statement);
  }

  override down(): void | Promise<void> {
    for (const statement of droppedForeignKeys(
      'internal_status_updates.old_internal_status_id', 'internal_status_updates.new_internal_status_id',
      'features.product_area_id', 'importance_scores.response_id', 'suggestions.last_internal_status_update_id',
      'features.feature_status_id', 'feature_suggestions.feature_id',
    )) this.addSql(statement);

    for (const statement of droppedTables(
      'internal_statuses', 'product_areas', 'importance_responses', 'internal_status_updates', 'internal_flags',
      'importance_scores', 'feature_statuses', 'features', 'feature_suggestions',
    )) this.addSql(statement);

    this.addSql(`alter table "suggestions" drop column "internal_flags_count", drop column "all_internal_flags_count", drop column "last_internal_flag_at", drop column "importance_low_count", drop column "importance_medium_count", drop column "importance_high_count", drop column "last_internal_status_update_id";`);
  }

}
