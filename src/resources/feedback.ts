import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Row } from './define.ts';
import { oneOf } from './writable.ts';

export const FEEDBACK_CHANNELS = ['api', 'admin', 'bookmarklet', 'zendesk'] as const;

/** A feedback's sentiment and its score: +1, 0, -1 (the suggestion's `sentiment_score` averages them). */
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
const SENTIMENT_SCORES: Record<string, number> = { positive: 1, neutral: 0, negative: -1 };
const sentimentScore = (row: Row) => (row.sentiment == null ? null : (SENTIMENT_SCORES[row.sentiment as string] ?? null));

/**
 * The inverse, for records from UserVoice, whose feedback carries only a computed `sentiment_score`: its
 * sign (our own scores, +1/0/-1, come back unchanged); null or a non-number is no sentiment.
 */
export function sentimentOfScore(score: unknown): (typeof SENTIMENTS)[number] | null {
  if (typeof score !== 'number' || !Number.isFinite(score)) return null;
  return score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral';
}

/**
 * One collection under the three names UserVoice has used for it (SDK, Singer tap, Airbyte); each
 * answers with its own collection key.
 */
export const feedback = defineResource({
  type: 'feedback',
  singular: 'feedback',
  table: 'feedback',
  fields: [
    { name: 'body', type: 'string' },
    { name: 'body_mime_type', type: 'string' },
    { name: 'channel', type: 'string' },
    { name: 'source_url', type: 'string' },
    { name: 'source_type', type: 'string' },
    { name: 'source_guid', type: 'string' },
    { name: 'severity', type: 'integer' },
    { name: 'has_attachments', type: 'boolean', value: () => false },
    { name: 'sentiment', type: 'string' },
    { name: 'sentiment_score', type: 'number', value: sentimentScore, uses: ['sentiment'], nullable: true },
    { name: 'source', type: 'string' },
    { name: 'tag', type: 'string' },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    // Newer feedback records list their suggestions (uservoice-to-aha reads `links.suggestions[0]`).
    { name: 'suggestions', type: 'suggestions', column: 'suggestion_id', list: true },
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'supporter', type: 'supporters', column: 'supporter_id' },
    { name: 'ticket', type: 'tickets' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    user: { kind: 'ids', column: 'user_id' },
    channel: { kind: 'values', column: 'channel', values: FEEDBACK_CHANNELS },
    source_url: { kind: 'values', column: 'source_url' },
    source_type: { kind: 'values', column: 'source_type' },
    source_guid: { kind: 'values', column: 'source_guid' },
    sentiment: { kind: 'values', column: 'sentiment', values: SENTIMENTS },
    source: { kind: 'values', column: 'source' },
    tag: { kind: 'values', column: 'tag' },
  },
  sorts: baseSorts,
  defaultSort: '-updated_at',
  writable: {
    body: { type: 'text', max: 65_535, required: true },
    body_mime_type: { type: 'mime' },
    channel: { type: 'string', max: 32 },
    source_url: { type: 'string', max: 2048, nullable: true },
    source_type: { type: 'string', max: 64, nullable: true },
    source_guid: { type: 'string', max: 255, nullable: true },
    severity: { type: 'integer', nullable: true },
    sentiment: oneOf(SENTIMENTS, { nullable: true }),
    source: { type: 'string', max: 64, nullable: true },
    tag: { type: 'string', max: 64, nullable: true },
    subscribe: { type: 'boolean' },
    created_at: { type: 'timestamp' },
    'links.suggestion': { type: 'ref', required: true },
    'links.user': { type: 'ref', required: true },
  },
});
export const requests = defineResource({ ...feedback, type: 'requests', singular: 'request' });
export const feedbackRecords = defineResource({ ...feedback, type: 'feedback_records', singular: 'feedback_record' });
