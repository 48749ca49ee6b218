import { Migration } from '@mikro-orm/migrations';
import { droppedTables } from '../db/migration-sql.ts';

/**
 * Webhooks and the change feed (issue 20): the events table (outbox and feed), hooks, their per-event
 * deliveries, and delivery details on service_hook_logs.
 */
export class Migration20261203161500_service_hooks_events extends Migration {

  override name = 'Migration20261203161500_service_hooks_events';

  override up(): void | Promise<void> {
    this.addSql(`create table "events" ("id" serial primary key, "type" varchar(64) not null, "data" jsonb not null, "created_at" timestamptz not null, "position" bigint null);`);
    this.addSql(`alter table "events" add constraint "events_position_unique" unique ("position");`);
    // The sequencer looks for events without a position (services/event-feed.ts).
    this.addSql(`create index "events_unsequenced_index" on "events" ("id") where "position" is null;`);
    this.addSql(`create table "service_hooks" ("id" serial primary key, "created_at" timestamptz not null, "updated_at" timestamptz not null, "url" text not null, "events" jsonb not null, "secret" text not null, "active" boolean not null default true, "failing_since" timestamptz null);`);
    this.addSql(`create index "service_hooks_updated_at_index" on "service_hooks" ("updated_at");`);
    this.addSql(`create table "service_hook_deliveries" ("id" serial primary key, "hook_id" int not null, "event_id" int not null, "state" varchar(16) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "locked_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "service_hook_deliveries_hook_id_index" on "service_hook_deliveries" ("hook_id");`);
    this.addSql(`create index "service_hook_deliveries_event_id_index" on "service_hook_deliveries" ("event_id");`);
    // What the deliverers poll: pending deliveries by due time.
    this.addSql(`create index "service_hook_deliveries_due_index" on "service_hook_deliveries" ("next_attempt_at") where "state" = 'pending';`);
    this.addSql(`alter table "service_hook_logs" add column "service_hook_id" int null, add column "event_id" int null, add column "attempt" int null, add column "duration_ms" int null, add column "response_excerpt" text null;`);
    this.addSql(`create index "service_hook_logs_service_hook_id_index" on "service_hook_logs" ("service_hook_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "service_hook_logs_service_hook_id_index";`);
    this.addSql(`alter table "service_hook_logs" drop column "service_hook_id", drop column "event_id", drop column "attempt", drop column "duration_ms", drop column "response_excerpt";`);
    for (const statement of droppedTables(
      'service_hook_deliveries', 'service_hooks', 'events',
    )) this.addSql(statement);
  }

}
