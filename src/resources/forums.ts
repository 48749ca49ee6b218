import { sql } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const forums = defineResource({
  type: 'forums',
  singular: 'forum',
  table: 'forums',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'welcome_message', type: 'string' },
    { name: 'welcome_message_mime_type', type: 'string' },
    { name: 'prompt', type: 'string' },
    { name: 'example', type: 'string' },
    {
      name: 'portal_url',
      type: 'string',
      value: (row, env) => `${env.publicUrl}/forums/${row.id}`,
      sql: (c, env) => sql<string>`to_json(${env.publicUrl} || '/forums/' || ${c('id')}::text)::text`,
    },
    { name: 'open_suggestions_count', type: 'integer' },
    { name: 'suggestions_count', type: 'integer' },
    { name: 'is_public', type: 'boolean' },
    { name: 'is_private', type: 'boolean' },
    { name: 'classic_voting', type: 'boolean' },
    { name: 'category_required', type: 'boolean' },
    { name: 'is_open', type: 'boolean' },
    { name: 'importance_enabled', type: 'boolean' },
    { name: 'moderation_enabled', type: 'boolean' },
    ...timestamps,
  ],
  links: [{ name: 'updated_by', type: 'users', column: 'updated_by_id' }],
  filters: { open: { kind: 'bool', column: 'is_open' } },
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    suggestions_count: { column: 'suggestions_count', type: 'integer' },
    open_suggestions_count: { column: 'open_suggestions_count', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    welcome_message: { type: 'text', max: 65_535, nullable: true },
    welcome_message_mime_type: { type: 'mime' },
    prompt: { type: 'string', max: 255, nullable: true },
    example: { type: 'string', max: 255, nullable: true },
    is_public: { type: 'boolean' },
    is_private: { type: 'boolean' },
    classic_voting: { type: 'boolean' },
    category_required: { type: 'boolean' },
    is_open: { type: 'boolean' },
    importance_enabled: { type: 'boolean' },
    moderation_enabled: { type: 'boolean' },
  },
  // Stamped updated_by; not deleted while suggestions are filed in it (services/crud.ts).
  crud: true,
});
