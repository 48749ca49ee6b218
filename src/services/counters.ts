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
