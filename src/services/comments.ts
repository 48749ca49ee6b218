import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Comment, User } from '../entities/index.ts';
import { RecordNotFoundError } from '../errors.ts';
import type { comments, COMMENT_UPDATE } from '../resources/comments.ts';
import type { WriteInput } from '../schema/write.ts';
import { COMMENT_STATES } from '../resources/comments.ts';
import { missingLinks, onSuggestion, targetSuggestion } from './engagement.ts';
import { recordActivity, type Activity } from './activity.ts';

export type CommentAction = 'approve' | 'spam' | 'unremove' | 'delete';

const STATE_AFTER: Record<CommentAction, string> = { approve: 'approved', spam: 'spam', unremove: 'approved', delete: 'deleted' };

/** Author: `links.created_by`, else the user the token acts for. `is_admin_comment` is fixed at writing. */
export async function createComment(em: EntityManager, input: WriteInput<typeof comments>, actorId: number): Promise<number> {
  const authorId = input.get('links.created_by') ?? actorId;
  const errors = await missingLinks(em, input, { 'links.created_by': User });
  return onSuggestion(
    em,
    targetSuggestion(input, errors),
    input,
    async (tx, s) => {
      const author = await tx.findOneOrFail(User, authorId);
      const comment = tx.create(Comment, {
        body: input.get('body')!,
        suggestion: s,
        createdBy: author,
        isAdminComment: author.isAdmin,
      });
      if (input.has('body_mime_type')) comment.bodyMimeType = input.get('body_mime_type')!;
      if (input.has('created_at')) comment.createdAt = input.get('created_at')!;
      await tx.flush();
      await recordActivity(tx.getKysely<DB>(), [
        { kind: 'comment_created', suggestionId: s.id, actorId, commentId: comment.id, newBody: comment.body, newState: comment.state ?? 'approved' },
      ]);
      return comment;
    },
    { errors, supportersOf: [authorId] },
  ).then((comment) => comment.id);
}

/** Moderation and (soft) DELETE: only approved comments count, so each recounts. */
export async function changeCommentState(em: EntityManager, id: number, action: CommentAction, actorId?: number): Promise<number> {
  const found = await em.getKysely<DB>().selectFrom('comments').select(['suggestion_id', 'created_by_id']).where('id', '=', id).executeTakeFirst();
  if (!found) throw new RecordNotFoundError();
  const authorId = found.created_by_id;
  return onSuggestion(
    em,
    found.suggestion_id,
    undefined,
    async (tx) => {
      // Re-read under the suggestion's lock: it may have gone meanwhile.
      const comment = await tx.findOne(Comment, id, { refresh: true });
      if (!comment) throw new RecordNotFoundError();
      const oldState = comment.state;
      comment.state = STATE_AFTER[action];
      if (comment.state !== oldState) {
        await recordActivity(tx.getKysely<DB>(), [
          { kind: 'comment_state_changed', suggestionId: found.suggestion_id, actorId, commentId: id, oldState, newState: comment.state },
        ]);
      }
      return comment.id;
    },
    { supportersOf: authorId == null ? [] : [authorId] },
  );
}

/**
 * PUT: `body`, `body_mime_type` and `state` (one of the moderation states, the same as the actions set).
 * The suggestion is locked and recounted like the actions: a state change moves `comments_count`.
 */
export async function updateComment(em: EntityManager, id: number, input: WriteInput<{ writable: typeof COMMENT_UPDATE }>, actorId?: number): Promise<number> {
  const found = await em.getKysely<DB>().selectFrom('comments').select(['suggestion_id', 'created_by_id']).where('id', '=', id).executeTakeFirst();
  if (!found) throw new RecordNotFoundError();
  const state = COMMENT_STATES.find((known) => known === input.get('state'));
  if (input.has('state') && !state) {
    input.errors.state = [`must be one of ${COMMENT_STATES.join(', ')}`];
  }
  if (input.has('body') && !String(input.get('body') ?? '').trim()) input.errors.body = ["can't be blank"];
  return onSuggestion(
    em,
    found.suggestion_id,
    input,
    async (tx) => {
      const comment = await tx.findOne(Comment, id, { refresh: true });
      if (!comment) throw new RecordNotFoundError();
      const before = { body: comment.body, state: comment.state };
      if (input.has('body')) comment.body = input.get('body')!;
      if (input.has('body_mime_type')) comment.bodyMimeType = input.get('body_mime_type')!;
      if (state) comment.state = state;
      const on = { suggestionId: found.suggestion_id, actorId, commentId: id };
      const entries: Activity[] = [];
      if (comment.body !== before.body) entries.push({ kind: 'comment_updated', ...on, oldBody: before.body, newBody: comment.body });
      if (comment.state !== before.state) entries.push({ kind: 'comment_state_changed', ...on, oldState: before.state, newState: comment.state });
      await recordActivity(tx.getKysely<DB>(), entries);
      return comment.id;
    },
    { supportersOf: found.created_by_id == null ? [] : [found.created_by_id] },
  );
}
