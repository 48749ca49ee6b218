import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/**
 * A user's support (vote) for a suggestion: at most one per user and suggestion. UserVoice creates it
 * only through feedback; it goes away with the user's last feedback on the suggestion.
 */
export const SupporterSchema = defineEntity({
  name: 'Supporter',
  tableName: 'supporters',
  // Date-range reports (services/reports.ts) count by created_at.
  indexes: [{ properties: ['createdAt'] }],
  uniques: [{ properties: ['suggestion', 'user'] }],
  properties: {
    ...baseProperties,
    how: p.string().length(32).default('feedback'),
    channel: p.string().length(32).default('api'),
    isSubscribed: p.boolean().default(true),
    /** Approved comments by this user on this suggestion. */
    commentsCount: p.integer().default(0),
    /** Feedback records behind this support (wire: both `feedback_count` and `requests_count`). */
    feedbackCount: p.integer().default(0),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    updatedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class Supporter extends SupporterSchema.class {}
SupporterSchema.setClass(Supporter);
