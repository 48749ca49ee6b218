import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';
import { sqlNow } from '../db/clock.ts';

/**
 * What the counters count, in one place:
 * - a suggestion is *visible* unless it is spam, deleted or merged into another;
 * - it is *open* when visible, approved or published, and its status (if any) is an open one.
 */
export const VISIBLE_STATES = ['new', 'approved', 'published', 'closed'] as const;
export const OPEN_STATES = ['approved', 'published'] as const;

const visible = sql`s.state in ('new', 'approved', 'published', 'closed') and s.parent_suggestion_id is null`;
const open = sql`${visible} and s.state in ('approved', 'published') and (s.status_id is null or exists (select 1 from statuses st where st.id = s.status_id and st.is_open))`;

const SUPPORTER_COMMENTS = sql`(select count(*) from comments c where c.suggestion_id = sp.suggestion_id and c.created_by_id = sp.user_id and c.state = 'approved')`;
const SUPPORTER_FEEDBACK = sql`(select count(*) from feedback f where f.supporter_id = sp.id)`;

/**
 * Recomputes every stored counter from the rows. Used by the demo seed and by tests as the oracle;
 * request paths keep counters exact with in-transaction updates instead.
 */
export async function recountAll(db: AnyDb): Promise<void> {
  await recountListings(db);
  await engagementUpdate(sql`true`).execute(db);
  await sql`update supporters sp set comments_count = ${SUPPORTER_COMMENTS}, feedback_count = ${SUPPORTER_FEEDBACK}`.execute(db);
  await sql`update users u set supported_suggestions_count = n, suggestion_votes = n from (select x.id, (select count(*) from supporters sp where sp.user_id = x.id) as n from users x) c where u.id = c.id`.execute(db);
}

/** Forum, category and label suggestion counts (what a status's open/closed flag changes). */
export async function recountListings(db: AnyDb): Promise<void> {
  // Every counter row is written: take their locks first, in the order single-suggestion writes use.
  for (const table of COUNTER_TABLES) await sql`select id from ${sql.table(table)} order by id for no key update`.execute(db);
  await sql`update forums f set
      suggestions_count = (select count(*) from suggestions s where s.forum_id = f.id and ${visible}),
      open_suggestions_count = (select count(*) from suggestions s where s.forum_id = f.id and ${open})`.execute(db);
  await sql`update categories c set
      suggestions_count = (select count(*) from suggestions s where s.category_id = c.id and ${visible}),
      open_suggestions_count = (select count(*) from suggestions s where s.category_id = c.id and ${open})`.execute(db);
  await sql`update labels l set
      open_suggestions_count = (select count(*) from suggestion_labels sl join suggestions s on s.id = sl.suggestion_id
                                where sl.label_id = l.id and ${open})`.execute(db);
}

/** What one suggestion adds to the stored counters. */
export interface Contribution {
  forumId: number;
  categoryId: number | null;
  labelIds: readonly number[];
  visible: boolean;
  open: boolean;
}

export function contribution(s: {
  forumId: number;
  categoryId: number | null;
  labelIds: readonly number[];
  state: string;
  merged: boolean;
  statusOpen: boolean | null;
}): Contribution {
  const visible = (VISIBLE_STATES as readonly string[]).includes(s.state) && !s.merged;
  const open = visible && (OPEN_STATES as readonly string[]).includes(s.state) && s.statusOpen !== false;
  return { forumId: s.forumId, categoryId: s.categoryId, labelIds: s.labelIds, visible, open };
}

type Deltas = Map<string, Map<number, Record<string, number>>>;

/** The order in which transactions lock counter rows (after the suggestions they count). */
const COUNTER_TABLES = ['forums', 'categories', 'labels'] as const;

function add(deltas: Deltas, table: string, id: number, column: string, amount: number): void {
  if (amount === 0) return;
  let rows = deltas.get(table);
  if (!rows) deltas.set(table, (rows = new Map()));
  const row = rows.get(id) ?? {};
  row[column] = (row[column] ?? 0) + amount;
  rows.set(id, row);
}

function collect(deltas: Deltas, c: Contribution | null, sign: 1 | -1): void {
  if (!c) return;
  const v = c.visible ? sign : 0;
  const o = c.open ? sign : 0;
  add(deltas, 'forums', c.forumId, 'suggestions_count', v);
  add(deltas, 'forums', c.forumId, 'open_suggestions_count', o);
  if (c.categoryId !== null) {
    add(deltas, 'categories', c.categoryId, 'suggestions_count', v);
    add(deltas, 'categories', c.categoryId, 'open_suggestions_count', o);
  }
  for (const id of c.labelIds) add(deltas, 'labels', id, 'open_suggestions_count', o);
}

