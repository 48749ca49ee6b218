import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const notes = defineResource({
  type: 'notes',
  singular: 'note',
  table: 'notes',
  fields: [
    { name: 'body', type: 'string' },
    { name: 'body_mime_type', type: 'string' },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
  },
  sorts: baseSorts,
  writable: {
    body: { type: 'text', max: 65_535, required: true },
    body_mime_type: { type: 'mime' },
    'links.suggestion': { type: 'ref', required: true },
    attachment_tokens: { type: 'tokens' },
  },
});
