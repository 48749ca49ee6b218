import type { EntityManager } from '@mikro-orm/sql';
import { writeTransaction } from '../db/transaction.ts';
import { sql } from 'kysely';
import { RecordNotFoundError, ValidationError } from '../errors.ts';
import type { AnyDb } from '../resources/rows.ts';
import { batchOf, given, idsOf, listOf, type FieldErrors, ItemReader } from './external-input.ts';
import { sqlNow } from '../db/clock.ts';

/**
 * Customer data from the client's own systems: external accounts and external users, upserted by
 * `external_id` in batches of up to 1,000. Every batch is one transaction: a bad item is a 422 naming
 * its index (`users[3].email`) and nothing is written. Statements per batch are constant (JSON
 * parameters expanded in SQL), never one per item.
 */

interface AccountInput {
  externalId: string;
  fields: Partial<{ name: string | null; plan: string | null; mrr_cents: number | null; ltv_cents: number | null; external_created_at: Date | null }>;
}

interface ExternalUserInput {
  /** Position in the request, for error keys. */
  index: number;
  externalId: string;
  email: string;
  userId?: number;
  accountExternalId?: string;
  fields: Partial<{ name: string | null; ip: string | null; type: string | null; external_created_at: Date | null }>;
}

function check(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

/** Later items for the same external id add to (and override) earlier ones; order of first appearance. */
function merge<T extends { externalId: string; fields: object }>(items: T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const seen = byId.get(item.externalId);
    byId.set(item.externalId, seen ? { ...seen, ...item, fields: { ...seen.fields, ...item.fields } } : item);
  }
  return [...byId.values()];
}

function readAccount(r: ItemReader, dollars: boolean): AccountInput | undefined {
  const externalId = r.string('external_id', 255, true);
  const fields = given({
    name: r.string('name', 255),
    plan: r.string('plan', 255),
    // The import takes cents (and, in the 2018 SDK, dollars as `mrr`/`ltv`); bulk_identify takes dollars.
    mrr_cents: dollars ? r.dollarsAsCents('mrr') : (r.cents('mrr_cents') ?? r.dollarsAsCents('mrr')),
    ltv_cents: dollars ? r.dollarsAsCents('ltv') : (r.cents('ltv_cents') ?? r.dollarsAsCents('ltv')),
    external_created_at: r.timestamp('external_created_at'),
  });
  return typeof externalId === 'string' ? { externalId, fields } : undefined;
}

// ---------------------------------------------------------------------------------------------------
// SQL (all inside the caller's transaction)

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** Sets a column from the item's JSON only when the item has the key (absent keys leave it as it is). */
const fromItem = (column: string, type: string, table = 't') =>
  sql`${sql.ref(column)} = case when r.j ? ${column} then (r.j ->> ${column})::${sql.raw(type)} else ${sql.ref(`${table}.${column}`)} end`;

/** Inserts the accounts that do not exist yet, then applies every item's given fields; answers ids by external id. */
async function upsertAccounts(db: AnyDb, accounts: AccountInput[], activeNow: boolean): Promise<Map<string, number>> {
  if (accounts.length === 0) return new Map();
  const items = accounts.map((a) => ({ external_id: a.externalId, ...a.fields })).sort((a, b) => a.external_id.localeCompare(b.external_id));
  await sql`insert into external_accounts (external_id, name, plan, mrr_cents, ltv_cents, external_created_at, last_active_at, created_at, updated_at)
    select r.external_id, r.name, r.plan, r.mrr_cents, r.ltv_cents, r.external_created_at, ${sqlNow}, ${sqlNow}, ${sqlNow}
    from jsonb_to_recordset(${json(items)}) as r(external_id text, name text, plan text, mrr_cents bigint, ltv_cents bigint, external_created_at timestamptz)
    on conflict (external_id) do nothing`.execute(db);
  const { rows } = await sql<{ id: number; external_id: string }>`update external_accounts t set
      ${fromItem('name', 'text')}, ${fromItem('plan', 'text')}, ${fromItem('mrr_cents', 'bigint')}, ${fromItem('ltv_cents', 'bigint')},
      ${fromItem('external_created_at', 'timestamptz')},
      last_active_at = ${activeNow ? sqlNow : sql`t.last_active_at`}, updated_at = ${sqlNow}
    from jsonb_array_elements(${json(items)}) as r(j)
    where t.external_id = r.j ->> 'external_id'
    returning t.id, t.external_id`.execute(db);
  return new Map(rows.map((row) => [row.external_id, Number(row.id)]));
}