/**
 * Moves the stored counters from `before` to `after` with relative updates (`x = x + n`) inside the
 * caller's transaction, so concurrent writers never lose each other's increments.
 */
export async function applyContribution(db: AnyDb, before: Contribution | null, after: Contribution | null): Promise<void> {
  await applyContributions(db, [[before, after]]);
}

/** applyContribution for several suggestions at once: every counter row is written once, in lock order. */
export async function applyContributions(db: AnyDb, changes: ReadonlyArray<readonly [Contribution | null, Contribution | null]>): Promise<void> {
  const deltas: Deltas = new Map();
  for (const [before, after] of changes) {
    collect(deltas, before, -1);
    collect(deltas, after, 1);
  }
  // One global order (tables as below, then ids): a move from C1 to C2 and one from C2 to C1 running at
  // once would otherwise each hold one category row and wait for the other's (a deadlock).
  for (const table of COUNTER_TABLES) {
    const rows = deltas.get(table);
    if (!rows) continue;
    for (const [id, columns] of [...rows].sort(([a], [b]) => a - b)) {
      const sets = Object.entries(columns)
        .filter(([, n]) => n !== 0)
        .map(([column, n]) => sql`${sql.ref(column)} = ${sql.ref(column)} + ${n}`);
      if (sets.length === 0) continue;
      // Counts are part of the record: bump updated_at so incremental syncs (updated_after) see them.
      await sql`update ${sql.table(table)} set ${sql.join(sets)}, updated_at = ${sqlNow} where id = ${id}`.execute(db);
    }
  }
}

/**
 * Recomputes a suggestion's engagement counters and `last_status_update` from the rows. Callers hold the
 * suggestion's row lock (services/suggestions.ts lockSuggestions), so every writer to one suggestion
 * runs this after the previous one committed and sees its rows: exact under concurrency without deltas.
 * Votes: one per supporter (UserVoice retired multi-vote), so votes_count equals supporters_count.
 */
export async function recountEngagement(db: AnyDb, suggestionIds: readonly number[]): Promise<void> {
  if (suggestionIds.length === 0) return;
  await engagementUpdate(sql`x.id in (${sql.join(suggestionIds)})`).execute(db);
}

function engagementUpdate(which: RawBuilder<unknown>) {
  return sql`update suggestions s set
      comments_count = (select count(*) from comments c where c.suggestion_id = s.id and c.state = 'approved'),
      notes_count = (select count(*) from notes n where n.suggestion_id = s.id),
      supporters_count = sp.n,
      votes_count = sp.n,
      first_support_at = sp.first_at,
      requests_count = (select count(*) from feedback f where f.suggestion_id = s.id),
      last_status_update_id = (select su.id from status_updates su where su.suggestion_id = s.id order by su.created_at desc, su.id desc limit 1)
    from (select x.id, (select count(*) from supporters p where p.suggestion_id = x.id) as n,
                 (select min(p.created_at) from supporters p where p.suggestion_id = x.id) as first_at
          from suggestions x where ${which}) sp
    where s.id = sp.id`;
}

/**
 * Recomputes supporters' `comments_count` and `feedback_count` on these suggestions (optionally only
 * for some users); rows whose counts did not change are not written, so their updated_at stays.
 */
export async function recountSupporters(db: AnyDb, suggestionIds: readonly number[], userIds?: readonly number[]): Promise<void> {
  if (suggestionIds.length === 0 || userIds?.length === 0) return;
  await sql`update supporters sp set comments_count = ${SUPPORTER_COMMENTS}, feedback_count = ${SUPPORTER_FEEDBACK}, updated_at = ${sqlNow}
    where sp.suggestion_id in (${sql.join(suggestionIds)})
      ${userIds ? sql`and sp.user_id in (${sql.join(userIds)})` : sql``}
      and (sp.comments_count, sp.feedback_count) is distinct from (${SUPPORTER_COMMENTS}, ${SUPPORTER_FEEDBACK})`.execute(db);
}

/**
 * Moves a user's `supported_suggestions_count` and `suggestion_votes` (one vote per supported suggestion)
 * by relative updates, exact under concurrent writers.
 */
export async function addSupportedCount(db: AnyDb, userId: number, amount: number): Promise<void> {
  if (amount === 0) return;
  await sql`update users set supported_suggestions_count = supported_suggestions_count + ${amount}, suggestion_votes = suggestion_votes + ${amount}, updated_at = ${sqlNow} where id = ${userId}`.execute(db);
}
