import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const labels = defineResource({
  type: 'labels',
  singular: 'label',
  table: 'labels',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'full_name', type: 'string' },
    { name: 'level', type: 'integer' },
    { name: 'open_suggestions_count', type: 'integer' },
    ...timestamps,
  ],
  links: [{ name: 'parent', type: 'labels', column: 'parent_id' }],
  filters: { parent: { kind: 'ids', column: 'parent_id' } },
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    full_name: { column: 'full_name', type: 'string' },
    open_suggestions_count: { column: 'open_suggestions_count', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    'links.parent': { type: 'ref', nullable: true },
  },
});
