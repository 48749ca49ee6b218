import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** UserVoice serves internal statuses read-only (Airbyte's stream); writes are our extension. */
export const internalStatuses = defineResource({
  type: 'internal_statuses',
  singular: 'internal_status',
  table: 'internal_statuses',
  // Written by services/crud.ts; updates that moved suggestions to or from a deleted status keep its name and colour (their links become null).
  crud: true,
  fields: [
    { name: 'name', type: 'string' },
    { name: 'hex_color', type: 'string' },
    { name: 'position', type: 'integer' },
    { name: 'is_default', type: 'boolean' },
    ...timestamps,
  ],
  links: [],
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
