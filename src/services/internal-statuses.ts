import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { InternalFlag, InternalStatus, InternalStatusUpdate, User } from '../entities/index.ts';
import { RecordNotFoundError, ValidationError } from '../errors.ts';
import type { Input } from '../schema/input.ts';
import type { internalFlags } from '../resources/internal-flags.ts';
import type { internalStatusUpdates } from '../resources/internal-status-updates.ts';
import type { WriteInput } from '../schema/write.ts';
import { busy } from '../db/errors.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { recountInternal } from './counters.ts';
import { lockSuggestions } from './suggestions.ts';
import type { Suggestion } from '../entities/index.ts';

/** Internal statuses, their updates on suggestions, and internal flags: all writes are our extension. */

/**
 * Moves a suggestion to an internal status (`null` clears it). The update records the status before
 * (the previous update's) and after, and becomes the suggestion's `last_internal_status_update`
 * (newest by created_at; counters.recountEngagement) under the suggestion's row lock.
 */
export async function createInternalStatusUpdate(em: EntityManager, input: WriteInput<typeof internalStatusUpdates>, actorId: number): Promise<number> {
  const errors = await missingLinks(em, input, { 'links.internal_status': InternalStatus });
  const update = await onSuggestion(em, targetSuggestion(input, errors), input, async (tx, s) => {
    // Required: present once the input checked (null clears the status).
    const id = input.get('links.internal_status') ?? null;
    const status = id === null ? null : await tx.findOne(InternalStatus, id, { refresh: true });
    // Deleted since missingLinks looked.
    if (id !== null && !status) throw new ValidationError({ 'links.internal_status': ['does not exist'] });
    const previous = await tx
      .getKysely<DB>()
      .selectFrom('internal_status_updates')
      .select('new_internal_status_id')
      .where('suggestion_id', '=', s.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const oldId = previous?.new_internal_status_id ?? null;
    const created = tx.create(InternalStatusUpdate, {
      suggestion: s,
      createdBy: tx.getReference(User, actorId),
      oldInternalStatus: oldId === null ? null : tx.getReference(InternalStatus, oldId),
      newInternalStatus: status,
      name: status?.name ?? null,
      hexColor: status?.hexColor ?? null,
    });
    if (input.has('created_at')) created.createdAt = input.get('created_at')!;
    await tx.flush();
    await recountInternal(tx.getKysely(), [s.id]);
    return created;
  }, { errors });
  return update.id;
}

class ParentMoved extends Error {}
const FLAG_ATTEMPTS = 3;

/**
 * A flag write (not through engagement.onSuggestion, which locks one suggestion): counts on the suggestion (`internal_flags_count`, `last_internal_flag_at`) and, when it
 * is merged, on its merge target (`all_internal_flags_count`). Both rows are locked (in id order, by
 * lockSuggestions) and recounted; a merge that moved the suggestion between reading its target and
 * taking the locks makes the write start again.
 */
async function onFlagged<T>(
  em: EntityManager,
  suggestionId: number,
  write: (tx: EntityManager, s: Suggestion) => Promise<T>,
  missing: () => Error,
  input?: Input,
  errors?: Record<string, string[]>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const row = await em.getKysely<DB>().selectFrom('suggestions').select('parent_suggestion_id').where('id', '=', suggestionId).executeTakeFirst();
    const parent = row?.parent_suggestion_id ?? null;
    const ids = parent === null ? [suggestionId] : [suggestionId, parent];
    try {
      return await lockSuggestions(em, ids, async (tx, locked) => {
        input?.check(errors);
        const s = locked.get(suggestionId)!;
        if ((s.parentSuggestion?.id ?? null) !== parent) throw new ParentMoved();
        const result = await write(tx, s);
        await tx.flush();
        await recountInternal(tx.getKysely(), ids);
        return result;
      }, missing);
    } catch (error) {
      if (!(error instanceof ParentMoved)) throw error;
      if (attempt >= FLAG_ATTEMPTS) throw busy();
    }
  }
}

export async function createInternalFlag(em: EntityManager, input: WriteInput<typeof internalFlags>, actorId: number): Promise<number> {
  const errors = await missingLinks(em, input, { 'links.user': User });
  const suggestionId = targetSuggestion(input, errors);
  const flag = await onFlagged(
    em,
    suggestionId,
    async (tx, s) => {
      const user = input.get('links.user');
      return tx.create(InternalFlag, {
        suggestion: s,
        reason: input.get('reason') ?? null,
        user: user == null ? null : tx.getReference(User, user),
        createdBy: tx.getReference(User, actorId),
      });
    },
    () => new ValidationError({ ...errors, ...input.errors, 'links.suggestion': ['does not exist'] }),
    input,
    errors,
  );
  return flag.id;
}

export async function deleteInternalFlag(em: EntityManager, id: number): Promise<void> {
  const row = await em.getKysely<DB>().selectFrom('internal_flags').select('suggestion_id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new RecordNotFoundError();
  await onFlagged(
    em,
    row.suggestion_id,
    async (tx) => {
      const deleted = await tx.getKysely<DB>().deleteFrom('internal_flags').where('id', '=', id).executeTakeFirst();
      if (deleted.numDeletedRows === 0n) throw new RecordNotFoundError();
    },
    () => new RecordNotFoundError(),
  );
}
