import type { CrudRules } from './crud.ts';

/**
 * Teams are written by the generic service (services/crud.ts): `links.users`, when sent, replaces the
 * members, and users who join or leave get a new updated_at (their `links.teams` changed). The team
 * keeps its member count in a column, for sorting.
 */
export const teamRules: CrudRules = {
  prepare: (_tx, input) => (input.has('links.users') ? { membersCount: (input.get('links.users') as number[]).length } : {}),
};
