import { sql } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** Kinds of entry; UserVoice does not document its own (README lists what each means). */
export const ACTIVITY_KINDS = [
  'suggestion_created',
  'suggestion_updated',
  'state_changed',
  'status_changed',
  'label_added',
  'label_removed',
  'merged',
  'comment_created',
  'comment_updated',
  'comment_state_changed',
  'note_created',
  'note_updated',
  'status_update_created',
  'status_update_updated',
  'status_update_deleted',
  'feedback_created',
  'feedback_updated',
  'feedback_deleted',
  'supporter_added',
  'supporter_removed',
  'message_sent',
] as const;

const via = (target: string) => ({ kind: 'via', column: 'suggestion_id', table: 'suggestions', target }) as const;

/**
 * The suggestion activity log: read-only, written by every suggestion change (services/activity.ts).
 * Fields and links from the 2018 SDK (SuggestionActivityEntry) and Airbyte's manifest; `label`,
 * `old_status` and `new_status` are ours (label and status changes have no place in either).
 */
export const suggestionActivityEntries = defineResource({
  type: 'suggestion_activity_entries',
  singular: 'suggestion_activity_entry',
  table: 'suggestion_activity_entries',
  fields: [
    { name: 'kind', type: 'string' },
    { name: 'old_title', type: 'string' },
    { name: 'new_title', type: 'string' },
    { name: 'old_body', type: 'string' },
    { name: 'new_body', type: 'string' },
    { name: 'old_state', type: 'string' },
    { name: 'new_state', type: 'string' },
    // Airbyte's: whether the record the entry is about (its comment, else its suggestion) is spam now.
    { name: 'linkable_is_spam', type: 'boolean', value: (row) => row.__linkable_is_spam, nullable: true },
    // There is no review queue here.
    { name: 'linkable_needs_review', type: 'boolean', value: () => false },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'comment', type: 'comments', column: 'comment_id' },
    { name: 'note', type: 'notes', column: 'note_id' },
    // The SDK's name and Airbyte's for the same feedback record.
    { name: 'feedback', type: 'feedback', column: 'feedback_id' },
    { name: 'feedback_record', type: 'feedback_records', column: 'feedback_id' },
    { name: 'message', type: 'supporter_messages', column: 'message_id' },
    { name: 'status_update', type: 'status_updates', column: 'status_update_id' },
    { name: 'label', type: 'labels', column: 'label_id' },
    { name: 'old_forum', type: 'forums', column: 'old_forum_id' },
    { name: 'new_forum', type: 'forums', column: 'new_forum_id' },
    { name: 'old_category', type: 'categories', column: 'old_category_id' },
    { name: 'new_category', type: 'categories', column: 'new_category_id' },
    { name: 'old_status', type: 'statuses', column: 'old_status_id' },
    { name: 'new_status', type: 'statuses', column: 'new_status_id' },
    { name: 'merged_from_suggestion', type: 'suggestions', column: 'merged_from_suggestion_id' },
    { name: 'merged_to_suggestion', type: 'suggestions', column: 'merged_to_suggestion_id' },
    // Helpdesk tickets, internal flags and internal status updates are not logged here.
    { name: 'ticket', type: 'tickets' },
    { name: 'internal_flag', type: 'internal_flags' },
    { name: 'internal_status_update', type: 'internal_status_updates' },
  ],
  computed: {
    __linkable_is_spam: (t) => sql`coalesce((select c.state = 'spam' from comments c where c.id = ${sql.ref(`${t}.comment_id`)}),
      (select s.state = 'spam' from suggestions s where s.id = ${sql.ref(`${t}.suggestion_id`)}))`,
  },
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    // The SDK's `user`: who made the change.
    user: { kind: 'ids', column: 'created_by_id' },
    kind: { kind: 'values', column: 'kind', values: ACTIVITY_KINDS },
    forum: via('forum_id'),
    category: via('category_id'),
    status: via('status_id'),
    creator: via('created_by_id'),
    period_start: { kind: 'period', column: 'created_at', bound: 'start' },
    period_end: { kind: 'period', column: 'created_at', bound: 'end' },
  },
  sorts: baseSorts,
  // UserVoice's default for this list.
  defaultSort: '-created_at',
});
