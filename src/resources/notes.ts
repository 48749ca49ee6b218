import { baseSorts, postFields, postLinks, postWritable, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const notes = defineResource({
  type: 'notes',
  singular: 'note',
  table: 'notes',
  fields: [
    ...postFields,
    ...timestamps,
  ],
  links: postLinks,
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
  },
  sorts: baseSorts,
  writable: {
    ...postWritable,
    attachment_tokens: { type: 'tokens' },
  },
});
