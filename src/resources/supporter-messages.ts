import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

const zero = () => 0;

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
    { name: 'body', type: 'string' },
    { name: 'body_mime_type', type: 'string' },
    { name: 'notification_email_address', type: 'string' },
    { name: 'mail_sent_count', type: 'integer', value: zero },
    { name: 'mail_opened_count', type: 'integer', value: zero },
    { name: 'mail_clicked_count', type: 'integer', value: zero },
    { name: 'reply_count', type: 'integer', value: zero },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    creator: { kind: 'ids', column: 'created_by_id' },
  },
  sorts: baseSorts,
  writable: {
    body: { type: 'text', max: 65_535, required: true },
    body_mime_type: { type: 'mime' },
    'links.suggestion': { type: 'ref', required: true },
    notification_email_address: { type: 'email', nullable: true },
  },
});

/** The same collection under the SDK's name. */
export const messages = defineResource({ ...supporterMessages, type: 'messages', singular: 'message' });
