import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Status, StatusUpdate, User } from '../entities/index.ts';
import { RecordNotFoundError, ValidationError } from '../errors.ts';
import type { statusUpdates } from '../resources/status-updates.ts';
import type { WriteInput } from '../schema/write.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { applyStatus, shareStatuses } from './suggestions.ts';
import { writeTransaction } from '../db/transaction.ts';
import { recordActivity } from './activity.ts';

/**
 * Posts the team's answer. With `links.status` it also moves the suggestion to that status (closing or
 * reopening it); either way it records the status before and after and becomes the suggestion's
 * `last_status_update` (the newest by created_at, see counters.recountEngagement).
 */
export async function createStatusUpdate(em: EntityManager, input: WriteInput<typeof statusUpdates>, actorId: number, now: Date): Promise<number> {
  const errors = await missingLinks(em, input, { 'links.status': Status });
  return onSuggestion(em, targetSuggestion(input, errors), input, async (tx, s) => {
    let status = s.status ?? null;
    if (input.has('links.status')) {
      const id = input.get('links.status')!;
      if (id !== null) await shareStatuses(tx, [id]);
      status = id === null ? null : await tx.findOne(Status, id, { refresh: true });
      // Deleted since missingLinks looked.
      if (id !== null && !status) throw new ValidationError({ 'links.status': ['does not exist'] });
    }
    const update = tx.create(StatusUpdate, {
      body: input.get('body')!,
      suggestion: s,
      user: tx.getReference(User, actorId),
      oldStatus: s.status ?? null,
      newStatus: status,
      notifySupporters: input.get('notify_supporters') ?? false,
      notificationEmailAddress: input.get('notification_email_address') ?? null,
    });
    if (input.has('created_at')) update.createdAt = input.get('created_at')!;
    if (input.has('links.status')) applyStatus(s, status, now);
    await tx.flush();
    await recordActivity(tx.getKysely<DB>(), [
      {
        kind: 'status_update_created',
        suggestionId: s.id,
        actorId,
        statusUpdateId: update.id,
        newBody: update.body,
        oldStatusId: update.oldStatus?.id ?? null,
        newStatusId: update.newStatus?.id ?? null,
      },
    ]);
    return update;
  }, { errors }).then((update) => update.id);
}

/** PUT changes the text only: the recorded statuses are history. */
export async function updateStatusUpdate(em: EntityManager, id: number, input: WriteInput<typeof statusUpdates>, actorId?: number): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const update = await tx.findOne(StatusUpdate, id);
    if (!update) throw new RecordNotFoundError();
    input.check();
    const oldBody = update.body;
    if (input.has('body')) update.body = input.get('body')!;
    if (update.body !== oldBody) {
      await recordActivity(tx.getKysely<DB>(), [
        { kind: 'status_update_updated', suggestionId: update.suggestion.id, actorId, statusUpdateId: id, oldBody, newBody: update.body },
      ]);
    }
    if (input.has('notification_email_address')) update.notificationEmailAddress = input.get('notification_email_address') ?? null;
    await tx.flush();
    return update.id;
  });
}

/** Deleting the newest update makes the one before it the suggestion's last; the status stays. */
export async function deleteStatusUpdate(em: EntityManager, id: number, actorId?: number): Promise<void> {
  const found = await em.getKysely<DB>().selectFrom('status_updates').select('suggestion_id').where('id', '=', id).executeTakeFirst();
  if (!found) throw new RecordNotFoundError();
  await onSuggestion(em, found.suggestion_id, undefined, async (tx) => {
    const deleted = await tx.getKysely<DB>().deleteFrom('status_updates').where('id', '=', id).returning(['body', 'old_status_id', 'new_status_id']).executeTakeFirst();
    if (!deleted) throw new RecordNotFoundError();
    // The entry outlives the update, so it carries what it said rather than a link to it.
    await recordActivity(tx.getKysely<DB>(), [
      { kind: 'status_update_deleted', suggestionId: found.suggestion_id, actorId, oldBody: deleted.body, oldStatusId: deleted.old_status_id, newStatusId: deleted.new_status_id },
    ]);
  });
}
