import { Migration } from '@mikro-orm/migrations';

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
    this.addSql(`alter table "suggestions" add constraint "suggestions_last_internal_status_update_id_foreign" foreign key ("last_internal_status_update_id") references "internal_status_updates" ("id") on delete set null;`);

    this.addSql(`alter table "product_areas" add constraint "product_areas_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "product_areas" add constraint "product_areas_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "importance_responses" add constraint "importance_responses_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "internal_status_updates" add constraint "internal_status_updates_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "internal_status_updates" add constraint "internal_status_updates_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "internal_status_updates" add constraint "internal_status_updates_old_internal_status_id_foreign" foreign key ("old_internal_status_id") references "internal_statuses" ("id") on delete set null;`);
    this.addSql(`alter table "internal_status_updates" add constraint "internal_status_updates_new_internal_status_id_foreign" foreign key ("new_internal_status_id") references "internal_statuses" ("id") on delete set null;`);

    this.addSql(`alter table "internal_flags" add constraint "internal_flags_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "internal_flags" add constraint "internal_flags_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "internal_flags" add constraint "internal_flags_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "importance_scores" add constraint "importance_scores_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on delete cascade;`);
    this.addSql(`alter table "importance_scores" add constraint "importance_scores_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "importance_scores" add constraint "importance_scores_response_id_foreign" foreign key ("response_id") references "importance_responses" ("id") on delete cascade;`);

    this.addSql(`alter table "feature_statuses" add constraint "feature_statuses_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "feature_statuses" add constraint "feature_statuses_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "features" add constraint "features_feature_status_id_foreign" foreign key ("feature_status_id") references "feature_statuses" ("id") on delete set null;`);
    this.addSql(`alter table "features" add constraint "features_product_area_id_foreign" foreign key ("product_area_id") references "product_areas" ("id") on delete set null;`);
    this.addSql(`alter table "features" add constraint "features_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "features" add constraint "features_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "feature_suggestions" add constraint "feature_suggestions_feature_id_foreign" foreign key ("feature_id") references "features" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "feature_suggestions" add constraint "feature_suggestions_suggestion_id_foreign" foreign key ("suggestion_id") references "suggestions" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "internal_status_updates" drop constraint "internal_status_updates_old_internal_status_id_foreign";`);
    this.addSql(`alter table "internal_status_updates" drop constraint "internal_status_updates_new_internal_status_id_foreign";`);
    this.addSql(`alter table "features" drop constraint "features_product_area_id_foreign";`);
    this.addSql(`alter table "importance_scores" drop constraint "importance_scores_response_id_foreign";`);
    this.addSql(`alter table "suggestions" drop constraint "suggestions_last_internal_status_update_id_foreign";`);
    this.addSql(`alter table "features" drop constraint "features_feature_status_id_foreign";`);
    this.addSql(`alter table "feature_suggestions" drop constraint "feature_suggestions_feature_id_foreign";`);

    this.addSql(`drop table if exists "internal_statuses" cascade;`);
    this.addSql(`drop table if exists "product_areas" cascade;`);
    this.addSql(`drop table if exists "importance_responses" cascade;`);
    this.addSql(`drop table if exists "internal_status_updates" cascade;`);
    this.addSql(`drop table if exists "internal_flags" cascade;`);
    this.addSql(`drop table if exists "importance_scores" cascade;`);
    this.addSql(`drop table if exists "feature_statuses" cascade;`);
    this.addSql(`drop table if exists "features" cascade;`);
    this.addSql(`drop table if exists "feature_suggestions" cascade;`);

    this.addSql(`alter table "suggestions" drop column "internal_flags_count", drop column "all_internal_flags_count", drop column "last_internal_flag_at", drop column "importance_low_count", drop column "importance_medium_count", drop column "importance_high_count", drop column "last_internal_status_update_id";`);
  }

}
