import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { Suggestion } from './suggestion.ts';

/**
 * Two suggestions that look like duplicates (services/suggested-merges.ts), `suggestionA` the lower id.
 * One row per pair for good, so its id and history survive; `state` and `score` follow the suggestions.
 */
export const SuggestedMergeSchema = defineEntity({
  name: 'SuggestedMerge',
  tableName: 'suggested_merges',
  uniques: [{ properties: ['suggestionA', 'suggestionB'] }],
  properties: {
    ...baseProperties,
    score: p.double(),
    state: p.string().length(32).default('pending'),
    suggestionA: () => p.manyToOne(Suggestion).deleteRule('cascade'),
    suggestionB: () => p.manyToOne(Suggestion).deleteRule('cascade').index(),
  },
});

export class SuggestedMerge extends SuggestedMergeSchema.class {}
SuggestedMergeSchema.setClass(SuggestedMerge);
