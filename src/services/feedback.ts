import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Feedback, Supporter, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { feedback as feedbackDef } from '../resources/feedback.ts';
import type { WriteInput } from '../schema/write.ts';
import { FEEDBACK_CHANNELS } from '../resources/feedback.ts';
import { addSupportedCount } from './counters.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { writeTransaction } from '../db/transaction.ts';

function channelErrors(input: WriteInput<typeof feedbackDef>): Record<string, string[]> {
  const channel = input.get('channel');
  return channel !== undefined && !(FEEDBACK_CHANNELS as readonly (string | null)[]).includes(channel as string)
    ? { channel: [`must be one of ${FEEDBACK_CHANNELS.join(', ')}`] }
    : {};
}

const SCALARS = ['body', 'body_mime_type', 'channel', 'source_url', 'source_type', 'source_guid', 'severity'] as const;
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
      let supporter = await tx.findOne(Supporter, { suggestion: s, user });
      if (!supporter) {
        supporter = tx.create(Supporter, {
          suggestion: s,
          user,
          channel: input.get('channel') ?? 'api',
          isSubscribed: input.get('subscribe') ?? true,
          createdBy: actor,
          updatedBy: actor,
        });
        if (input.has('created_at')) supporter.createdAt = input.get('created_at')!;
        await addSupportedCount(tx.getKysely(), userId, 1);
      } else if (input.has('subscribe')) {
        supporter.isSubscribed = input.get('subscribe')!;
        supporter.updatedBy = actor;
      }
      const feedback = tx.create(Feedback, { body: input.get('body')!, suggestion: s, user, supporter, createdBy: actor, updatedBy: actor });
      assign(feedback, input);
      if (input.has('created_at')) feedback.createdAt = input.get('created_at')!;
      return feedback;
    },
    { errors, supportersOf: [userId] },
  ).then((feedback) => feedback.id);
}

/** PUT: the text and its source; who and what it is about stay. */
export async function updateFeedback(em: EntityManager, id: number, input: WriteInput<typeof feedbackDef>, actorId: number): Promise<number> {
  input.check(channelErrors(input));
  return writeTransaction(em, async (tx) => {
    const feedback = await tx.findOne(Feedback, id);
    if (!feedback) throw new RecordNotFoundError();
    assign(feedback, input);
    feedback.updatedBy = tx.getReference(User, actorId);
    await tx.flush();
    return feedback.id;
  });
}

/** Deleting a user's last feedback on a suggestion removes their support. */
export async function deleteFeedback(em: EntityManager, id: number): Promise<void> {
  const found = await em.getKysely<DB>().selectFrom('feedback').select(['suggestion_id', 'user_id']).where('id', '=', id).executeTakeFirst();
  if (!found) throw new RecordNotFoundError();
  await onSuggestion(
    em,
    found.suggestion_id,
    undefined,
    async (tx) => {
      const db = tx.getKysely<DB>();
      const deleted = await db.deleteFrom('feedback').where('id', '=', id).returning('supporter_id').executeTakeFirst();
      if (!deleted) throw new RecordNotFoundError();
      if (deleted.supporter_id == null) return;
      const rest = await db.selectFrom('feedback').select('id').where('supporter_id', '=', deleted.supporter_id).limit(1).executeTakeFirst();
      if (rest) return;
      await db.deleteFrom('supporters').where('id', '=', deleted.supporter_id).execute();
      await addSupportedCount(db, found.user_id, -1);
    },
    { supportersOf: [found.user_id] },
  );
}
