import { sql, type RawBuilder } from 'kysely';
import { baseSorts, timestamps } from './common.ts';
import { constant, defineResource, isoSeconds, joinAlias, type FieldDef, type Row } from './define.ts';

/** Columns of the user's permission record that `permissions` shows. */
const PERMISSION_COLUMNS = ['id', 'state', 'license_type', 'feedback', 'features', 'knowledgebase', 'settings', 'tickets'] as const;

/**
 * An admin's permission record (/admin/permissions) in the shape UserVoice nests it in users (SDK
 * AdminPermission plus Airbyte's `id`, `state`, `features`): `suggestions` is the record's `feedback`
 * level; `billing` is the owner's alone. End users have no record and no permissions.
 */
function permissions(row: Row) {
  const record = row[joinAlias(permissionsField)] as Record<(typeof PERMISSION_COLUMNS)[number], unknown> | null | undefined;
  if (!record) return null;
  return {
    id: Number(record.id),
    state: record.state,
    billing: row.is_owner ? 'manage' : 'none',
    features: record.features,
    knowledgebase: record.knowledgebase,
    license_type: record.license_type,
    settings: record.settings,
    suggestions: record.feedback,
    tickets: record.tickets,
  };
}

type Col = (column: string) => RawBuilder<unknown>;
/** JSON text of a SQL text value (null → null), as JSON.stringify writes a string. */
const jsonText = (value: RawBuilder<unknown>) => sql<string>`coalesce(to_json((${value})::text)::text, 'null')`;

const permissionsField: FieldDef = {
  name: 'permissions',
  type: 'object',
  value: permissions,
  uses: ['is_owner'],
  join: { table: 'permissions', owner: 'user_id', columns: PERMISSION_COLUMNS },
  sql: (c) => {
    const record = c(joinAlias(permissionsField));
    const at = (key: string) => jsonText(sql`${record}->>${sql.lit(key)}`);
    return sql<string>`(case when ${record} is null then 'null' else '{"id":' || (${record}->>'id') || ',"state":' || ${at('state')}
      || ',"billing":' || (case when ${c('is_owner')} then '"manage"' else '"none"' end)
      || ',"features":' || ${at('features')} || ',"knowledgebase":' || ${at('knowledgebase')} || ',"license_type":' || ${at('license_type')}
      || ',"settings":' || ${at('settings')} || ',"suggestions":' || ${at('feedback')} || ',"tickets":' || ${at('tickets')} || '}' end)`;
  },
};

/** traits() in SQL. */
function traitsSql(c: Col) {
  return sql<string>`('{"id":' || to_json(${c('id')}::text)::text || ',"email":' || ${jsonText(c('email_address'))}
    || ',"name":' || ${jsonText(c('name'))} || ',"type":' || (case when ${c('is_admin')} then '"admin"' else '"user"' end)
    || ',"ip":' || ${jsonText(c('last_ip'))}
    || ',"created_at":' || coalesce(floor(extract(epoch from ${c('created_at')}))::bigint::text, 'null')
    || ',"browser_name":null,"os_name":null,"location_city":' || ${jsonText(c('city'))}
    || ',"location_region":' || ${jsonText(c('region'))} || ',"location_country":' || ${jsonText(c('country'))}
    || ',"account_id":null,"account_internal_id":null,"account_name":null,"account_plan":null,"account_created_at":null,"account_ltv":null,"account_monthly_rate":null}')`;
}

/** Identify traits as UserVoice reports them; `created_at` is a unix integer there. */
function traits(row: Row) {
  const created = isoSeconds(row.created_at);
  return {
    // A string in the SDK model and in Airbyte's schema (identify traits carry the client's own ids).
    id: String(row.id),
    email: row.email_address ?? null,
    name: row.name ?? null,
    type: row.is_admin ? 'admin' : 'user',
    ip: row.last_ip ?? null,
    created_at: created ? Math.floor(Date.parse(created) / 1000) : null,
    browser_name: null,
    os_name: null,
    location_city: row.city ?? null,
    location_region: row.region ?? null,
    location_country: row.country ?? null,
    account_id: null,
    account_internal_id: null,
    account_name: null,
    account_plan: null,
    account_created_at: null,
    account_ltv: null,
    account_monthly_rate: null,
  };
}