/** Local users by email, created (with the item's name) when missing. */
async function usersByEmail(db: AnyDb, people: Array<{ email: string; name?: string | null }>): Promise<Map<string, number>> {
  if (people.length === 0) return new Map();
  const unique = [...new Map(people.map((p) => [p.email, { email_address: p.email, name: p.name ?? null }])).values()];
  await sql`insert into users (email_address, name, created_at, updated_at)
    select r.email_address, r.name, ${sqlNow}, ${sqlNow} from jsonb_to_recordset(${json(unique)}) as r(email_address text, name text)
    order by r.email_address
    on conflict (email_address) do nothing`.execute(db);
  const { rows } = await sql<{ id: number; email_address: string }>`select id, email_address from users
    where email_address in (select jsonb_array_elements_text(${json(unique.map((u) => u.email_address))}))`.execute(db);
  return new Map(rows.map((row) => [row.email_address, Number(row.id)]));
}

interface ExternalUserRow {
  external_id: string;
  user_id: number;
  email?: string | null;
  external_account_id?: number | null;
  name?: string | null;
  ip?: string | null;
  type?: string | null;
  external_created_at?: Date | null;
}

/** Upserts external users; `seen` marks them seen now (bulk_identify). Answers ids by external id. */
async function upsertExternalUsers(db: AnyDb, rows: ExternalUserRow[], seen: boolean): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const items = [...rows].sort((a, b) => a.external_id.localeCompare(b.external_id));
  const before = await sql<{ user_id: number; external_account_id: number | null }>`select user_id, external_account_id from external_users
    where external_id in (select r.j ->> 'external_id' from jsonb_array_elements(${json(items)}) as r(j)) order by id for update`.execute(db);
  await sql`insert into external_users (external_id, email, name, ip, type, external_created_at, user_id, external_account_id, seen_days, created_at, updated_at)
    select r.external_id, r.email, r.name, r.ip, r.type, r.external_created_at, r.user_id, r.external_account_id, 0, ${sqlNow}, ${sqlNow}
    from jsonb_to_recordset(${json(items)}) as r(external_id text, email text, name text, ip text, type text, external_created_at timestamptz, user_id int, external_account_id int)
    on conflict (external_id) do nothing`.execute(db);
  const today = sql`(${sqlNow} at time zone 'UTC')::date`;
  const updated = await sql<{ id: number; external_id: string }>`update external_users t set
      ${fromItem('email', 'text')}, ${fromItem('name', 'text')}, ${fromItem('ip', 'text')}, ${fromItem('type', 'text')},
      ${fromItem('external_created_at', 'timestamptz')}, ${fromItem('external_account_id', 'int')},
      user_id = (r.j ->> 'user_id')::int,
      ${seen ? sql`seen_days = t.seen_days + case when t.last_seen_at is null or (t.last_seen_at at time zone 'UTC')::date < ${today} then 1 else 0 end, last_seen_at = ${sqlNow},` : sql``}
      updated_at = ${sqlNow}
    from jsonb_array_elements(${json(items)}) as r(j)
    where t.external_id = r.j ->> 'external_id'
    returning t.id, t.external_id`.execute(db);
  await touch(db, {
    userIds: [...before.rows.map((r) => Number(r.user_id)), ...items.map((r) => r.user_id)],
    accountIds: before.rows.flatMap((r) => (r.external_account_id == null ? [] : [Number(r.external_account_id)])),
  });
  return new Map(updated.rows.map((row) => [row.external_id, Number(row.id)]));
}

/**
 * Moves `updated_at` of what these changes show on (so incremental syncs by `updated_after` see them): the
 * users whose `links.external_users`/`links.crm_account` changed, the accounts whose counts changed, and
 * the suggestions those users support (their `supporter_mrr` etc. are computed from these rows). Rows
 * are locked in id order, as every writer here takes them, so concurrent batches cannot deadlock on them.
 */
