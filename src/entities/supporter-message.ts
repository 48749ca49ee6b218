import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/**
 * A message from the team to a suggestion's supporters (UserVoice's `messages`, read by Airbyte as
 * `supporter_messages`). No mail is sent, so the mail counters stay 0.
 */
export const SupporterMessageSchema = defineEntity({
  name: 'SupporterMessage',
  tableName: 'supporter_messages',
  properties: {
    ...baseProperties,
    body: p.text(),
    bodyMimeType: p.string().length(64).default('text/plain'),
    notificationEmailAddress: p.string().length(320).nullable(),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class SupporterMessage extends SupporterMessageSchema.class {}
SupporterMessageSchema.setClass(SupporterMessage);
