import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { Supporter } from './supporter.ts';
import { User } from './user.ts';

/** One piece of feedback (a "request") a user gave on a suggestion; it carries that user's support. */
export const FeedbackSchema = defineEntity({
  name: 'Feedback',
  tableName: 'feedback',
  properties: {
    ...baseProperties,
    body: p.text(),
    bodyMimeType: p.string().length(64).default('text/plain'),
    /** api | admin | bookmarklet | zendesk */
    channel: p.string().length(32).default('api'),
    sourceUrl: p.text().nullable(),
    sourceType: p.string().length(64).nullable(),
    sourceGuid: p.string().length(255).nullable(),
    severity: p.integer().nullable(),
    /** positive | neutral | negative, or null when the sender gave none (counted on the suggestion). */
    sentiment: p.string().length(16).nullable(),
    /** Free-form intake labels: where the feedback came from (`in_app_widget`, `email`) and a tag. */
    source: p.string().length(64).nullable(),
    tag: p.string().length(64).nullable(),
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    supporter: () => p.manyToOne(Supporter).nullable().deleteRule('set null').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    updatedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
  },
});

export class Feedback extends FeedbackSchema.class {}
FeedbackSchema.setClass(Feedback);
