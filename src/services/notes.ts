import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Note, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { notes } from '../resources/notes.ts';
import type { WriteInput } from '../schema/write.ts';
import { claimAttachments, linkAttachments } from './attachments.ts';
import { onSuggestion, targetSuggestion } from './engagement.ts';
import { writeTransaction } from '../db/transaction.ts';
import { recordActivity } from './activity.ts';
import { nowOf } from '../db/clock.ts';

const tokensOf = (input: WriteInput<typeof notes>) => input.get('attachment_tokens') ?? [];

/** A note, with the uploads its `attachment_tokens` name (claimed first, linked once it has an id). */
export async function createNote(em: EntityManager, input: WriteInput<typeof notes>, actorId: number): Promise<number> {
  // Unknown tokens are named with every other field error; the claim under the lock decides the rest.
  const tokens = tokensOf(input);
  const known = tokens.length === 0 ? [] : await em.getKysely<DB>().selectFrom('attachments').select('token').where('token', 'in', tokens).execute();
  const errors: Record<string, string[]> = known.length < tokens.length ? { attachment_tokens: ['contains an unknown token'] } : {};
  return onSuggestion(em, targetSuggestion(input, errors), input, async (tx, s) => {
    const claim = await claimAttachments(tx, tokensOf(input), undefined);
    input.check(claim.errors);
    const note = tx.create(Note, { body: input.get('body')!, suggestion: s, createdBy: tx.getReference(User, actorId) });
    if (input.has('body_mime_type')) note.bodyMimeType = input.get('body_mime_type')!;
    await tx.flush();
    await linkAttachments(tx, claim.ids, { noteId: note.id });
    await recordActivity(tx.getKysely<DB>(), [{ kind: 'note_created', suggestionId: s.id, actorId, noteId: note.id, newBody: note.body }]);
    return note.id;
  }, { errors });
}

/** PUT: body, mime type, and more attachments. */
export async function updateNote(em: EntityManager, id: number, input: WriteInput<typeof notes>, actorId?: number): Promise<number> {
  return writeTransaction(em, async (tx) => {
    const note = await tx.findOne(Note, id);
    if (!note) throw new RecordNotFoundError();
    const claim = await claimAttachments(tx, tokensOf(input), { noteId: id });
    input.check(claim.errors);
    const oldBody = note.body;
    if (input.has('body')) note.body = input.get('body')!;
    if (note.body !== oldBody) {
      await recordActivity(tx.getKysely<DB>(), [{ kind: 'note_updated', suggestionId: note.suggestion.id, actorId, noteId: id, oldBody, newBody: note.body }]);
    }
    if (input.has('body_mime_type')) note.bodyMimeType = input.get('body_mime_type')!;
    await linkAttachments(tx, claim.ids, { noteId: id });
    // Attachments alone change no column of the note: stamp it so incremental syncs see the change.
    note.updatedAt = nowOf(tx);
    return note.id;
  });
}
