import { baseSorts, mailCounters, postFields, postLinks, postWritable, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/**
 * Messages from the team to a suggestion's supporters: the 2018 SDK's `messages` (list, get, create),
 * which Airbyte reads as `supporter_messages` (adding `reply_count`). No mail is sent or received here,
 * so the mail counters and `reply_count` are 0.
 */
export const supporterMessages = defineResource({
  type: 'supporter_messages',
  singular: 'supporter_message',
  table: 'supporter_messages',
  fields: [
    ...postFields,
    { name: 'notification_email_address', type: 'string' },
    ...mailCounters,
    { name: 'reply_count', type: 'integer', value: () => 0 },
    ...timestamps,
  ],
  links: postLinks,
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    creator: { kind: 'ids', column: 'created_by_id' },
  },
  sorts: baseSorts,
  writable: {
    ...postWritable,
    notification_email_address: { type: 'email', nullable: true },
  },
});

/** The same collection under the SDK's name. */
export const messages = defineResource({ ...supporterMessages, type: 'messages', singular: 'message' });
