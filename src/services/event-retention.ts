import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';
import { SEQUENCER_LOCK, sequenceEvents } from './event-feed.ts';

/** pg_try_advisory_xact_lock key of the pruner: one process prunes at a time (any constant). */
const PRUNE_LOCK = 0x75767072;
/** Rows deleted per transaction: short transactions, so feed readers and writers barely wait. */
const BATCH = 1_000;

export interface Pruned {
  events: number;
  deliveries: number;
}

/**
 * Retention (EVENT_RETENTION_DAYS): deletes events created before `cutoff` with their outbox rows (a
 * delivery still pending then is long past its 24 hours: a paused hook's), and finished deliveries
 * (delivered or given up) last changed before it. The delivery log (service_hook_logs) is kept.
 * The newest sequenced event is never deleted, even when old: the feed's sequencer counts on from the
 * highest position, so cursors held by clients stay valid. Batched, one transaction per batch, each
 * holding the sequencer's lock (positions do not move under it) and the pruner's, taken without
 * waiting: when another process is pruning, this one stops and leaves it the work. Answers the counts.
 */
export async function pruneEvents(em: EntityManager, cutoff: Date): Promise<Pruned> {
  // Committed events get their positions first, so the newest event kept is the newest committed one.
  await sequenceEvents(em);
  const total: Pruned = { events: 0, deliveries: 0 };
  for (;;) {
    const round = await writeTransaction(em, async (tx): Promise<(Pruned & { more: boolean }) | undefined> => {
      const db = tx.getKysely<DB>();
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${PRUNE_LOCK}) as locked`.execute(db);
      if (!rows[0]?.locked) return undefined;
      await sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(db);
      const { rows: gone } = await sql<{ events: number; outbox: number }>`with doomed as (
          select id from events
          where created_at < ${cutoff} and (position is null or position < (select max(position) from events))
          order by id limit ${BATCH}),
        outbox as (delete from service_hook_deliveries where event_id in (select id from doomed) returning id),
        pruned as (delete from events where id in (select id from doomed) returning id)
        select (select count(*) from pruned)::int as events, (select count(*) from outbox)::int as outbox`.execute(db);
      const finished = await sql<{ id: number }>`delete from service_hook_deliveries where id in (
          select id from service_hook_deliveries where state <> 'pending' and updated_at < ${cutoff} order by id limit ${BATCH})
        returning id`.execute(db);
      const events = Number(gone[0]?.events ?? 0);
      return { events, deliveries: Number(gone[0]?.outbox ?? 0) + finished.rows.length, more: events === BATCH || finished.rows.length === BATCH };
    });
    if (!round) return total;
    total.events += round.events;
    total.deliveries += round.deliveries;
    if (!round.more) return total;
  }
}
