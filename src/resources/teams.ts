import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';
import { idList } from './writable.ts';

/** UserVoice serves teams read-only (`id`, `name`, `members_count`); the writes are our extension. */
export const teams = defineResource({
  type: 'teams',
  singular: 'team',
  table: 'teams',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'members_count', type: 'integer' },
    ...timestamps,
  ],
  links: [{ name: 'users', type: 'users', many: { table: 'team_members', owner: 'team_id', target: 'user_id' } }],
  sorts: {
    ...baseSorts,
    name: { column: 'name', type: 'string' },
    members_count: { column: 'members_count', type: 'integer' },
  },
  writable: {
    name: { type: 'string', max: 255, required: true },
    // The whole membership: replaces the members (an empty list removes them all).
    'links.users': idList(),
  },
});
