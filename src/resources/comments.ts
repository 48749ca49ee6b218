import { baseSorts, postFields, postLinks, postWritable, timestamps } from './common.ts';
import { defineResource, type WritableDef } from './define.ts';

export const COMMENT_STATES = ['approved', 'spam', 'deleted'] as const;

export const comments = defineResource({
  type: 'comments',
  singular: 'comment',
  table: 'comments',
  fields: [
    ...postFields,
    { name: 'state', type: 'string' },
    { name: 'channel', type: 'string' },
    { name: 'inappropriate_flags_count', type: 'integer' },
    { name: 'is_admin_comment', type: 'boolean' },
    { name: 'sentiment_score', type: 'number', value: () => null, nullable: true },
    ...timestamps,
  ],
  links: postLinks,
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    state: { kind: 'values', column: 'state', values: COMMENT_STATES, negatable: true },
    creator: { kind: 'ids', column: 'created_by_id' },
  },
  sorts: baseSorts,
  writable: {
    ...postWritable,
    // Absent or null: the token's user.
    'links.created_by': { type: 'ref', nullable: true },
    created_at: { type: 'timestamp' },
  },
});

/** What `PUT /admin/comments/{id}` accepts; the suggestion and author stay as written. */
export const COMMENT_UPDATE = {
  body: { type: 'text', max: 65_535 },
  body_mime_type: { type: 'mime' },
  state: { type: 'string', max: 32 },
} as const satisfies Record<string, WritableDef>;
