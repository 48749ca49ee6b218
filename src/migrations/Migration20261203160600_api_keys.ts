import { Migration } from '@mikro-orm/migrations';

/**
 * Scoped, expiring and publishable API clients, and the audit log. Existing clients get every scope
 * (the column default), so their tokens keep working as before.
 */
export class Migration20261203160600_api_keys extends Migration {

  override name = 'Migration20261203160600_api_keys';

  override up(): void | Promise<void> {
    this.addSql(`alter table "api_clients" add column "scopes" varchar(64) not null default 'read,write,admin', add column "publishable" boolean not null default false, add column "expires_at" timestamptz null, add column "last_used_at" timestamptz null;`);
    this.addSql(`create table "audit_events" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "action" varchar(64) not null, "client_key" varchar(64) null, "method" varchar(16) null, "path" varchar(2048) null, "ip" varchar(64) null, "reason" varchar(255) null, "scopes" varchar(64) null);`);
    this.addSql(`create index "audit_events_updated_at_index" on "audit_events" ("updated_at");`);
    this.addSql(`create index "audit_events_action_index" on "audit_events" ("action");`);
    this.addSql(`create index "audit_events_client_key_index" on "audit_events" ("client_key");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);
    this.addSql(`alter table "api_clients" drop column "scopes", drop column "publishable", drop column "expires_at", drop column "last_used_at";`);
  }

}
