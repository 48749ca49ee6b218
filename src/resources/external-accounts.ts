import { sql } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { defineResource, type Row } from './define.ts';

/** Users of the account (external users linked to it), as a subquery on the account row. */
const membersOf = (t: string) => sql`(select eu.user_id from external_users eu where eu.external_account_id = ${sql.ref(`${t}.id`)})`;

const dollars = (cents: unknown) => (cents === null || cents === undefined ? null : Number(cents) / 100);

/** Account records as UserVoice sends them; its counts are computed when read, so they are always exact. */
export const externalAccounts = defineResource({
  type: 'external_accounts',
  singular: 'external_account',
  table: 'external_accounts',
  fields: [
    { name: 'external_id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'plan', type: 'string' },
    { name: 'mrr', type: 'number', value: (row) => dollars(row.mrr_cents), uses: ['mrr_cents'], nullable: true },
    { name: 'mrr_cents', type: 'integer' },
    { name: 'ltv', type: 'number', value: (row) => dollars(row.ltv_cents), uses: ['ltv_cents'], nullable: true },
    { name: 'ltv_cents', type: 'integer' },
    // Newer clients (Airbyte) read `revenue` where older ones read `ltv`: the account's lifetime revenue.
    { name: 'revenue', type: 'number', value: (row) => dollars(row.ltv_cents), uses: ['ltv_cents'], nullable: true },
    // NPS of the account's users: no ratings are linked to accounts here (README).
    { name: 'nps', type: 'number', value: () => null, nullable: true },
    { name: 'users_count', type: 'integer', value: (row: Row) => row.__users_count },
    { name: 'requests_count', type: 'integer', value: (row: Row) => row.__requests_count },
    { name: 'supported_ideas_count', type: 'integer', value: (row: Row) => row.__supported_ideas_count },
    { name: 'is_blocker', type: 'boolean', value: () => null, nullable: true },
    { name: 'external_created_at', type: 'timestamp' },
    { name: 'last_active_at', type: 'timestamp' },
    ...timestamps,
  ],
  links: [],
  computed: {
    __users_count: (t) => sql`(select count(*) from external_users eu where eu.external_account_id = ${sql.ref(`${t}.id`)})`,
    __requests_count: (t) => sql`(select count(*) from feedback f where f.user_id in ${membersOf(t)})`,
    __supported_ideas_count: (t) => sql`(select count(distinct sp.suggestion_id) from supporters sp where sp.user_id in ${membersOf(t)})`,
  },
  filters: {
    external_id: { kind: 'values', column: 'external_id' },
    name: { kind: 'values', column: 'name', caseInsensitive: true },
    // Accounts with a user who supports one of these suggestions.
    suggestion: {
      kind: 'idsWhere',
      where: (t, ids) =>
        sql<boolean>`exists (select 1 from external_users eu join supporters sp on sp.user_id = eu.user_id
          where eu.external_account_id = ${sql.ref(`${t}.id`)} and sp.suggestion_id in (${sql.join(ids)}))`,
    },
    q: { kind: 'search', columns: ['name', 'external_id'] },
  },
  sorts: { ...baseSorts, last_active_at: { column: 'last_active_at', type: 'timestamp' } },
  // UserVoice's own default for this list (C# SDK 2018), as feedback keeps its `-updated_at`.
  defaultSort: '-last_active_at',
});

/** The same accounts under the name users' `links.crm_account` and uservoice-to-aha side-load them by. */
export const crmAccounts = defineResource({ ...externalAccounts, type: 'crm_accounts', singular: 'crm_account' });
