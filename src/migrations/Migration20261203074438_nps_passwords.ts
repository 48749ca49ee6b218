import { Migration } from '@mikro-orm/migrations';

export class Migration20261203074438_nps_passwords extends Migration {

  override name = 'Migration20261203074438_nps_passwords';

  override up(): void | Promise<void> {
    this.addSql(`create table "nps_ratings" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "rating" int not null, "previous_rating" int null, "body" text null, "prompt" text null, "user_id" int not null);`);
    this.addSql(`create index "nps_ratings_updated_at_index" on "nps_ratings" ("updated_at");`);
    this.addSql(`create index "nps_ratings_user_id_index" on "nps_ratings" ("user_id");`);

    this.addSql(`alter table "users" add "password_hash" varchar(255) null, add "password_generation" int not null default 1, add "current_nps_rating_id" int null, add "previous_nps_rating_id" int null;`);

    this.addSql(`alter table "nps_ratings" add constraint "nps_ratings_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "nps_ratings" cascade;`);

    this.addSql(`alter table "users" drop column "password_hash", drop column "password_generation", drop column "current_nps_rating_id", drop column "previous_nps_rating_id";`);
  }

}
