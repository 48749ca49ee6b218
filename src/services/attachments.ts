import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Attachment, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import { sanitizeFileName, type UploadedFile } from '../storage/uploaded.ts';
import type { Logger } from '../log.ts';
import type { BlobStore } from '../storage/index.ts';
import { writeTransaction } from '../db/transaction.ts';
import { sqlNow } from '../db/clock.ts';

/** Records the stored file; if the row cannot be written, the bytes go too. */
export async function createAttachment(em: EntityManager, store: BlobStore, file: UploadedFile, userId: number): Promise<number> {
  try {
    return await writeTransaction(em, async (tx) => {
      const attachment = tx.create(Attachment, {
        token: randomBytes(16).toString('hex'),
        fileName: sanitizeFileName(file.originalName),
        contentType: file.contentType,
        sizeInBytes: file.size,
        sha256: file.sha256,
        storageKey: file.key,
        createdBy: tx.getReference(User, userId),
      });
      await tx.flush();
      return attachment.id;
    });
  } catch (error) {
    await store.delete(file.key);
    throw error;
  }
}

/** Removes the row, then the bytes (a crash in between leaves an orphan blob for the sweeper, never a dangling row). */
export async function deleteAttachment(em: EntityManager, store: BlobStore, id: number): Promise<void> {
  const row = await writeTransaction(em, (tx) =>
    tx.getKysely<DB>().deleteFrom('attachments').where('id', '=', id).returning(['storage_key']).executeTakeFirst(),
  );
  if (!row) throw new RecordNotFoundError();
  await store.delete(row.storage_key);
  await store.delete(`${row.storage_key}.thumb`);
}

const PARTIAL_UPLOAD_AGE_MS = 15 * 60 * 1000;

export type AttachmentOwner = { suggestionId: number } | { noteId: number };

/**
 * Locks the attachments the tokens name (FOR UPDATE) inside the caller's transaction and checks each
 * can go to `owner`: it exists and is unlinked, or already belongs to that owner. Two requests linking
 * one token serialize on the row lock; the second then sees it taken, so exactly one wins.
 * Returns the field errors (empty when all is well) and the attachment ids.
 */
export async function claimAttachments(
  tx: EntityManager,
  tokens: readonly string[],
  owner: AttachmentOwner | undefined,
): Promise<{ ids: number[]; errors: Record<string, string[]> }> {
  if (tokens.length === 0) return { ids: [], errors: {} };
  const rows = await tx
    .getKysely<DB>()
    .selectFrom('attachments')
    .select(['id', 'token', 'suggestion_id', 'note_id'])
    .where('token', 'in', [...tokens])
    // In id order, as every writer locks rows (services/suggestions.ts lockSuggestions).
    .orderBy('id')
    .forUpdate()
    .execute();
  const mine = (r: (typeof rows)[number]) =>
    owner !== undefined &&
    ('suggestionId' in owner ? r.suggestion_id === owner.suggestionId && r.note_id == null : r.note_id === owner.noteId && r.suggestion_id == null);
  const messages: string[] = [];
  if (rows.length < new Set(tokens).size) messages.push('contains an unknown token');
  if (rows.some((r) => (r.suggestion_id != null || r.note_id != null) && !mine(r))) messages.push('contains a token already linked to another record');
  return { ids: rows.map((r) => r.id), errors: messages.length ? { attachment_tokens: messages } : {} };
}

/** Links claimed attachments to their owner (same transaction as the claim). */
export async function linkAttachments(tx: EntityManager, ids: readonly number[], owner: AttachmentOwner): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .getKysely<DB>()
    .updateTable('attachments')
    .set('suggestionId' in owner ? { suggestion_id: owner.suggestionId } : { note_id: owner.noteId })
    .set({ updated_at: sqlNow })
    .where('id', 'in', [...ids])
    .execute();
}

/**
 * Removes unlinked uploads older than `ttlSeconds` (row, then bytes), blobs no row points at, and
 * temp files of interrupted uploads. Returns what it removed.
 */
export async function sweepAttachments(em: EntityManager, store: BlobStore, ttlSeconds: number, now: Date, log?: Logger) {
  const cutoff = new Date(now.getTime() - ttlSeconds * 1000);
  const db = em.getKysely<DB>();
  const expired = await db
    .deleteFrom('attachments')
    .where('suggestion_id', 'is', null)
    .where('note_id', 'is', null)
    .where('created_at', '<', cutoff)
    .returning(['storage_key'])
    .execute();
  for (const { storage_key } of expired) {
    await store.delete(storage_key);
    await store.delete(`${storage_key}.thumb`);
  }
  // Blobs without a row: a crash between storing the bytes and committing the row. Only old ones, so an
  // upload in flight (bytes stored, row not yet committed) is never taken.
  let orphans = 0;
  for await (const key of store.list(cutoff)) {
    const base = key.replace(/\.thumb$/, '');
    const row = await db.selectFrom('attachments').select('id').where('storage_key', '=', base).executeTakeFirst();
    if (!row) {
      await store.delete(key);
      orphans++;
    }
  }
  // A temp file still being written has a fresh mtime; one untouched for this long belongs to a dead upload.
  const partial = await store.sweepPartial(new Date(now.getTime() - PARTIAL_UPLOAD_AGE_MS));
  const result = { expired: expired.length, orphans, partial };
  if (result.expired + result.orphans + result.partial > 0) log?.info('attachment sweep', result);
  return result;
}

