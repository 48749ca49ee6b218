import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/**
 * Webhook delivery attempts, one record each (services/hook-delivery.ts). Airbyte's fields (`url`,
 * `event`, `object_id`, `http_status`, `exception`) plus ours: `event_id` (the payload's `id`),
 * `attempt` (1, 2, … for one event and hook), `duration_ms` and `response_excerpt` (the start of the
 * receiver's answer, at most 1,000 characters).
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
    { name: 'event_id', type: 'integer' },
    { name: 'attempt', type: 'integer' },
    { name: 'duration_ms', type: 'integer' },
    { name: 'response_excerpt', type: 'string' },
    ...timestamps,
  ],
  links: [{ name: 'service_hook', type: 'service_hooks', column: 'service_hook_id' }],
  filters: {
    event: { kind: 'values', column: 'event' },
    service_hook: { kind: 'ids', column: 'service_hook_id' },
  },
  sorts: baseSorts,
});
