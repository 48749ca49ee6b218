import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';
import { User } from './user.ts';

/** A user's answer to "how important is this to you?": `value` 1 (low) to 3 (high) and its label. */
export const ImportanceResponseSchema = defineEntity({
  name: 'ImportanceResponse',
  tableName: 'importance_responses',
  properties: {
    ...baseProperties,
    value: p.integer(),
    label: p.string().length(64),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
  },
});

export class ImportanceResponse extends ImportanceResponseSchema.class {}
ImportanceResponseSchema.setClass(ImportanceResponse);

/** The response a user gave for one suggestion; one per user and suggestion. */
export const ImportanceScoreSchema = defineEntity({
  name: 'ImportanceScore',
  tableName: 'importance_scores',
  uniques: [{ properties: ['suggestion', 'user'] }],
  properties: {
    ...baseProperties,
    suggestion: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    response: () => p.manyToOne(ImportanceResponse).deleteRule('cascade').unique(),
  },
});

export class ImportanceScore extends ImportanceScoreSchema.class {}
ImportanceScoreSchema.setClass(ImportanceScore);
