import { statusFields, nameAndPositionSorts, statusWritable, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** UserVoice serves internal statuses read-only (Airbyte's stream); writes are our extension. */
export const internalStatuses = defineResource({
  type: 'internal_statuses',
  singular: 'internal_status',
  table: 'internal_statuses',
  // Written by services/crud.ts; updates that moved suggestions to or from a deleted status keep its name and colour (their links become null).
  crud: true,
  fields: [
    ...statusFields,
    { name: 'is_default', type: 'boolean' },
    ...timestamps,
  ],
  links: [],
  sorts: nameAndPositionSorts,
  writable: {
    ...statusWritable,
    is_default: { type: 'boolean' },
  },
});
