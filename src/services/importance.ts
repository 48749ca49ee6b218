import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { ImportanceResponse, ImportanceScore, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import { IMPORTANCE_LABELS, type importanceScores } from '../resources/importance.ts';
import type { WriteInput } from '../schema/write.ts';
import { recountInternal } from './counters.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { nowOf } from '../db/clock.ts';

/**
 * Records a user's answer to "how important is this to you?" for a suggestion: the user's response
 * (`value`, `label`) and the score tying it to the suggestion. A user has one per suggestion: answering
 * again changes the response and answers the same score. The suggestion's importance counts are
 * recounted under its row lock (counters.recountEngagement).
 */
export async function saveImportanceScore(em: EntityManager, input: WriteInput<typeof importanceScores>, actorId: number): Promise<number> {
  const errors = await missingLinks(em, input, { 'links.user': User });
  const userId = input.get('links.user') ?? actorId;
  const value = input.get('value')!;
  const score = await onSuggestion(em, targetSuggestion(input, errors), input, async (tx, s) => {
    const existing = await tx.findOne(ImportanceScore, { suggestion: s, user: userId }, { populate: ['response'] });
    const label = IMPORTANCE_LABELS[value - 1]!;
    let score = existing;
    if (score) {
      score.response.value = value;
      score.response.label = label;
      score.updatedAt = nowOf(tx);
    } else {
      const user = tx.getReference(User, userId);
      score = tx.create(ImportanceScore, { suggestion: s, user, response: tx.create(ImportanceResponse, { value, label, user }) });
    }
    await tx.flush();
    await recountInternal(tx.getKysely(), [s.id]);
    await supporterChanged(tx, s.id, userId);
    return score;
  }, { errors });
  return score.id;
}

/** The user's supporter row on the suggestion shows the label (`importance_score`): it changed too. */
async function supporterChanged(tx: EntityManager, suggestionId: number, userId: number): Promise<void> {
  await tx.getKysely<DB>().updateTable('supporters').set({ updated_at: nowOf(tx) }).where('suggestion_id', '=', suggestionId).where('user_id', '=', userId).execute();
}

/** Removes the score and the response it holds. */
export async function deleteImportanceScore(em: EntityManager, id: number): Promise<void> {
  const row = await em.getKysely<DB>().selectFrom('importance_scores').select(['suggestion_id', 'response_id', 'user_id']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new RecordNotFoundError();
  await onSuggestion(em, row.suggestion_id, undefined, async (tx) => {
    const deleted = await tx.getKysely<DB>().deleteFrom('importance_responses').where('id', '=', row.response_id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw new RecordNotFoundError();
    await recountInternal(tx.getKysely(), [row.suggestion_id]);
    await supporterChanged(tx, row.suggestion_id, row.user_id);
  });
}
