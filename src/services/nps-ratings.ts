import type { EntityManager } from '@mikro-orm/sql';
import { nowOf, sqlNow } from '../db/clock.ts';
import { writeTransaction } from '../db/transaction.ts';
import { emitEvents } from './events.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { npsRatings } from '../resources/nps-ratings.ts';
import type { WriteInput } from '../schema/write.ts';

export interface NewRating {
  userId: number;
  rating: number;
  body: string | null;
  prompt: string | null;
  /** The rating's date (created_at); now when not given. */
  date: Date;
}

/**
 * Records a rating inside the caller's transaction, with the user's row locked so concurrent ratings of
 * one user serialise: its `previous_rating` is the user's rating just before it by date (then id); a
 * later rating, when this one is back-dated in between, now follows this one; the user's
 * `current_nps_rating`/`previous_nps_rating` links become the two latest. Returns the new id, or
 * undefined when the user does not exist.
 */
export async function recordRating(db: Kysely<DB>, rating: NewRating): Promise<number | undefined> {
  const user = await db.selectFrom('users').select('id').where('id', '=', rating.userId).forUpdate().executeTakeFirst();
  if (!user) return undefined;
  const mine = () => db.selectFrom('nps_ratings').select(['id', 'rating']).where('user_id', '=', rating.userId);
  // A new row's id is larger than every existing one, so at an equal date it comes last.
  const before = await mine().where('created_at', '<=', rating.date).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const after = await mine().where('created_at', '>', rating.date).orderBy('created_at', 'asc').orderBy('id', 'asc').limit(1).executeTakeFirst();
  const inserted = await db
    .insertInto('nps_ratings')
    .values({
      user_id: rating.userId,
      rating: rating.rating,
      previous_rating: before?.rating ?? null,
      body: rating.body,
      prompt: rating.prompt,
      created_at: rating.date,
      updated_at: sqlNow,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (after) await db.updateTable('nps_ratings').set({ previous_rating: rating.rating, updated_at: sqlNow }).where('id', '=', after.id).execute();
  const latest = await mine().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(2).execute();
  await db
    .updateTable('users')
    .set({ current_nps_rating_id: latest[0]?.id ?? null, previous_nps_rating_id: latest[1]?.id ?? null, updated_at: sqlNow })
    .where('id', '=', rating.userId)
    .execute();
  return inserted.id;
}

const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** POST /admin/nps_ratings: rating 0–10 by an existing user; `date` back-dates it (never into the future). */
export async function createNpsRating(em: EntityManager, input: WriteInput<typeof npsRatings>): Promise<number> {
  const errors: Record<string, string[]> = {};
  const value = input.get('rating');
  if (typeof value === 'number' && value < 0) errors.rating = ['must be greater than or equal to 0'];
  if (typeof value === 'number' && value > 10) errors.rating = ['must be less than or equal to 10'];
  const now = nowOf(em);
  const date = input.get('date') ?? now;
  if (date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) errors.date = ["can't be in the future"];
  input.check(errors);
  const id = await writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const userId = input.get('links.user')!;
    const created = await recordRating(db, {
      userId,
      rating: value!,
      body: input.get('body') ?? null,
      prompt: input.get('prompt') ?? null,
      date,
    });
    if (created !== undefined) await emitEvents(db, [{ type: 'nps_rating_created', data: { nps_rating: created, user: userId, rating: value } }]);
    return created;
  });
  if (id === undefined) input.check({ 'links.user': ['does not exist'] });
  return id!;
}

