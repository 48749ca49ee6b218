import { sql } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { defineResource } from './define.ts';

/** Account traits come from a CRM integration we do not have: the keys are there, the values null. */
const TRAITS = ['account_id', 'account_name', 'account_plan', 'activity', 'rate_type', 'satisfaction_group', 'satisfaction_score', 'type'];
const noTraits = () => Object.fromEntries(TRAITS.map((key) => [key, null]));

/** Read-only: support is recorded and removed through feedback (see resources/feedback.ts). */
export const supporters = defineResource({
  type: 'supporters',
  singular: 'supporter',
  table: 'supporters',
  fields: [
    { name: 'how', type: 'string' },
    { name: 'channel', type: 'string' },
    { name: 'is_subscribed', type: 'boolean' },
    { name: 'comments_count', type: 'integer' },
    // The SDK calls it feedback_count, the Singer tap and Airbyte requests_count: send both.
    { name: 'feedback_count', type: 'integer' },
    { name: 'requests_count', type: 'integer', column: 'feedback_count' },
    { name: 'traits', type: 'object', value: noTraits },
    // UserVoice's importance label ("Important", "Critical", …) from the supporter's importance
    // response for the suggestion (importance_scores), null without one.
    { name: 'importance_score', type: 'string', value: (row) => row.__importance_label, nullable: true },
    ...timestamps,
  ],
  links: [
    { name: 'suggestion', type: 'suggestions', column: 'suggestion_id' },
    { name: 'user', type: 'users', column: 'user_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
  ],
  computed: {
    __importance_label: (t) => sql`(select r.label from importance_scores sc join importance_responses r on r.id = sc.response_id
      where sc.suggestion_id = ${sql.ref(`${t}.suggestion_id`)} and sc.user_id = ${sql.ref(`${t}.user_id`)})`,
  },
  filters: {
    suggestion: { kind: 'ids', column: 'suggestion_id' },
    user: { kind: 'ids', column: 'user_id' },
    forum: { kind: 'via', column: 'suggestion_id', table: 'suggestions', target: 'forum_id' },
  },
  sorts: baseSorts,
});
