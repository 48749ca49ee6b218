import type { EntityManager } from '@mikro-orm/sql';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import { writeTransaction } from '../db/transaction.ts';
import { nowOf } from '../db/clock.ts';

/** Trigram similarity from which two titles count as likely duplicates (pg_trgm's default is 0.3). */
export const MERGE_THRESHOLD = 0.5;
/** Settings row holding when the pairs were last brought up to date. */
const WATERMARK = 'suggested_merges_through';
/**
 * Suggestions changed up to this long before the last refresh are looked at again: a write transaction
 * stamps `updated_at` before it commits, so one that commits after a refresh can carry an older stamp.
 * Writes give up long before this (lock and statement timeouts); looking again changes nothing.
 */
const MARGIN_MS = 5 * 60_000;
/** pg_advisory_xact_lock key: refreshes run one at a time (any constant). */
const LOCK_KEY = 7_302_914_052;

/** A suggestion a merge could still be suggested for. */
const live = (s: string) => sql.raw(`(${s}.parent_suggestion_id is null and ${s}.state not in ('spam', 'deleted'))`);

const trigramChecked = new WeakMap<object, boolean>();

/** Whether the database has pg_trgm (the migration installs it where it can); asked once per ORM. */
async function hasTrigrams(em: EntityManager, db: Kysely<DB>): Promise<boolean> {
  const known = trigramChecked.get(em.config);
  if (known !== undefined) return known;
  const { rows } = await sql<{ present: boolean }>`select exists (select 1 from pg_extension where extname = 'pg_trgm') as present`.execute(db);
  const present = Boolean(rows[0]?.present);
  trigramChecked.set(em.config, present);
  return present;
}

/**
 * Brings the suggested merges up to date with the suggestions changed since the last refresh (the list
 * route calls it first, so suggestion writes pay nothing for it). A pair is stored once, lower id first,
 * and keeps its id: `pending` while both suggestions are live and their titles similar (pg_trgm
 * `similarity` ≥ MERGE_THRESHOLD, found through the trigram index), `merged` once one was merged into
 * the other, `stale` otherwise. Without pg_trgm (`trigrams: false`, or a server where the extension could
 * not be installed) titles pair only when equal once lowercased with punctuation and spacing folded,
 * with score 1.
 */
export async function refreshSuggestedMerges(em: EntityManager, options: { trigrams?: boolean } = {}): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(db);
    const trigrams = options.trigrams ?? (await hasTrigrams(em, db));
    const mark = await db.selectFrom('settings').select('value').where('key', '=', WATERMARK).executeTakeFirst();
    const since = new Date(mark ? Date.parse(mark.value) - MARGIN_MS : 0);
    const now = nowOf(tx);
    const score: (a: string, b: string) => RawBuilder<number> = trigrams
      ? (a, b) => sql<number>`round(similarity(${sql.ref(`${a}.title`)}, ${sql.ref(`${b}.title`)})::numeric, 3)::float8`
      : () => sql<number>`1.0::float8`;
    const folded = (s: string) => sql`btrim(regexp_replace(lower(${sql.ref(`${s}.title`)}), '[^[:alnum:]]+', ' ', 'g'))`;
    const similar = (a: string, b: string) =>
      trigrams ? sql`(${sql.ref(`${a}.title`)} % ${sql.ref(`${b}.title`)} and ${score(a, b)} >= ${MERGE_THRESHOLD})` : sql`${folded(a)} = ${folded(b)}`;
    // The % operator's own threshold decides what the index returns: make it ours.
    if (trigrams) await sql`select set_config('pg_trgm.similarity_threshold', ${String(MERGE_THRESHOLD)}, true)`.execute(db);

    await sql`insert into suggested_merges (suggestion_a_id, suggestion_b_id, score, state, created_at, updated_at)
      select distinct least(c.id, o.id), greatest(c.id, o.id), ${score('c', 'o')}, 'pending', ${now}::timestamptz, ${now}::timestamptz
      from suggestions c join suggestions o on o.id <> c.id and ${similar('c', 'o')}
      where c.updated_at > ${since} and ${live('c')} and ${live('o')}
      on conflict (suggestion_a_id, suggestion_b_id) do update set score = excluded.score, state = 'pending', updated_at = excluded.updated_at
      where suggested_merges.score <> excluded.score or suggested_merges.state <> 'pending'`.execute(db);

    await sql`update suggested_merges m
      set state = case when a.parent_suggestion_id = b.id or b.parent_suggestion_id = a.id then 'merged' else 'stale' end, updated_at = ${now}
      from suggestions a, suggestions b
      where a.id = m.suggestion_a_id and b.id = m.suggestion_b_id and m.state = 'pending'
        and (a.updated_at > ${since} or b.updated_at > ${since})
        and not (${live('a')} and ${live('b')} and ${similar('a', 'b')})`.execute(db);

    await db
      .insertInto('settings')
      .values({ key: WATERMARK, value: now.toISOString(), created_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: now.toISOString() }))
      .execute();
  });
}
