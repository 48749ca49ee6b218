import { sql, type RawBuilder } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { constant, defineResource, type Row } from './define.ts';

/** Suggestion states (UserVoice documents approved/published/new; we add the moderation outcomes). */
export const SUGGESTION_STATES = ['new', 'approved', 'published', 'closed', 'spam', 'deleted'] as const;

const zero = constant(0);
const nothing = constant(null);

const IMPORTANCE_COLUMNS = ['importance_low_count', 'importance_medium_count', 'importance_high_count'] as const;

/**
 * Importance figures from the three stored counts: percentages of the total with two decimals, and the
 * average value (1 low … 3 high) as a string with two decimals (Airbyte types it as a string), null
 * without responses.
 */
export function importance(row: Row): { total: number; percent: number[]; average: string | null } {
  const counts = IMPORTANCE_COLUMNS.map((column) => Number(row[column] ?? 0));
  const total = counts[0]! + counts[1]! + counts[2]!;
  if (total === 0) return { total, percent: [0, 0, 0], average: null };
  return {
    total,
    percent: counts.map((n) => Math.round((n * 10_000) / total) / 100),
    average: ((counts[0]! + 2 * counts[1]! + 3 * counts[2]!) / total).toFixed(2),
  };
}

const SENTIMENT_COLUMNS = ['satisfaction_promoter_count', 'satisfaction_neutral_count', 'satisfaction_detractor_count'] as const;

/**
 * The suggestion's sentiment from its feedback (+1 positive, 0 neutral, -1 negative): the sum and the
 * average (two decimals, -1 … 1); both null while no feedback carries a sentiment.
 */
export function sentiment(row: Row): { total: number | null; average: number | null } {
  const [positive, neutral, negative] = SENTIMENT_COLUMNS.map((column) => Number(row[column] ?? 0)) as [number, number, number];
  const rated = positive + neutral + negative;
  if (rated === 0) return { total: null, average: null };
  return { total: positive - negative, average: Math.round(((positive - negative) * 100) / rated) / 100 };
}

/**
 * sentiment()'s figures as JS prints them: the total an integer; the average Math.round(x) / 100 of
 * x = (positive − negative) × 100 / rated, i.e. floor(x + 1/2) (ties towards +∞; a non-tie quotient is at
 * least 1 / (2 × rated) from a half, so the exact numeric rounds as the double does), and k / 100 prints
 * as written without trailing zeros (-0 prints as 0 in both).
 */
function sentimentSql(c: Col, figure: 'total' | 'average') {
  const [positive, neutral, negative] = SENTIMENT_COLUMNS.map((column) => sql`coalesce(${c(column)}, 0)`) as [RawBuilder<unknown>, RawBuilder<unknown>, RawBuilder<unknown>];
  const rated = sql`(${positive} + ${neutral} + ${negative})`;
  const value = figure === 'total'
    ? sql`(${positive} - ${negative})::text`
    : sql`trim_scale(floor((${positive} - ${negative}) * 100::numeric / ${rated} + 0.5) / 100)::text`;
  return sql<string>`(case when ${rated} = 0 then 'null' else ${value} end)`;
}

/** [distinct accounts, their MRR cents, their LTV cents] over the suggestion's supporters (computed below). */
const supporterAccounts = (row: Row, i: number) => Number((row.__supporter_accounts as unknown[] | null)?.[i] ?? 0);

/**
 * supporterAccounts(row, i - 1) / divisor as JS prints it: the exact decimal without trailing zeros
 * (cents / 100 has at most two decimals, which a double prints back as written).
 */
const accountsSql = (c: (column: string) => RawBuilder<unknown>, i: number, divisor: number) =>
  sql<string>`trim_scale(coalesce((${c('__supporter_accounts')})[${sql.lit(i)}], 0)::numeric / ${sql.lit(divisor)})::text`;

type Col = (column: string) => RawBuilder<unknown>;
const importanceCount = (c: Col, i: number) => sql`coalesce(${c(IMPORTANCE_COLUMNS[i]!)}, 0)`;
const importanceTotal = (c: Col) => sql`(${importanceCount(c, 0)} + ${importanceCount(c, 1)} + ${importanceCount(c, 2)})`;

