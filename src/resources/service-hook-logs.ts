import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/**
 * Webhook delivery attempts (Airbyte: `url`, `event`, `object_id`, `http_status`, `exception`). The
 * server has no webhooks yet, so the list is empty; the table is there for when it does.
 */
export const serviceHookLogs = defineResource({
  type: 'service_hook_logs',
  singular: 'service_hook_log',
  table: 'service_hook_logs',
  fields: [
    { name: 'url', type: 'string' },
    { name: 'event', type: 'string' },
    { name: 'object_id', type: 'integer' },
    { name: 'http_status', type: 'integer' },
    { name: 'exception', type: 'string' },
    ...timestamps,
  ],
  links: [],
  filters: {
    event: { kind: 'values', column: 'event' },
  },
  sorts: baseSorts,
});
