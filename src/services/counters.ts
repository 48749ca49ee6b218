import { sql } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';

/**
 * What the counters count, in one place:
 * - a suggestion is *visible* unless it is spam, deleted or merged into another;
 * - it is *open* when visible, approved or published, and its status (if any) is an open one.
 */
export const VISIBLE_STATES = ['new', 'approved', 'published', 'closed'] as const;
export const OPEN_STATES = ['approved', 'published'] as const;

const visible = sql`s.state in ('new', 'approved', 'published', 'closed') and s.parent_suggestion_id is null`;
const open = sql`${visible} and s.state in ('approved', 'published') and (s.status_id is null or exists (select 1 from statuses st where st.id = s.status_id and st.is_open))`;

/**
 * Recomputes every stored counter from the rows. Used by the demo seed and by tests as the oracle;
 * request paths keep counters exact with in-transaction updates instead.
 */
export async function recountAll(db: AnyDb): Promise<void> {
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
  const deltas: Deltas = new Map();
  collect(deltas, before, -1);
  collect(deltas, after, 1);
  for (const [table, rows] of deltas) {
    for (const [id, columns] of rows) {
      const sets = Object.entries(columns)
        .filter(([, n]) => n !== 0)
        .map(([column, n]) => sql`${sql.ref(column)} = ${sql.ref(column)} + ${n}`);
      if (sets.length === 0) continue;
      // Counts are part of the record: bump updated_at so incremental syncs (updated_after) see them.
      await sql`update ${sql.table(table)} set ${sql.join(sets)}, updated_at = now() where id = ${id}`.execute(db);
    }
  }
}
