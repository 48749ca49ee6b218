import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Feedback, Supporter, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { feedback as feedbackDef } from '../resources/feedback.ts';
import type { WriteInput } from '../schema/write.ts';
import { FEEDBACK_CHANNELS } from '../resources/feedback.ts';
import { addSupportedCount } from './counters.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { recordActivity, type Activity } from './activity.ts';
import { nowOf } from '../db/clock.ts';

function channelErrors(input: WriteInput<typeof feedbackDef>): Record<string, string[]> {
  const channel = input.get('channel');
  return channel !== undefined && !FEEDBACK_CHANNELS.some((known) => known === channel)
    ? { channel: [`must be one of ${FEEDBACK_CHANNELS.join(', ')}`] }
    : {};
}

const SCALARS = ['body', 'body_mime_type', 'channel', 'source_url', 'source_type', 'source_guid', 'severity', 'sentiment', 'source', 'tag'] as const;
const camel = (wire: string) => wire.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function assign(feedback: Feedback, input: WriteInput<typeof feedbackDef>): void {
  for (const key of SCALARS) if (input.has(key)) (feedback as unknown as Record<string, unknown>)[camel(key)] = input.get(key);
}

/**
 * Records a user's feedback on a suggestion, which is how UserVoice records support: the user's supporter
 * row on the suggestion is created (first feedback) or reused. The suggestion's row lock serializes
 * writers, so two feedbacks from one user never race to create two supporters.
 */
export async function createFeedback(em: EntityManager, input: WriteInput<typeof feedbackDef>, actorId: number): Promise<number> {
  const userId = input.get('links.user')!;
  const errors = { ...channelErrors(input), ...(await missingLinks(em, input, { 'links.user': User })) };
  return onSuggestion(
    em,
    targetSuggestion(input, errors),
    input,
    async (tx, s) => {
      const user = tx.getReference(User, userId);
      const actor = tx.getReference(User, actorId);
      // One instant for the feedback and the support it creates (two clock reads could straddle a second).
      const createdAt = input.has('created_at') ? input.get('created_at')! : nowOf(tx);
      let supporter = await tx.findOne(Supporter, { suggestion: s, user });
      const supports = !supporter;
      if (!supporter) {
        supporter = tx.create(Supporter, {
          suggestion: s,
          user,
          channel: input.get('channel') ?? 'api',
          isSubscribed: input.get('subscribe') ?? true,
          createdBy: actor,
          updatedBy: actor,
        });
        supporter.createdAt = createdAt;
        await addSupportedCount(tx.getKysely(), userId, 1);
      } else if (input.has('subscribe')) {
        supporter.isSubscribed = input.get('subscribe')!;
        supporter.updatedBy = actor;
      }
      const feedback = tx.create(Feedback, { body: input.get('body')!, suggestion: s, user, supporter, createdBy: actor, updatedBy: actor });
      assign(feedback, input);
      feedback.createdAt = createdAt;
      await tx.flush();
      const entries: Activity[] = [{ kind: 'feedback_created', suggestionId: s.id, actorId, feedbackId: feedback.id, newBody: feedback.body, sentiment: feedback.sentiment ?? null }];
      if (supports) entries.push({ kind: 'supporter_added', suggestionId: s.id, actorId: userId, feedbackId: feedback.id });
      await recordActivity(tx.getKysely<DB>(), entries);
      return feedback;
    },
    { errors, supportersOf: [userId] },
  ).then((feedback) => feedback.id);
}

/**
 * PUT: the text, its source and its sentiment; who and what it is about stay. Under the suggestion's
 * lock, so its sentiment counters are recounted in the same transaction.
 */
export async function updateFeedback(em: EntityManager, id: number, input: WriteInput<typeof feedbackDef>, actorId: number): Promise<number> {
  input.check(channelErrors(input));
  // A merge may move the feedback to another suggestion between the read and the lock: then lock that one.
  for (let attempt = 0; ; attempt++) {
    const found = await em.getKysely<DB>().selectFrom('feedback').select('suggestion_id').where('id', '=', id).executeTakeFirst();
    if (!found) throw new RecordNotFoundError();
    const updated = await onSuggestion(em, found.suggestion_id, undefined, async (tx) => {
      const feedback = await tx.findOne(Feedback, id);
      if (!feedback) throw new RecordNotFoundError();
      if (feedback.suggestion.id !== found.suggestion_id && attempt < 3) return undefined;
      const oldBody = feedback.body;
      assign(feedback, input);
      if (feedback.body !== oldBody) {
        await recordActivity(tx.getKysely<DB>(), [
          { kind: 'feedback_updated', suggestionId: feedback.suggestion.id, actorId, feedbackId: id, oldBody, newBody: feedback.body },
        ]);
      }
      feedback.updatedBy = tx.getReference(User, actorId);
      await tx.flush();
      return feedback.id;
    });
    if (updated !== undefined) return updated;
  }
}

/** Deleting a user's last feedback on a suggestion removes their support. */
export async function deleteFeedback(em: EntityManager, id: number, actorId?: number): Promise<void> {
  const found = await em.getKysely<DB>().selectFrom('feedback').select(['suggestion_id', 'user_id']).where('id', '=', id).executeTakeFirst();
  if (!found) throw new RecordNotFoundError();
  await onSuggestion(
    em,
    found.suggestion_id,
    undefined,
    async (tx) => {
      const db = tx.getKysely<DB>();
      const deleted = await db.deleteFrom('feedback').where('id', '=', id).returning(['supporter_id', 'body']).executeTakeFirst();
      if (!deleted) throw new RecordNotFoundError();
      const gone: Activity = { kind: 'feedback_deleted', suggestionId: found.suggestion_id, actorId, oldBody: deleted.body };
      if (deleted.supporter_id == null) return recordActivity(db, [gone]);
      const rest = await db.selectFrom('feedback').select('id').where('supporter_id', '=', deleted.supporter_id).limit(1).executeTakeFirst();
      if (rest) return recordActivity(db, [gone]);
      await db.deleteFrom('supporters').where('id', '=', deleted.supporter_id).execute();
      await addSupportedCount(db, found.user_id, -1);
      await recordActivity(db, [gone, { kind: 'supporter_removed', suggestionId: found.suggestion_id, actorId: found.user_id }]);
    },
    { supportersOf: [found.user_id] },
  );
}