async function touch(db: AnyDb, changed: { userIds?: number[]; accountIds?: number[] }): Promise<void> {
  const accountIds = [...new Set(changed.accountIds ?? [])];
  let userIds = [...new Set(changed.userIds ?? [])];
  if (accountIds.length > 0) {
    await sql`update external_accounts set updated_at = ${sqlNow} where id in
      (select id from external_accounts where id = any(${accountIds}) order by id for update)`.execute(db);
    const members = await sql<{ user_id: number }>`select distinct user_id from external_users where external_account_id = any(${accountIds})`.execute(db);
    userIds = [...new Set([...userIds, ...members.rows.map((r) => Number(r.user_id))])];
  }
  if (userIds.length === 0) return;
  // Suggestions before users: the order feedback writes take them in.
  await sql`update suggestions set updated_at = ${sqlNow} where id in
    (select s.id from suggestions s where s.id in (select sp.suggestion_id from supporters sp where sp.user_id = any(${userIds})) order by s.id for update)`.execute(db);
  await sql`update users set updated_at = ${sqlNow} where id in (select id from users where id = any(${userIds}) order by id for update)`.execute(db);
}

// ---------------------------------------------------------------------------------------------------
// Endpoints

/** POST /admin/external_accounts/import: `accounts: [{external_id*, name, plan, mrr_cents, ltv_cents, external_created_at}]`. */
export async function importAccounts(em: EntityManager, body: Record<string, unknown>): Promise<number[]> {
  const errors: FieldErrors = {};
  const accounts = merge(
    batchOf(body, 'accounts', errors).flatMap((item, i) => (item && readAccount(new ItemReader(item, `accounts[${i}]`, errors), false)) || []),
  );
  check(errors);
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely();
    const ids = await upsertAccounts(db, accounts, false);
    await touch(db, { accountIds: [...ids.values()] });
    return accounts.map((a) => ids.get(a.externalId)!);
  });
}

/**
 * POST /admin/external_users/import: `users: [{external_id*, email*, user_id, name, external_created_at, ip,
 * type, account: {external_id*, …}}]`. Each links to the local user `user_id` names, else to the user with
 * that email (created if there is none); an embedded account is upserted and linked.
 */
export async function importExternalUsers(em: EntityManager, body: Record<string, unknown>): Promise<number[]> {
  const errors: FieldErrors = {};
  const accounts: AccountInput[] = [];
  const people = batchOf(body, 'users', errors).flatMap((item, i): ExternalUserInput[] => {
    if (!item) return [];
    const r = new ItemReader(item, `users[${i}]`, errors);
    const externalId = r.string('external_id', 255, true);
    const email = r.email('email', true);
    const userId = r.ref('user_id');
    const fields = given({ name: r.string('name', 255), ip: r.string('ip', 64), type: r.string('type', 255), external_created_at: r.timestamp('external_created_at') });
    const accountReader = r.object('account');
    const account = accountReader && readAccount(accountReader, false);
    if (account) accounts.push(account);
    if (typeof externalId !== 'string' || typeof email !== 'string') return [];
    return [{ index: i, externalId, email, userId, accountExternalId: account?.externalId, fields }];
  });
  check(errors);
  const merged = merge(people);
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely();
    const named = [...new Set(merged.flatMap((p) => (p.userId === undefined ? [] : [p.userId])))];
    if (named.length > 0) {
      const found = new Set((await sql<{ id: number }>`select id from users where id = any(${named})`.execute(db)).rows.map((r) => Number(r.id)));
      for (const p of people) {
        if (p.userId !== undefined && !found.has(p.userId)) errors[`users[${p.index}].user_id`] = ['does not exist'];
      }
      check(errors);
    }
    const accountIds = await upsertAccounts(db, merge(accounts), false);
    const byEmail = await usersByEmail(db, merged.filter((p) => p.userId === undefined).map((p) => ({ email: p.email, name: p.fields.name })));
    const ids = await upsertExternalUsers(
      db,
      merged.map((p) => ({
        external_id: p.externalId,
        user_id: p.userId ?? byEmail.get(p.email)!,
        email: p.email,
        ...p.fields,
        ...(p.accountExternalId === undefined ? {} : { external_account_id: accountIds.get(p.accountExternalId)! }),
      })),
      false,
    );
    await touch(db, { accountIds: [...accountIds.values()] });
    return merged.map((p) => ids.get(p.externalId)!);
  });
}

/**
 * POST /admin/bulk_identify: `identities: [{id, email*, name, created_at (unix), type, account: {id*, name,
 * created_at (unix), monthly_rate, ltv, plan}}]`. Creates or updates (name) the local user by email; with
 * `id`, upserts that external user (seen now) and its account (active now). Answers the local users.
 */
