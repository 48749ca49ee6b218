import { baseSorts, mailCounters, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const statusUpdates = defineResource({
  type: 'status_updates',
  singular: 'status_update',
  table: 'status_updates',
  fields: [
    { name: 'body', type: 'string' },
    // No mail transport: nothing is ever sent, so nothing is reported as sent.
    { name: 'notification_email_address', type: 'string' },
    { name: 'supporters_notified', type: 'boolean', value: () => false },
    ...mailCounters,
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'new_status', type: 'statuses', column: 'new_status_id' },
    { name: 'old_status', type: 'statuses', column: 'old_status_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
  },
  sorts: baseSorts,
  writable: {
    body: { type: 'text', max: 65_535, required: true },
    'links.suggestion': { type: 'ref', required: true },
    'links.status': { type: 'ref', nullable: true },
    notify_supporters: { type: 'boolean' },
    notification_email_address: { type: 'email', nullable: true },
    created_at: { type: 'timestamp' },
  },
});
