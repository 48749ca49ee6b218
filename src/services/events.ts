import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { sqlNow } from '../db/clock.ts';
import type { Activity } from './activity.ts';
import type { EventType, KeptKind } from '../resources/service-hooks.ts';

export { EVENT_TYPES, type EventType } from '../resources/service-hooks.ts';

/**
 * Events: what webhooks deliver and the change feed (/admin/events) lists. A service writes them through
 * its own transaction (recordActivity does for every suggestion change), so an event exists exactly when
 * its change committed, together with one outbox row per active hook that subscribes to its type.
 */

export interface NewEvent {
  type: EventType;
  /** The records it is about (ids) and what changed; small, so payloads and the feed stay cheap. */
  data: Record<string, unknown>;
}

/** Writes the events and their outbox rows in one statement, in the caller's transaction. */
export async function emitEvents(db: Kysely<DB>, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = sql.join(events.map((e, i) => sql`(${i}, ${e.type}, ${JSON.stringify(e.data)}::jsonb)`));
  await sql`with input (n, type, data) as (values ${rows}),
      inserted as (insert into events (type, data, created_at) select type, data, ${sqlNow} from input order by n returning id, type)
    insert into service_hook_deliveries (hook_id, event_id, state, attempts, next_attempt_at, created_at, updated_at)
    select h.id, inserted.id, 'pending', 0, ${sqlNow}, ${sqlNow}, ${sqlNow}
    from inserted join service_hooks h on h.active and h.events @> to_jsonb(inserted.type::text)
    order by inserted.id, h.id`.execute(db);
}

/** Pairs of an activity entry that become `changes: {name: {from, to}}` when either side is set. */
const CHANGES: ReadonlyArray<[string, keyof Activity, keyof Activity]> = [
  ['title', 'oldTitle', 'newTitle'],
  ['body', 'oldBody', 'newBody'],
  ['state', 'oldState', 'newState'],
  ['forum', 'oldForumId', 'newForumId'],
  ['category', 'oldCategoryId', 'newCategoryId'],
  ['status', 'oldStatusId', 'newStatusId'],
];

const REFERENCES: ReadonlyArray<[string, keyof Activity]> = [
  ['comment', 'commentId'],
  ['note', 'noteId'],
  ['feedback', 'feedbackId'],
  ['status_update', 'statusUpdateId'],
  ['message', 'messageId'],
  ['label', 'labelId'],
  ['merged_from', 'mergedFromId'],
  ['merged_to', 'mergedToId'],
];

function eventType(entry: Activity): EventType | undefined {
  switch (entry.kind) {
    case 'state_changed':
      return entry.newState === 'deleted' ? 'suggestion_deleted' : 'suggestion_state_changed';
    case 'status_changed':
      return 'suggestion_status_changed';
    // The activity log shows a merge on both suggestions; it is one event, named by the merged one.
    case 'merged':
      return entry.suggestionId === entry.mergedFromId ? 'suggestion_merged' : undefined;
    default:
      return entry.kind as KeptKind;
  }
}

/** The events of suggestion activity entries (services/activity.ts). */
export function activityEvents(entries: readonly Activity[]): NewEvent[] {
  const events: NewEvent[] = [];
  for (const entry of entries) {
    const type = eventType(entry);
    if (!type) continue;
    const data: Record<string, unknown> = { suggestion: entry.suggestionId, actor: entry.actorId ?? null };
    for (const [name, key] of REFERENCES) if (entry[key] !== undefined) data[name] = entry[key];
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [name, from, to] of CHANGES) {
      if (entry[from] !== undefined || entry[to] !== undefined) changes[name] = { from: entry[from] ?? null, to: entry[to] ?? null };
    }
    if (entry.sentiment !== undefined) data.sentiment = entry.sentiment;
    if (Object.keys(changes).length > 0) data.changes = changes;
    events.push({ type, data });
  }
  return events;
}
