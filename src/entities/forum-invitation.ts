import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Forum } from './forum.ts';
import { User } from './user.ts';

/** An invitation to a (private) forum, one per address. No mail is sent; `code` is what a link would carry. */
export const ForumInvitationSchema = defineEntity({
  name: 'ForumInvitation',
  tableName: 'forum_invitations',
  properties: {
    ...baseProperties,
    email: p.string().length(320),
    code: p.string().length(64).unique(),
    subject: p.string().length(255).nullable(),
    text: p.text().nullable(),
    replyTo: p.string().length(320).nullable(),
    claimedAt: p.datetime().nullable(),
    forum: () => p.manyToOne(Forum).deleteRule('cascade').index(),
    invitedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    claimedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class ForumInvitation extends ForumInvitationSchema.class {}
ForumInvitationSchema.setClass(ForumInvitation);
