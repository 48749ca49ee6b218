import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';

/** pg_advisory_xact_lock key of the sequencer (any constant; see suggested-merges for another). */
export const SEQUENCER_LOCK = 0x75766576;
/** Events sequenced per round; a feed read sequences at most this many before it reads. */
const SEQUENCE_BATCH = 10_000;

/**
 * Gives committed events their feed `position`, in the order they became visible. Ids are handed out
 * when a transaction inserts, not when it commits, so a slow writer can commit id 7 after id 8 was read:
 * paging by id would skip it. Positions are given only to committed events, one sequencer at a time
 * (an advisory lock held until its commit), each after every position before it; so a reader that
 * sequences first and then reads `position > cursor` never misses an event that commits later.
 */
export async function sequenceEvents(em: EntityManager): Promise<void> {
  const pending = await em.getKysely<DB>().selectFrom('events').select('id').where('position', 'is', null).limit(1).executeTakeFirst();
  // None without a position: every committed event has a committed one (a sequencer mid-round would
  // leave its rows showing null until it commits).
  if (!pending) return;
  await writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    await sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(db);
    await sql`update events e set position = base.last + r.n
      from (select id, row_number() over (order by id) as n from events where position is null order by id limit ${SEQUENCE_BATCH}) r,
           (select coalesce(max(position), 0) as last from events) base
      where e.id = r.id`.execute(db);
  });
}

export interface FeedRow {
  id: number;
  type: string;
  data: Record<string, unknown>;
  created_at: Date | string;
  position: number;
}

/** Up to `limit` sequenced events after `after`, in position order. */
export async function readEvents(em: EntityManager, after: number, limit: number): Promise<FeedRow[]> {
  const rows = await em
    .getKysely<DB>()
    .selectFrom('events')
    .select(['id', 'type', 'data', 'created_at', 'position'])
    .where('position', '>', after)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, position: Number(r.position) }));
}
