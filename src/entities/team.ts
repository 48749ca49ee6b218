import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/** A group of admins (UserVoice's teams). */
export const TeamSchema = defineEntity({
  name: 'Team',
  tableName: 'teams',
  properties: {
    ...baseProperties,
    name: p.string().length(255),
    /** Kept with the row (recounted when members change) so lists need no count per team. */
    membersCount: p.integer().default(0),
  },
});

export class Team extends TeamSchema.class {}
TeamSchema.setClass(Team);

/** Team membership; indexed by user too, for users' `links.teams`. */
export const TeamMemberSchema = defineEntity({
  name: 'TeamMember',
  tableName: 'team_members',
  properties: {
    team: () => p.manyToOne(Team).primary().deleteRule('cascade'),
    user: () => p.manyToOne(User).primary().deleteRule('cascade').index(),
  },
});

export class TeamMember extends TeamMemberSchema.class {}
TeamMemberSchema.setClass(TeamMember);
