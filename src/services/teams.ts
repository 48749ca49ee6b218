import type { teams } from '../resources/teams.ts';
import type { CrudRules } from './crud.ts';

/**
 * Teams are written by the generic service (services/crud.ts): `links.users`, when sent, replaces the
 * members, and users who join or leave get a new updated_at (their `links.teams` changed). The team
 * keeps its member count in a column, for sorting.
 */
export const teamRules: CrudRules<typeof teams> = {
  prepare: (_tx, input) => {
    const members = input.get('links.users');
    return members ? { membersCount: members.length } : {};
  },
};
