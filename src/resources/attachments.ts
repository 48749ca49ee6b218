import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** Types we make thumbnails of (sharp reads them; everything else has `thumb_url: null`). */
export const THUMBNAIL_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export const attachments = defineResource({
  type: 'attachments',
  singular: 'attachment',
  table: 'attachments',
  fields: [
    { name: 'file_name', type: 'string' },
    { name: 'content_type', type: 'string' },
    { name: 'size_in_bytes', type: 'integer' },
    { name: 'url', type: 'string', value: (row, env) => env.signedUrl(`/api/v2/attachments/${row.id}/download`) },
    {
      name: 'thumb_url',
      type: 'string',
      value: (row, env) => (THUMBNAIL_TYPES.includes(String(row.content_type)) ? env.signedUrl(`/api/v2/attachments/${row.id}/thumbnail`) : null),
      uses: ['content_type'],
      nullable: true,
    },
    { name: 'token', type: 'string' },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'note', type: 'notes', column: 'note_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    note: { kind: 'ids', column: 'note_id' },
  },
  sorts: { ...baseSorts, size_in_bytes: { column: 'size_in_bytes', type: 'integer' } },
});