/**
 * importance().percent[i] as JS prints it: Math.round(n × 10000 / total) / 100. A double quotient
 * rounds the way the exact one does (a tie k + 0.5 is exact in binary; anything else is at least
 * 1 / (2 × total) away from one), and k / 100 prints as written.
 */
const percentSql = (c: Col, i: number) =>
  sql<string>`(case when ${importanceTotal(c)} = 0 then '0' else trim_scale(round(${importanceCount(c, i)} * 10000::numeric / ${importanceTotal(c)}) / 100)::text end)`;

/**
 * importance().average: Number.prototype.toFixed(2) of the double (low + 2·medium + 3·high) / total,
 * which rounds the double's exact binary value (1.005 is 1.00499… and gives "1.00"). The double lies in
 * [1, 3], so × 2^52 makes it an exact integer, and divided back with 60 decimals (numeric(80, 60)) it is
 * the double's exact value, which round(…, 2) rounds as toFixed does (a true tie to the larger).
 * Checked against importance() for every low/medium/high count up to 60.
 */
const averageSql = (c: Col) =>
  sql<string>`(case when ${importanceTotal(c)} = 0 then 'null' else '"' || round(((((${importanceCount(c, 0)} + 2 * ${importanceCount(c, 1)} + 3 * ${importanceCount(c, 2)})::float8
    / ${importanceTotal(c)}::float8) * 4503599627370496::float8)::bigint)::numeric(80, 60) / 4503599627370496, 2)::text || '"' end)`;

function engagedSince(t: string, at: Date) {
  const id = sql.ref(`${t}.id`);
  return sql<boolean>`(exists (select 1 from feedback f where f.suggestion_id = ${id} and f.created_at >= ${at})
    or exists (select 1 from comments c where c.suggestion_id = ${id} and c.state = 'approved' and c.created_at >= ${at}))`;
}

