import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

export const externalUsers = defineResource({
  type: 'external_users',
  singular: 'external_user',
  table: 'external_users',
  fields: [
    { name: 'external_id', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'ip', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'external_created_at', type: 'timestamp' },
    { name: 'last_seen_at', type: 'timestamp' },
    { name: 'seen_days', type: 'integer' },
    ...timestamps,
  ],
  links: [
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'external_account', type: 'external_accounts', column: 'external_account_id' },
  ],
  filters: {
    external_id: { kind: 'values', column: 'external_id' },
    user: { kind: 'ids', column: 'user_id' },
    external_account: { kind: 'ids', column: 'external_account_id' },
    q: { kind: 'search', columns: ['name', 'email', 'external_id'] },
  },
  sorts: baseSorts,
});
