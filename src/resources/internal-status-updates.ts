import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/**
 * A suggestion's move to an internal status (Airbyte's schema): `name` and `hex_color` of the new status
 * as it was then, `internal_status_id` its id. Creating one is our extension.
 */
export const internalStatusUpdates = defineResource({
  type: 'internal_status_updates',
  singular: 'internal_status_update',
  table: 'internal_status_updates',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'hex_color', type: 'string' },
    { name: 'internal_status_id', type: 'integer', column: 'new_internal_status_id' },
    { name: 'teams_notified', type: 'boolean' },
    // Reactions are a portal feature; none are recorded here.
    { name: 'thumbs_up_count', type: 'integer', value: () => 0 },
    { name: 'thumbs_down_count', type: 'integer', value: () => 0 },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'new_internal_status', type: 'internal_statuses', column: 'new_internal_status_id' },
    { name: 'old_internal_status', type: 'internal_statuses', column: 'old_internal_status_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    internal_status: { kind: 'ids', column: 'new_internal_status_id' },
  },
  sorts: baseSorts,
  writable: {
    'links.suggestion': { type: 'ref', required: true },
    'links.internal_status': { type: 'ref', required: true, nullable: true, to: 'internal_statuses' },
    created_at: { type: 'timestamp' },
  },
});