export const suggestions = defineResource({
  type: 'suggestions',
  singular: 'suggestion',
  table: 'suggestions',
  fields: [
    { name: 'title', type: 'string' },
    { name: 'body', type: 'string' },
    // UserVoice sends an empty mime type when there is no body.
    {
      name: 'body_mime_type',
      type: 'string',
      value: (row) => (row.body ? row.body_mime_type : ''),
      uses: ['body', 'body_mime_type'],
      sql: (c) => sql<string>`(case when coalesce(${c('body')}, '') = '' then '""' else coalesce(to_json(${c('body_mime_type')}::text)::text, 'null') end)`,
    },
    { name: 'state', type: 'string' },
    { name: 'channel', type: 'string' },
    {
      name: 'portal_url',
      type: 'string',
      value: (row, env) => `${env.publicUrl}/forums/${row.forum_id}/suggestions/${row.id}`,
      sql: (c, env) => sql<string>`to_json(${env.publicUrl} || '/forums/' || coalesce(${c('forum_id')}::text, 'null') || '/suggestions/' || ${c('id')}::text)::text`,
    },
    {
      name: 'admin_url',
      type: 'string',
      value: (row, env) => `${env.publicUrl}/admin/v3/suggestions/${row.id}`,
      sql: (c, env) => sql<string>`to_json(${env.publicUrl} || '/admin/v3/suggestions/' || ${c('id')}::text)::text`,
    },
    { name: 'redirect_url', type: 'string', ...nothing },
    { name: 'approved_at', type: 'timestamp' },
    { name: 'closed_at', type: 'timestamp' },
    { name: 'first_support_at', type: 'timestamp' },
    { name: 'comments_count', type: 'integer' },
    { name: 'notes_count', type: 'integer' },
    { name: 'requests_count', type: 'integer' },
    { name: 'votes_count', type: 'integer' },
    { name: 'supporters_count', type: 'integer' },
    { name: 'supporting_accounts_count', type: 'integer', value: (row) => supporterAccounts(row, 0), sql: (c) => accountsSql(c, 1, 1) },
    { name: 'account_supporters_count', type: 'integer', ...zero },
    { name: 'inappropriate_flags_count', type: 'integer' },
    { name: 'recent_engagement', type: 'integer' },
    // Feedback records by sentiment: positive → promoter, neutral, negative → detractor (README).
    { name: 'satisfaction_detractor_count', type: 'integer' },
    { name: 'satisfaction_neutral_count', type: 'integer' },
    { name: 'satisfaction_promoter_count', type: 'integer' },
    { name: 'merge_candidates_count', type: 'integer', ...zero },
    { name: 'internal_flags_count', type: 'integer' },
    { name: 'all_internal_flags_count', type: 'integer' },
    { name: 'last_internal_flag_at', type: 'timestamp' },
    { name: 'jira_link_count', type: 'integer', ...zero },
    { name: 'vsts_link_count', type: 'integer', ...zero },
    // The Singer tap's schema types these as plain numbers (not nullable) and rejects the record on null.
    { name: 'average_engagement', type: 'number', ...zero },
    { name: 'engagement_trend', type: 'number', ...zero },
    { name: 'supporter_mrr', type: 'number', value: (row) => supporterAccounts(row, 1) / 100, sql: (c) => accountsSql(c, 2, 100) },
    { name: 'supporter_revenue', type: 'number', value: (row) => supporterAccounts(row, 2) / 100, sql: (c) => accountsSql(c, 3, 100) },
    { name: 'supporter_satisfaction_score', type: 'number', ...zero },
    { name: 'sentiment_score', type: 'number', value: (row) => sentiment(row).average, uses: SENTIMENT_COLUMNS, nullable: true, sql: (c) => sentimentSql(c, 'average') },
    { name: 'total_sentiment_score', type: 'number', value: (row) => sentiment(row).total, uses: SENTIMENT_COLUMNS, nullable: true, sql: (c) => sentimentSql(c, 'total') },
    // From the importance scores (services/importance.ts), recounted under the suggestion's lock.
    { name: 'importance_low_count', type: 'integer' },
    { name: 'importance_medium_count', type: 'integer' },
    { name: 'importance_high_count', type: 'integer' },
    { name: 'importance_total_count', type: 'integer', value: (row) => importance(row).total, uses: IMPORTANCE_COLUMNS, sql: (c) => sql<string>`(${importanceTotal(c)})::text` },
    { name: 'importance_low_percent', type: 'number', value: (row) => importance(row).percent[0], uses: IMPORTANCE_COLUMNS, sql: (c) => percentSql(c, 0) },
    { name: 'importance_medium_percent', type: 'number', value: (row) => importance(row).percent[1], uses: IMPORTANCE_COLUMNS, sql: (c) => percentSql(c, 1) },
    { name: 'importance_high_percent', type: 'number', value: (row) => importance(row).percent[2], uses: IMPORTANCE_COLUMNS, sql: (c) => percentSql(c, 2) },
    { name: 'importance_score_average', type: 'string', value: (row) => importance(row).average, uses: IMPORTANCE_COLUMNS, nullable: true, sql: averageSql },
    { name: 'is_blocker', type: 'boolean', ...nothing },
    { name: 'creator_user_agent', type: 'string' },
    { name: 'creator_referrer', type: 'string' },
    { name: 'creator_browser', type: 'string' },
    { name: 'creator_browser_version', type: 'string' },
    { name: 'creator_os', type: 'string' },
    { name: 'creator_mobile', type: 'boolean' },
    { name: 'unmergeable', type: 'boolean' },
    ...timestamps,
  ],
  links: [
    { name: 'forum', type: 'forums', column: 'forum_id' },
    { name: 'category', type: 'categories', column: 'category_id' },
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'labels', type: 'labels', many: { table: 'suggestion_labels', owner: 'suggestion_id', target: 'label_id' } },
    { name: 'status', type: 'statuses', column: 'status_id' },
    { name: 'last_status_update', type: 'status_updates', column: 'last_status_update_id' },
    { name: 'parent_suggestion', type: 'suggestions', column: 'parent_suggestion_id' },
    // The 2018 SDK's list form of the merge target; merges are one level deep, so at most one id.
    { name: 'parent_suggestions', type: 'suggestions', column: 'parent_suggestion_id', list: true },
    { name: 'ticket', type: 'tickets' },
    // Airbyte's schema: who captured the idea for the creator and its custom fields; neither is held
    // here: null and [].
    { name: 'captured_by', type: 'users' },
    { name: 'features', type: 'features', many: { table: 'feature_suggestions', owner: 'suggestion_id', target: 'feature_id' } },
    { name: 'custom_fields', type: 'custom_fields', list: true },
    { name: 'last_internal_status_update', type: 'internal_status_updates', column: 'last_internal_status_update_id' },
  ],
  computed: {
    // Each account once, however many of its users support the suggestion; exact at read time (README).
    __supporter_accounts: (t) => sql`(select array[count(*), coalesce(sum(a.mrr_cents), 0), coalesce(sum(a.ltv_cents), 0)]
      from external_accounts a where a.id in (select eu.external_account_id from supporters sp
        join external_users eu on eu.user_id = sp.user_id where sp.suggestion_id = ${sql.ref(`${t}.id`)}))`,
  },
  filters: {
    forum: { kind: 'ids', column: 'forum_id', counted: true },
    category: { kind: 'ids', column: 'category_id' },
    category_none: { kind: 'none', column: 'category_id' },
    status: { kind: 'ids', column: 'status_id' },
    status_none: { kind: 'none', column: 'status_id' },
    label: { kind: 'pivot', table: 'suggestion_labels', owner: 'suggestion_id', target: 'label_id', counted: true },
    state: { kind: 'values', column: 'state', values: SUGGESTION_STATES, negatable: true },
    creator: { kind: 'ids', column: 'created_by_id' },
    supporter: { kind: 'pivot', table: 'supporters', owner: 'suggestion_id', target: 'user_id' },
    q: { kind: 'search', columns: ['title', 'body'] },
    // In one of these forums and in no category.
    uncategorized_in_forum: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`(${sql.ref(`${t}.forum_id`)} in (${sql.join(ids)}) and ${sql.ref(`${t}.category_id`)} is null)`,
    },
    // Supported by a user of one of these external accounts.
    external_account: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`exists (select 1 from supporters sp join external_users eu on eu.user_id = sp.user_id
        where sp.suggestion_id = ${sql.ref(`${t}.id`)} and eu.external_account_id in (${sql.join(ids)}))`,
    },
    feature: { kind: 'pivot', table: 'feature_suggestions', owner: 'suggestion_id', target: 'feature_id', counted: true },
    // A response is the team's public answer: a status update.
    has_response: {
      kind: 'boolWhere',
      where: (t, value) => sql<boolean>`${sql.raw(value ? '' : 'not ')}exists (select 1 from status_updates su where su.suggestion_id = ${sql.ref(`${t}.id`)})`,
    },
    // SmartVote is not run here: no suggestion has a SmartVote score.
    has_smartvote_score: { kind: 'boolWhere', where: (_t, value) => (value ? sql<boolean>`false` : sql<boolean>`true`) },
    // Engagement: support given (feedback) or an approved comment written, at or after the time.
    engagement_since: { kind: 'timeWhere', where: (t, at) => engagedSince(t, at) },
    no_engagement_since: { kind: 'timeWhere', where: (t, at) => sql<boolean>`not ${engagedSince(t, at)}` },
    // Created within the period.
    period_start: { kind: 'period', column: 'created_at', bound: 'start' },
    period_end: { kind: 'period', column: 'created_at', bound: 'end' },
  },
  sorts: {
    ...baseSorts,
    title: { column: 'title', type: 'string' },
    supporters_count: { column: 'supporters_count', type: 'integer' },
    votes_count: { column: 'votes_count', type: 'integer' },
    comments_count: { column: 'comments_count', type: 'integer' },
    requests_count: { column: 'requests_count', type: 'integer' },
  },
  writable: {
    title: { type: 'string', max: 255, required: true },
    body: { type: 'text', max: 65_535, nullable: true },
    body_mime_type: { type: 'mime' },
    created_at: { type: 'timestamp' },
    'links.forum': { type: 'ref', required: true },
    'links.category': { type: 'ref', nullable: true },
    'links.status': { type: 'ref', nullable: true },
    attachment_tokens: { type: 'tokens' },
  },
});
