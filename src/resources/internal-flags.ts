import { baseSorts, linksFiltered, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** Airbyte's `internal_flags` stream: `reason`, links `suggestion`, `user`, `created_by`. Writes are our extension. */
export const internalFlags = defineResource({
  type: 'internal_flags',
  singular: 'internal_flag',
  table: 'internal_flags',
  fields: [{ name: 'reason', type: 'string' }, ...timestamps],
  ...linksFiltered([
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
  ]),
  sorts: baseSorts,
  writable: {
    reason: { type: 'string', max: 1000, nullable: true },
    'links.suggestion': { type: 'ref', required: true },
    'links.user': { type: 'ref', nullable: true },
  },
});