export async function bulkIdentify(em: EntityManager, body: Record<string, unknown>): Promise<number[]> {
  const errors: FieldErrors = {};
  const accounts: AccountInput[] = [];
  const identities = batchOf(body, 'identities', errors).flatMap((item, i) => {
    if (!item) return [];
    const r = new ItemReader(item, `identities[${i}]`, errors);
    const externalId = r.string('id', 255);
    const email = r.email('email', true);
    const name = r.string('name', 255);
    const fields = given({ name, type: r.string('type', 255), external_created_at: r.unixTime('created_at') });
    const accountReader = r.object('account');
    let account: AccountInput | undefined;
    if (accountReader) {
      const a = accountReader;
      const accountId = a.string('id', 255, true);
      const accountFields = given({
        name: a.string('name', 255),
        plan: a.string('plan', 255),
        mrr_cents: a.dollarsAsCents('monthly_rate'),
        ltv_cents: a.dollarsAsCents('ltv'),
        external_created_at: a.unixTime('created_at'),
      });
      if (typeof accountId === 'string') account = { externalId: accountId, fields: accountFields };
      if (!externalId) errors[`identities[${i}].id`] = ["can't be blank"];
    }
    if (account) accounts.push(account);
    if (typeof email !== 'string') return [];
    return [{ externalId: externalId ?? undefined, email, name, fields, accountExternalId: account?.externalId }];
  });
  check(errors);
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely();
    const byEmail = await usersByEmail(db, identities);
    const accountIds = await upsertAccounts(db, merge(accounts), true);
    const external = merge(identities.flatMap((p) => (p.externalId ? [{ ...p, externalId: p.externalId }] : [])));
    await upsertExternalUsers(
      db,
      external.map((p) => ({
        external_id: p.externalId,
        user_id: byEmail.get(p.email)!,
        email: p.email,
        ...p.fields,
        ...(p.accountExternalId === undefined ? {} : { external_account_id: accountIds.get(p.accountExternalId)! }),
      })),
      true,
    );
    await touch(db, { accountIds: [...accountIds.values()] });
    // Last: users are locked after the suggestions touch() locks, the order feedback takes them in.
    const renamed = [...new Map(identities.filter((p) => p.name !== undefined).map((p) => [p.email, { email: p.email, name: p.name }])).values()];
    if (renamed.length > 0) {
      await sql`update users u set name = r.name, updated_at = ${sqlNow}
        from jsonb_to_recordset(${json(renamed)}) as r(email text, name text)
        where u.email_address = r.email and u.name is distinct from r.name`.execute(db);
    }
    return [...new Set(identities.map((p) => byEmail.get(p.email)!))];
  });
}

export type ExternalTable = 'external_users' | 'external_accounts';

/** The ids a bulk delete names (`ids` or `external_ids`); 404 unless every one exists. */
export async function bulkDeleteTargets(
  em: EntityManager,
  table: ExternalTable,
  key: 'ids' | 'external_ids',
  body: Record<string, unknown>,
  query: Record<string, unknown>,
): Promise<number[]> {
  const errors: FieldErrors = {};
  const values = listOf(body, query, key, errors);
  const ids = key === 'ids' ? [...new Set(idsOf(values, key, errors))] : [];
  check(errors);
  const db = em.getKysely();
  const column = key === 'ids' ? sql.ref('id') : sql.ref('external_id');
  const wanted = key === 'ids' ? ids : values;
  const { rows } = await sql<{ id: number }>`select id from ${sql.table(table)} where ${column} = any(${wanted})`.execute(db);
  if (rows.length !== wanted.length) throw new RecordNotFoundError();
  return key === 'ids' ? ids : rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Deletes external users or accounts (an account's users stay, unlinked). */
export async function bulkDelete(em: EntityManager, table: ExternalTable, ids: number[]): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const db = tx.getKysely();
    if (table === 'external_users') {
      const { rows } = await sql<{ user_id: number; external_account_id: number | null }>`delete from external_users
        where id in (select id from external_users where id = any(${ids}) order by id for update) returning user_id, external_account_id`.execute(db);
      await touch(db, {
        userIds: rows.map((r) => Number(r.user_id)),
        accountIds: rows.flatMap((r) => (r.external_account_id == null ? [] : [Number(r.external_account_id)])),
      });
    } else {
      const members = await sql<{ user_id: number }>`select distinct user_id from external_users where external_account_id = any(${ids})`.execute(db);
      await sql`delete from external_accounts where id in (select id from external_accounts where id = any(${ids}) order by id for update)`.execute(db);
      await touch(db, { userIds: members.rows.map((r) => Number(r.user_id)) });
    }
  });
}
