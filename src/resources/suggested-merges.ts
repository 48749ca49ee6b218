import { sql } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** `pending`: both suggestions open to a merge; `merged`: one was merged into the other; `stale`: no longer a pair. */
export const SUGGESTED_MERGE_STATES = ['pending', 'merged', 'stale'] as const;

/**
 * Pairs of suggestions whose titles look alike (services/suggested-merges.ts). Airbyte reads `score`,
 * `state`, `subdomain_id` and links `suggestion_a`, `suggestion_b`; the list is read-only.
 */
export const suggestedMerges = defineResource({
  type: 'suggested_merges',
  singular: 'suggested_merge',
  table: 'suggested_merges',
  fields: [
    { name: 'score', type: 'number' },
    { name: 'state', type: 'string' },
    // One organisation per deployment (DECISIONS.md): there is one subdomain.
    { name: 'subdomain_id', type: 'integer', value: () => 1 },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion_a', type: 'suggestions', column: 'suggestion_a_id' },
    { name: 'suggestion_b', type: 'suggestions', column: 'suggestion_b_id' },
  ],
  filters: {
    state: { kind: 'values', column: 'state', values: SUGGESTED_MERGE_STATES, negatable: true },
    // Pairs either of whose suggestions is one of these.
    suggestion: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`(${sql.ref(`${t}.suggestion_a_id`)} in (${sql.join(ids)}) or ${sql.ref(`${t}.suggestion_b_id`)} in (${sql.join(ids)}))`,
    },
  },
  sorts: baseSorts,
});
