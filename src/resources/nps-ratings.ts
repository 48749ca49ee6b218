import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Row } from './define.ts';

/** NPS groups as UserVoice's NPS report names them: 9–10 promoters, 7–8 passives, 0–6 detractors. */
export function npsGroup(rating: number): 'promoter' | 'passive' | 'detractor' {
  return rating >= 9 ? 'promoter' : rating >= 7 ? 'passive' : 'detractor';
}

const group = (row: Row) => (row.rating === null || row.rating === undefined ? null : npsGroup(Number(row.rating)));

/** The difference to the user's previous rating (the NPS report's "Delta"); null for a first rating. */
function ratingDelta(row: Row) {
  return row.previous_rating === null || row.previous_rating === undefined ? null : Number(row.rating) - Number(row.previous_rating);
}

/**
 * NPSTraits of the C# SDK. We hold no account data or widget activity for a rating, so those are null;
 * `satisfaction_group` is the rating's group.
 */
function traits(row: Row) {
  return { type: null, activity: null, account_name: null, account_plan: null, rate_type: null, satisfaction_group: group(row) };
}

export const npsRatings = defineResource({
  type: 'nps_ratings',
  singular: 'nps_rating',
  table: 'nps_ratings',
  fields: [
    { name: 'rating', type: 'integer' },
    { name: 'previous_rating', type: 'integer' },
    { name: 'rating_delta', type: 'integer', value: ratingDelta, uses: ['rating', 'previous_rating'], nullable: true },
    { name: 'body', type: 'string' },
    { name: 'prompt', type: 'string' },
    { name: 'group', type: 'string', value: group, uses: ['rating'] },
    { name: 'traits', type: 'object', value: traits, uses: ['rating'] },
    ...timestamps,
  ],
  links: [
    { name: 'user', type: 'users', column: 'user_id' },
    // Ratings taken in a support ticket; we serve no tickets.
    { name: 'ticket', type: 'tickets' },
  ],
  filters: {
    user: { kind: 'ids', column: 'user_id' },
    ticket: { kind: 'unserved' },
    period_start: { kind: 'period', column: 'created_at', bound: 'start' },
    period_end: { kind: 'period', column: 'created_at', bound: 'end' },
  },
  sorts: { ...baseSorts, rating: { column: 'rating', type: 'integer' } },
  writable: {
    rating: { type: 'integer', required: true },
    body: { type: 'text', max: 65_535, nullable: true },
    prompt: { type: 'string', max: 1000, nullable: true },
    'links.user': { type: 'ref', required: true },
    date: { type: 'timestamp' },
  },
});
