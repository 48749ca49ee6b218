import { sql } from 'kysely';
import { nameAndPositionSorts, timestamps } from './common.ts';
import { defineResource, type Row } from './define.ts';
import { idList } from './writable.ts';

/** The distinct supporters (users) of a feature's suggestions. */
const SUPPORTERS = (t: string) => sql`select sp.user_id from supporters sp join feature_suggestions fs on fs.suggestion_id = sp.suggestion_id
  where fs.feature_id = ${sql.ref(`${t}.id`)}`;

/** [suggestions, supporting users, supporting accounts, their MRR cents, their LTV cents] (computed below). */
const figure = (row: Row, i: number) => Number((row.__feature_figures as unknown[] | null)?.[i] ?? 0);

export const features = defineResource({
  type: 'features',
  singular: 'feature',
  table: 'features',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'description', type: 'string' },
    { name: 'position', type: 'integer' },
    { name: 'suggestions_count', type: 'integer', value: (row) => figure(row, 0) },
    { name: 'supporting_users_count', type: 'integer', value: (row) => figure(row, 1) },
    { name: 'supporting_accounts_count', type: 'integer', value: (row) => figure(row, 2) },
    { name: 'supporter_mrr_cents', type: 'integer', value: (row) => figure(row, 3) },
    { name: 'supporter_revenue', type: 'number', value: (row) => figure(row, 4) / 100 },
    // No blockers, Jira or Azure DevOps links are held here.
    { name: 'is_blocker', type: 'boolean', value: () => null, nullable: true },
    { name: 'jira_link_count', type: 'integer', value: () => 0 },
    { name: 'vsts_link_count', type: 'integer', value: () => 0 },
    ...timestamps,
  ],
  links: [
    { name: 'created_by', type: 'users', column: 'created_by_id' },
    { name: 'updated_by', type: 'users', column: 'updated_by_id' },
    { name: 'feature_status', type: 'feature_statuses', column: 'feature_status_id' },
    { name: 'product_area', type: 'product_areas', column: 'product_area_id' },
    { name: 'suggestions', type: 'suggestions', many: { table: 'feature_suggestions', owner: 'feature_id', target: 'suggestion_id' } },
    // Airbyte's schema: the roadmap a feature sits on and its custom field values; none is held here.
    { name: 'roadmap', type: 'roadmaps' },
    { name: 'custom_fields', type: 'custom_fields', list: true },
  ],
  computed: {
    // Exact at read time, like suggestions' supporter figures: no counters to keep under concurrent feedback.
    __feature_figures: (t) => sql`(select array[
        (select count(*) from feature_suggestions fs where fs.feature_id = ${sql.ref(`${t}.id`)}),
        (select count(distinct u.user_id) from (${SUPPORTERS(t)}) u),
        count(*), coalesce(sum(a.mrr_cents), 0), coalesce(sum(a.ltv_cents), 0)]
      from external_accounts a where a.id in (select eu.external_account_id from external_users eu where eu.user_id in (${SUPPORTERS(t)})))`,
  },
  filters: {
    suggestion: { kind: 'pivot', table: 'feature_suggestions', owner: 'feature_id', target: 'suggestion_id' },
    // Features whose suggestions these users support.
    user: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`exists (select 1 from feature_suggestions fs join supporters sp on sp.suggestion_id = fs.suggestion_id
        where fs.feature_id = ${sql.ref(`${t}.id`)} and sp.user_id in (${sql.join(ids)}))`,
    },
    // Features whose suggestions users of these accounts support.
    account: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`exists (select 1 from feature_suggestions fs join supporters sp on sp.suggestion_id = fs.suggestion_id
        join external_users eu on eu.user_id = sp.user_id where fs.feature_id = ${sql.ref(`${t}.id`)} and eu.external_account_id in (${sql.join(ids)}))`,
    },
    feature_status: { kind: 'ids', column: 'feature_status_id' },
    product_area: { kind: 'ids', column: 'product_area_id' },
  },
  sorts: nameAndPositionSorts,
  writable: {
    name: { type: 'string', max: 255, required: true },
    description: { type: 'text', max: 65_535, nullable: true },
    position: { type: 'integer' },
    'links.feature_status': { type: 'ref', nullable: true },
    'links.product_area': { type: 'ref', nullable: true },
    // The whole list: replaces the feature's suggestions (an empty list removes them all).
    'links.suggestions': idList(),
  },
});
