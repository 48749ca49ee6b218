import type { EntityManager } from '@mikro-orm/sql';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Suggestion } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import { recountEngagement, recountInternal, recountSupporters } from './counters.ts';
import { lockSuggestions } from './suggestions.ts';
import { recordActivity } from './activity.ts';
import { sqlNow } from '../db/clock.ts';

export interface MergeRequest {
  /** Suggestions merged away. */
  sourceIds: number[];
  /** The surviving suggestion. */
  targetId: number;
}

const TO = 'action.links.to_suggestion';

function mergeErrors(target: Suggestion, sourceIds: readonly number[]): Record<string, string[]> {
  const parent = target.parentSuggestion?.id;
  if (parent === undefined) return {};
  return { [TO]: [sourceIds.includes(parent) ? 'is merged into one of the suggestions being merged' : 'is itself merged into another suggestion'] };
}

/**
 * Merges suggestions into a target. Each merged suggestion gets `links.parent_suggestion` (so it leaves
 * the visible and open counts), and so do the suggestions merged into it before, keeping merges one level
 * deep. Support moves to the target: a user who supported several of them keeps one supporter row (the
 * target's, else the earliest), dated from their earliest support, with all their feedback. Comments,
 * notes and status updates stay where they were written. Every count involved is recomputed.
 */
export async function mergeSuggestions(em: EntityManager, { sourceIds, targetId }: MergeRequest, actorId?: number): Promise<number> {
  if (sourceIds.includes(targetId)) throw new ValidationError({ [TO]: ['cannot merge a suggestion into itself'] });
  const children = await em
    .getKysely<DB>()
    .selectFrom('suggestions')
    .select('id')
    .where('parent_suggestion_id', 'in', sourceIds)
    .where('id', '!=', targetId)
    .execute();
  const movedIds = [...new Set([...sourceIds, ...children.map((c) => c.id)])];
  return lockSuggestions(
    em,
    [targetId, ...movedIds],
    async (tx, locked) => {
      const target = locked.get(targetId)!;
      const errors = mergeErrors(target, sourceIds);
      if (Object.keys(errors).length > 0) throw new ValidationError(errors);
      for (const id of movedIds) locked.get(id)!.parentSuggestion = target;
      await tx.flush();
      await moveSupport(tx, targetId, movedIds);
      await recountEngagement(tx.getKysely(), [targetId, ...movedIds]);
      // The target's all_internal_flags_count takes in the flags of what was merged into it.
      await recountInternal(tx.getKysely(), [targetId, ...movedIds]);
      await recountSupporters(tx.getKysely(), [targetId]);
      // Each move shows in both suggestions' activity.
      await recordActivity(
        tx.getKysely<DB>(),
        movedIds.flatMap((id) => [id, targetId].map((suggestionId) => ({ kind: 'merged' as const, suggestionId, actorId, mergedFromId: id, mergedToId: targetId }))),
      );
      return targetId;
    },
    (absent) =>
      new ValidationError(
        absent.includes(targetId) ? { [TO]: ['does not exist'] } : { include_ids: [`contains suggestions that do not exist: ${absent.join(', ')}`] },
      ),
  );
}

async function moveSupport(tx: EntityManager, targetId: number, movedIds: readonly number[]): Promise<void> {
  const db = tx.getKysely<DB>();
  const all = [targetId, ...movedIds];
  // The users whose counts move, locked in id order (the global lock order) before they are written.
  await sql`select id from users where id in (select user_id from supporters where suggestion_id in (${sql.join(all)})) order by id for no key update`.execute(db);
  // Per user across target and merged suggestions: the row that survives and the earliest support.
  const ranked = sql`(select id, user_id,
      first_value(id) over (partition by user_id order by (suggestion_id = ${targetId}) desc, created_at, id) as keep_id,
      min(created_at) over (partition by user_id) as first_at,
      count(*) over (partition by user_id) as n
    from supporters where suggestion_id in (${sql.join(all)}))`;
  await sql`update feedback f set supporter_id = r.keep_id from ${ranked} r where f.supporter_id = r.id and r.id <> r.keep_id`.execute(db);
  await sql`update users u set supported_suggestions_count = u.supported_suggestions_count - (r.n - 1), suggestion_votes = u.suggestion_votes - (r.n - 1), updated_at = ${sqlNow}
    from ${ranked} r where u.id = r.user_id and r.id = r.keep_id and r.n > 1`.execute(db);
  await sql`update supporters s set created_at = r.first_at from ${ranked} r where s.id = r.id and r.id = r.keep_id and s.created_at <> r.first_at`.execute(db);
  await sql`delete from supporters s using ${ranked} r where s.id = r.id and r.id <> r.keep_id`.execute(db);
  await sql`update supporters set suggestion_id = ${targetId}, updated_at = ${sqlNow} where suggestion_id in (${sql.join(movedIds)})`.execute(db);
  await sql`update feedback set suggestion_id = ${targetId}, updated_at = ${sqlNow} where suggestion_id in (${sql.join(movedIds)})`.execute(db);
}