export const users = defineResource({
  type: 'users',
  singular: 'user',
  table: 'users',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'email_address', type: 'string' },
    { name: 'guid', type: 'string' },
    { name: 'job_title', type: 'string' },
    { name: 'avatar_url', type: 'string' },
    { name: 'last_ip', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'region', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'allowed_state', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'satisfaction_score', type: 'integer' },
    { name: 'supported_suggestions_count', type: 'integer' },
    { name: 'suggestion_votes', type: 'integer' },
    { name: 'is_admin', type: 'boolean' },
    { name: 'is_owner', type: 'boolean' },
    { name: 'is_validation_admin', type: 'boolean', ...constant(false) },
    { name: 'is_subscribed', type: 'boolean' },
    { name: 'email_confirmed', type: 'boolean' },
    { name: 'status_notifications', type: 'boolean' },
    { name: 'comment_notifications', type: 'boolean' },
    { name: 'last_login', type: 'timestamp' },
    { name: 'support_created_at', type: 'timestamp' },
    permissionsField,
    { name: 'traits', type: 'object', value: traits, sql: traitsSql },
    ...timestamps,
  ],
  links: [
    { name: 'current_nps_rating', type: 'nps_ratings', column: 'current_nps_rating_id' },
    { name: 'previous_nps_rating', type: 'nps_ratings', column: 'previous_nps_rating_id' },
    { name: 'external_users', type: 'external_users', many: { table: 'external_users', owner: 'user_id', target: 'id' } },
    { name: 'teams', type: 'teams', many: { table: 'team_members', owner: 'user_id', target: 'team_id' } },
    { name: 'supporter', type: 'supporters' },
    { name: 'crm_account', type: 'crm_accounts', column: '__crm_account_id' },
  ],
  computed: {
    // The account of the user's first external user that has one (a user normally belongs to one account).
    __crm_account_id: (t) =>
      sql`(select eu.external_account_id from external_users eu where eu.user_id = ${sql.ref(`${t}.id`)} and eu.external_account_id is not null order by eu.id limit 1)`,
  },
  filters: {
    email_address: { kind: 'values', column: 'email_address', caseInsensitive: true },
    allowed_state: { kind: 'values', column: 'allowed_state', values: ['allowed', 'blocked'] },
    q: { kind: 'search', columns: ['name', 'email_address'] },
    // Users who support one of these suggestions.
    suggestion: { kind: 'pivot', table: 'supporters', owner: 'user_id', target: 'suggestion_id' },
    // Users with an external user in one of these accounts.
    external_account: { kind: 'pivot', table: 'external_users', owner: 'user_id', target: 'external_account_id' },
    // Members of one of these teams.
    team: { kind: 'pivot', table: 'team_members', owner: 'user_id', target: 'team_id' },
    // The account's own people (admins) or, false, its end users.
    internal_user: { kind: 'bool', column: 'is_admin' },
    // Users who support a suggestion linked to one of these features.
    feature: {
      kind: 'idsWhere',
      where: (t, ids) => sql<boolean>`exists (select 1 from supporters sp join feature_suggestions fs on fs.suggestion_id = sp.suggestion_id
        where sp.user_id = ${sql.ref(`${t}.id`)} and fs.feature_id in (${sql.join(ids)}))`,
    },
  },
  sorts: baseSorts,
  writable: {
    email: { type: 'email', max: 320, required: true },
    name: { type: 'string', max: 255, nullable: true },
    // Write-only (POST/PUT /admin/users): hashed by services/users.ts, never selected for a response.
    password: { type: 'string', max: 1024, nullable: true },
  },
});
