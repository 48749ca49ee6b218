import { Migration } from '@mikro-orm/migrations';

export class Migration20261203121544_idempotency_keys extends Migration {

  override name = 'Migration20261203121544_idempotency_keys';

  override up(): void | Promise<void> {
    this.addSql(`create table "idempotency_keys" ("client_id" int not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "body_hash" varchar(64) null, "status" smallint null, "headers" jsonb null, "body" text null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "locked_until" timestamptz null, "committed_at" timestamptz null, primary key ("client_id", "key"));`);
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
  }

}
