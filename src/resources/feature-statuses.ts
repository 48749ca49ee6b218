import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** UserVoice serves feature statuses read-only; writes are our extension. */
export const featureStatuses = defineResource({
  type: 'feature_statuses',
  singular: 'feature_status',
  table: 'feature_statuses',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'hex_color', type: 'string' },
    { name: 'position', type: 'integer' },
    { name: 'is_default', type: 'boolean' },
    ...timestamps,
  ],
  links: [
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    position: { column: 'position', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    hex_color: { type: 'color' },
    position: { type: 'integer' },
    is_default: { type: 'boolean' },
  },
});
