import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.ts';
import { User } from './user.ts';

/**
 * One answer to the NPS question ("how likely are you to recommend us?", 0–10). `createdAt` is the
 * rating's date (a create may back-date it with `date`); `previousRating` is the same user's rating just
 * before it in date order, kept when an older rating is imported in between.
 */
export const NpsRatingSchema = defineEntity({
  name: 'NpsRating',
  tableName: 'nps_ratings',
  // Date-range reports (services/reports.ts) count by created_at.
  indexes: [{ properties: ['createdAt'] }],
  properties: {
    ...baseProperties,
    rating: p.integer(),
    previousRating: p.integer().nullable(),
    body: p.text().nullable(),
    prompt: p.text().nullable(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
  },
});

export class NpsRating extends NpsRatingSchema.class {}
NpsRatingSchema.setClass(NpsRating);
