import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ACTIVITY_KINDS } from '../resources/suggestion-activity-entries.ts';
import { sqlNow } from '../db/clock.ts';
import { activityEvents, emitEvents } from './events.ts';

/**
 * The suggestion activity log (`/admin/suggestion_activity_entries`). Every write that changes a suggestion
 * or something on it records its entries here, through the same transaction's Kysely, so an entry exists
 * exactly when its change committed.
 */
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export interface Activity {
  kind: ActivityKind;
  suggestionId: number;
  /** Who made the change (the token's user); for support, the supporter. */
  actorId: number | null | undefined;
  oldTitle?: string | null;
  newTitle?: string | null;
  oldBody?: string | null;
  newBody?: string | null;
  oldState?: string | null;
  newState?: string | null;
  commentId?: number;
  noteId?: number;
  feedbackId?: number;
  statusUpdateId?: number;
  messageId?: number;
  labelId?: number;
  oldForumId?: number | null;
  newForumId?: number | null;
  oldCategoryId?: number | null;
  newCategoryId?: number | null;
  oldStatusId?: number | null;
  newStatusId?: number | null;
  mergedFromId?: number;
  mergedToId?: number;
  /** For the event only (the activity log has no column for it): a new feedback's sentiment. */
  sentiment?: string | null;
}

/**
 * Writes the entries (one statement), stamped with the transaction's clock and ordered as given, and
 * their events (webhooks and the change feed: services/events.ts, one more statement).
 */
export async function recordActivity(db: Kysely<DB>, entries: readonly Activity[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('suggestion_activity_entries')
    .values(
      entries.map((e) => ({
        kind: e.kind,
        suggestion_id: e.suggestionId,
        created_by_id: e.actorId ?? null,
        old_title: e.oldTitle ?? null,
        new_title: e.newTitle ?? null,
        old_body: e.oldBody ?? null,
        new_body: e.newBody ?? null,
        old_state: e.oldState ?? null,
        new_state: e.newState ?? null,
        comment_id: e.commentId ?? null,
        note_id: e.noteId ?? null,
        feedback_id: e.feedbackId ?? null,
        status_update_id: e.statusUpdateId ?? null,
        message_id: e.messageId ?? null,
        label_id: e.labelId ?? null,
        old_forum_id: e.oldForumId ?? null,
        new_forum_id: e.newForumId ?? null,
        old_category_id: e.oldCategoryId ?? null,
        new_category_id: e.newCategoryId ?? null,
        old_status_id: e.oldStatusId ?? null,
        new_status_id: e.newStatusId ?? null,
        merged_from_suggestion_id: e.mergedFromId ?? null,
        merged_to_suggestion_id: e.mergedToId ?? null,
        created_at: sqlNow,
        updated_at: sqlNow,
      })),
    )
    .execute();
  await emitEvents(db, activityEvents(entries));
}

/**
 * The entries the demo data (written row by row, not through the services) would have produced:
 * creation, support with its feedback, comments, notes, status updates and messages, dated like their records.
 */
export async function recordSeededHistory(db: Kysely<DB>): Promise<void> {
  const insert = (select: ReturnType<typeof sql>) =>
    sql`insert into suggestion_activity_entries (kind, suggestion_id, created_by_id, new_title, new_body, new_state, new_forum_id, new_category_id,
        new_status_id, feedback_id, comment_id, note_id, status_update_id, created_at, updated_at) ${select}`.execute(db);
  await insert(sql`select 'suggestion_created', id, created_by_id, title, body, state, forum_id, category_id, status_id, null::int, null::int, null::int, null::int, created_at, created_at
    from suggestions order by id`);
  await insert(sql`select 'supporter_added', suggestion_id, user_id, null, null, null, null::int, null::int, null::int, null::int, null::int, null::int, null::int, created_at, created_at
    from supporters order by id`);
  await insert(sql`select 'feedback_created', suggestion_id, created_by_id, null, body, null, null::int, null::int, null::int, id, null::int, null::int, null::int, created_at, created_at
    from feedback order by id`);
  await insert(sql`select 'comment_created', suggestion_id, created_by_id, null, body, state, null::int, null::int, null::int, null::int, id, null::int, null::int, created_at, created_at
    from comments order by id`);
  await insert(sql`select 'note_created', suggestion_id, created_by_id, null, body, null, null::int, null::int, null::int, null::int, null::int, id, null::int, created_at, created_at
    from notes order by id`);
  await insert(sql`select 'status_update_created', suggestion_id, user_id, null, body, null, null::int, null::int, new_status_id, null::int, null::int, null::int, id, created_at, created_at
    from status_updates order by id`);
  await sql`insert into suggestion_activity_entries (kind, suggestion_id, created_by_id, new_body, message_id, created_at, updated_at)
    select 'message_sent', suggestion_id, created_by_id, body, id, created_at, created_at from supporter_messages order by id`.execute(db);
}
