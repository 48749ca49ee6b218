import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Status } from './status.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** The team's public answer on a suggestion; records the status it moved the suggestion from and to. */
export const StatusUpdateSchema = defineEntity({
  name: 'StatusUpdate',
  tableName: 'status_updates',
  properties: {
    ...baseProperties,
    body: p.text(),
    notificationEmailAddress: p.string().length(320).nullable(),
    /** What the client asked for; this server sends no mail, so `supporters_notified` stays false. */
    notifySupporters: p.boolean().default(false),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    oldStatus: () => p.manyToOne(Status).nullable().deleteRule('set null'),
    newStatus: () => p.manyToOne(Status).nullable().deleteRule('set null'),
  },
});

export class StatusUpdate extends StatusUpdateSchema.class {}
StatusUpdateSchema.setClass(StatusUpdate);
