import { statusFields, nameAndPositionSorts, statusWritable, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** UserVoice serves feature statuses read-only; writes are our extension. */
export const featureStatuses = defineResource({
  type: 'feature_statuses',
  singular: 'feature_status',
  table: 'feature_statuses',
  fields: [
    ...statusFields,
    { name: 'is_default', type: 'boolean' },
    ...timestamps,
  ],
  links: [
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  sorts: nameAndPositionSorts,
  writable: {
    ...statusWritable,
    is_default: { type: 'boolean' },
  },
});
