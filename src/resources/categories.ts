import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const categories = defineResource({
  type: 'categories',
  singular: 'category',
  table: 'categories',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'suggestions_count', type: 'integer' },
    { name: 'open_suggestions_count', type: 'integer' },
    ...timestamps,
  ],
  links: [{ name: 'forum', type: 'forums', column: 'forum_id' }],
  filters: { forum: { kind: 'ids', column: 'forum_id' } },
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    suggestions_count: { column: 'suggestions_count', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    'links.forum': { type: 'ref', required: true },
  },
});
