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
 * Recomputes every stored counter from the rows; rows whose counters are right are not written (an
 * import's rerun over unchanged data must leave every row as it was). Used by the demo seed and by tests as the oracle;
 * request paths keep counters exact with in-transaction updates instead.
 */
export async function recountAll(db: AnyDb): Promise<void> {
  await recountListings(db);
  await engagementUpdate(sql`true`).execute(db);
  await internalUpdate(sql`true`).execute(db);
  await sql`update supporters sp set comments_count = ${SUPPORTER_COMMENTS}, feedback_count = ${SUPPORTER_FEEDBACK}
    where (sp.comments_count, sp.feedback_count) is distinct from (${SUPPORTER_COMMENTS}, ${SUPPORTER_FEEDBACK})`.execute(db);
  await sql`update users u set supported_suggestions_count = n, suggestion_votes = n from (select x.id, (select count(*) from supporters sp where sp.user_id = x.id) as n from users x) c
    where u.id = c.id and (u.supported_suggestions_count, u.suggestion_votes) is distinct from (c.n, c.n)`.execute(db);
}

/** Forum, category and label suggestion counts (what a status's open/closed flag changes). */
export async function recountListings(db: AnyDb): Promise<void> {
  // Any counter row may be written: take their locks first, in the order single-suggestion writes use.
  for (const table of COUNTER_TABLES) await sql`select id from ${sql.table(table)} order by id for no key update`.execute(db);
  for (const table of ['forums', 'categories'] as const) {
    const owner = sql.ref(`s.${table === 'forums' ? 'forum_id' : 'category_id'}`);
    await sql`update ${sql.table(table)} t set suggestions_count = c.n, open_suggestions_count = c.o
      from (select x.id, (select count(*) from suggestions s where ${owner} = x.id and ${visible}) as n,
                         (select count(*) from suggestions s where ${owner} = x.id and ${open}) as o
            from ${sql.table(table)} x) c
      where t.id = c.id and (t.suggestions_count, t.open_suggestions_count) is distinct from (c.n, c.o)`.execute(db);
  }
  await sql`update labels l set open_suggestions_count = c.o
    from (select x.id, (select count(*) from suggestion_labels sl join suggestions s on s.id = sl.suggestion_id where sl.label_id = x.id and ${open}) as o from labels x) c
    where l.id = c.id and l.open_suggestions_count is distinct from c.o`.execute(db);
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

/**
 * Recomputes what the team's internal records add to suggestions: `last_internal_status_update`, the
 * internal flag counts (`all_internal_flags_count` includes the suggestions merged into it) and the
 * importance counts. Kept apart from recountEngagement so the frequent writes (feedback, comments) do not
 * pay for it; the writers of those records, merges and recountAll call it, under the suggestions' locks.
 */
export async function recountInternal(db: AnyDb, suggestionIds: readonly number[]): Promise<void> {
  if (suggestionIds.length === 0) return;
  await internalUpdate(sql`x.id in (${sql.join(suggestionIds)})`).execute(db);
}

function internalUpdate(which: RawBuilder<unknown>) {
  // As engagementUpdate: rows whose values are already right are not written.
  return sql`update suggestions s set last_internal_status_update_id = v.last_update, internal_flags_count = v.flags,
      all_internal_flags_count = v.all_flags, last_internal_flag_at = v.last_flag_at,
      importance_low_count = v.low, importance_medium_count = v.medium, importance_high_count = v.high
    from (select x.id,
                 (select iu.id from internal_status_updates iu where iu.suggestion_id = x.id order by iu.created_at desc, iu.id desc limit 1) as last_update,
                 (select count(*) from internal_flags fl where fl.suggestion_id = x.id) as flags,
                 (select count(*) from internal_flags fl where fl.suggestion_id = x.id
                    or fl.suggestion_id in (select m.id from suggestions m where m.parent_suggestion_id = x.id)) as all_flags,
                 (select max(fl.created_at) from internal_flags fl where fl.suggestion_id = x.id) as last_flag_at,
                 ${IMPORTANCE(1)} as low, ${IMPORTANCE(2)} as medium, ${IMPORTANCE(3)} as high
          from suggestions x where ${which}) v
    where s.id = v.id
      and (s.last_internal_status_update_id, s.internal_flags_count, s.all_internal_flags_count, s.last_internal_flag_at,
           s.importance_low_count, s.importance_medium_count, s.importance_high_count)
          is distinct from (v.last_update, v.flags, v.all_flags, v.last_flag_at, v.low, v.medium, v.high)`;
}

const IMPORTANCE = (value: number) =>
  sql`(select count(*) from importance_scores sc join importance_responses r on r.id = sc.response_id where sc.suggestion_id = x.id and r.value = ${value})`;

function engagementUpdate(which: RawBuilder<unknown>) {
  // Rows whose counters are already right are not written.
  return sql`update suggestions s set comments_count = v.comments, notes_count = v.notes, supporters_count = v.n, votes_count = v.n,
      first_support_at = v.first_at, requests_count = v.requests, last_status_update_id = v.last_update
    from (select x.id,
                 (select count(*) from comments c where c.suggestion_id = x.id and c.state = 'approved') as comments,
                 (select count(*) from notes n where n.suggestion_id = x.id) as notes,
                 (select count(*) from supporters p where p.suggestion_id = x.id) as n,
                 (select min(p.created_at) from supporters p where p.suggestion_id = x.id) as first_at,
                 (select count(*) from feedback f where f.suggestion_id = x.id) as requests,
                 (select su.id from status_updates su where su.suggestion_id = x.id order by su.created_at desc, su.id desc limit 1) as last_update
          from suggestions x where ${which}) v
    where s.id = v.id
      and (s.comments_count, s.notes_count, s.supporters_count, s.votes_count, s.first_support_at, s.requests_count, s.last_status_update_id)
          is distinct from (v.comments, v.notes, v.n, v.n, v.first_at, v.requests, v.last_update)`;
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
