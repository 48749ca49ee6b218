import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Category } from './category.ts';
import { Forum } from './forum.ts';
import { Label } from './label.ts';
import { Status } from './status.ts';
import { InternalStatusUpdate } from './internal-status.ts';
import { StatusUpdate } from './status-update.ts';
import { User } from './user.ts';

export const SuggestionSchema = defineEntity({
  name: 'Suggestion',
  tableName: 'suggestions',
  properties: {
    ...baseProperties,
    title: p.string().length(255),
    body: p.text().nullable(),
    bodyMimeType: p.string().length(64).default('text/plain'),
    /** new | approved | published | closed | spam | deleted (UserVoice's states; see README). */
    state: p.string().length(32).default('approved').index(),
    channel: p.string().length(32).default('api'),
    approvedAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    firstSupportAt: p.datetime().nullable(),
    commentsCount: p.integer().default(0),
    notesCount: p.integer().default(0),
    requestsCount: p.integer().default(0),
    votesCount: p.integer().default(0),
    supportersCount: p.integer().default(0),
    supportingAccountsCount: p.integer().default(0),
    inappropriateFlagsCount: p.integer().default(0),
    recentEngagement: p.integer().default(0),
    creatorUserAgent: p.text().nullable(),
    creatorReferrer: p.text().nullable(),
    creatorBrowser: p.string().length(255).nullable(),
    creatorBrowserVersion: p.string().length(64).nullable(),
    creatorOs: p.string().length(255).nullable(),
    creatorMobile: p.boolean().nullable(),
    unmergeable: p.boolean().default(false),
    /** Recounted with the engagement counters (counters.recountEngagement) under the suggestion's lock. */
    internalFlagsCount: p.integer().default(0),
    /** Flags on it and on the suggestions merged into it. */
    allInternalFlagsCount: p.integer().default(0),
    lastInternalFlagAt: p.datetime().nullable(),
    importanceLowCount: p.integer().default(0),
    importanceMediumCount: p.integer().default(0),
    importanceHighCount: p.integer().default(0),
    /**
     * Feedback records on it by sentiment (positive, neutral, negative), recounted with the engagement
     * counters (counters.recountEngagement) under the suggestion's lock.
     */
    satisfactionPromoterCount: p.integer().default(0),
    satisfactionNeutralCount: p.integer().default(0),
    satisfactionDetractorCount: p.integer().default(0),
    forum: () => p.manyToOne(Forum).index(),
    category: () => p.manyToOne(Category).nullable().deleteRule('set null').index(),
    status: () => p.manyToOne(Status).nullable().deleteRule('set null').index(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null').index(),
    parentSuggestion: () => p.manyToOne(Suggestion).nullable().deleteRule('set null').index(),
    lastStatusUpdate: () => p.manyToOne(StatusUpdate).nullable().deleteRule('set null'),
    lastInternalStatusUpdate: () => p.manyToOne(InternalStatusUpdate).nullable().deleteRule('set null'),
    labels: () => p.manyToMany(Label).pivotTable('suggestion_labels').owner(),
  },
});

export class Suggestion extends SuggestionSchema.class {}
SuggestionSchema.setClass(Suggestion);
