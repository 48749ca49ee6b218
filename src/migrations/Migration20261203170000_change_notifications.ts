import { Migration } from '@mikro-orm/migrations';

/**
 * Change announcements for the response and Bearer caches (src/cache/): after every INSERT, UPDATE,
 * DELETE or TRUNCATE statement on a table, `pg_notify('uv_table_changes', <table>)`. A notification is
 * part of its transaction: PostgreSQL delivers it to every listening session when (and only if) the
 * transaction commits, in commit order, and folds repeats within a transaction into one. Statement-level
 * triggers cost one call per statement, not per row (imports write thousands of rows per statement).
 *
 * Every table is announced except the ones no response is rendered from and that change on almost every
 * request or import step (idempotency keys, import bookkeeping, the change feed's events and the webhook
 * outbox: both written with every change, and the feed's reads write first, so are never cached anyway).
 * A response that reads an unannounced table is never cached (src/cache/responses.ts); test/api/response-cache.test.ts checks that every other
 * table of the schema has the trigger, so a later migration that adds a table must add it too.
 */
export const ANNOUNCED_TABLES = [
  'api_clients', 'attachments', 'audit_events', 'categories', 'comments', 'custom_fields', 'external_accounts', 'external_users',
  'feature_statuses', 'feature_suggestions', 'features', 'feedback', 'forum_invitations', 'forums',
  'importance_responses', 'importance_scores', 'internal_flags', 'internal_status_updates', 'internal_statuses',
  'labels', 'notes', 'nps_ratings', 'permissions', 'product_areas', 'segmented_values', 'segments',
  'service_hook_logs', 'service_hooks', 'settings', 'status_updates', 'statuses', 'suggested_merges', 'suggestion_activity_entries',
  'suggestion_labels', 'suggestions', 'supporter_messages', 'supporters', 'team_members', 'teams', 'users',
];

export class Migration20261203170000_change_notifications extends Migration {

  override name = 'Migration20261203170000_change_notifications';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "uv_announce_change"() returns trigger language plpgsql as $$ begin perform pg_notify('uv_table_changes', tg_table_name); return null; end $$;`);
    for (const table of ANNOUNCED_TABLES) {
      this.addSql(`create trigger "uv_announce_change" after insert or update or delete or truncate on "${table}" for each statement execute function "uv_announce_change"();`);
    }
  }

  override down(): void | Promise<void> {
    for (const table of ANNOUNCED_TABLES) this.addSql(`drop trigger if exists "uv_announce_change" on "${table}";`);
    this.addSql(`drop function if exists "uv_announce_change"();`);
  }

}
