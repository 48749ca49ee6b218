import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Parsed } from './define.ts';

/** UserVoice's answers to "how important is this to you?", lowest first; `value` is the index + 1. */
export const IMPORTANCE_LABELS = ['Nice to have', 'Important', 'Critical'] as const;

/** A user's answer (Airbyte's schema: `label`, `value`, links `user`); made by creating an importance score. */
export const importanceResponses = defineResource({
  type: 'importance_responses',
  singular: 'importance_response',
  table: 'importance_responses',
  fields: [{ name: 'label', type: 'string' }, { name: 'value', type: 'integer' }, ...timestamps],
  links: [{ name: 'user', type: 'users', column: 'user_id' }],
  filters: { user: { kind: 'ids', column: 'user_id' } },
  sorts: { ...baseSorts, value: { column: 'value', type: 'integer' } },
});

/**
 * One user's importance response for one suggestion (Airbyte's schema: links `user`, `response`,
 * `suggestion`). Creating and deleting them is our extension; they feed the suggestion's importance counts.
 */
export const importanceScores = defineResource({
  type: 'importance_scores',
  singular: 'importance_score',
  table: 'importance_scores',
  fields: [...timestamps],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'response', type: 'importance_responses', column: 'response_id' },
  ],
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    user: { kind: 'ids', column: 'user_id' },
  },
  sorts: baseSorts,
  writable: {
    'links.suggestion': { type: 'ref', required: true },
    // Default: the token's user.
    'links.user': { type: 'ref' },
    value: {
      type: 'custom',
      required: true,
      example: 2,
      parse(raw): Parsed<number> {
        const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
        const byLabel = IMPORTANCE_LABELS.findIndex((label) => label.toLowerCase() === text.toLowerCase());
        if (byLabel >= 0) return { value: byLabel + 1 };
        if (/^[1-3]$/.test(text)) return { value: Number(text) };
        return { error: `must be 1, 2 or 3 (${IMPORTANCE_LABELS.join(', ')})` };
      },
    },
  },
});
