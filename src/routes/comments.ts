import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { COMMENT_UPDATE, comments } from '../resources/comments.ts';
import { changeCommentState, createComment, updateComment, type CommentAction } from '../services/comments.ts';
import { pathId, respondWith } from './collection.ts';
import { writeBody } from '../openapi/document.ts';
import { action, type Operations } from '../openapi/spec.ts';

const ACTIONS: readonly CommentAction[] = ['approve', 'spam', 'unremove'];

/** /admin/comments: list, get, create, update, (soft) delete and the moderation actions. */
export function commentsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/comments', async (ctx) => {
    const id = await createComment(emOf(ctx), readInput(ctx, comments, 'create'), authOf(ctx).userId);
    await respondWith(ctx, comments, [id], env);
  });
  router.put('/comments/:id', async (ctx) => {
    const id = await updateComment(emOf(ctx), pathId(ctx), readInput(ctx, { ...comments, writable: COMMENT_UPDATE }, 'update'), authOf(ctx).userId);
    await respondWith(ctx, comments, [id], env);
  });
  router.delete('/comments/:id', async (ctx) => {
    const id = await changeCommentState(emOf(ctx), pathId(ctx), 'delete', authOf(ctx).userId);
    await respondWith(ctx, comments, [id], env);
  });
  for (const action of ACTIONS) {
    router.put(`/comments/:id/${action}`, async (ctx) => {
      const id = await changeCommentState(emOf(ctx), pathId(ctx), action, authOf(ctx).userId);
      await respondWith(ctx, comments, [id], env);
    });
  }
  return router;
}

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const commentsOperations: Operations = {
  'PUT /api/v2/admin/comments/{id}': { ...action('comments', 'Update a comment'), requestBody: writeBody(comments, 'update', COMMENT_UPDATE) },
  'DELETE /api/v2/admin/comments/{id}': action('comments', 'Delete a comment', 'Marks it `deleted` and answers with it.'),
  ...Object.fromEntries(ACTIONS.map((name) => [`PUT /api/v2/admin/comments/{id}/${name}`, action('comments', `${name[0]!.toUpperCase()}${name.slice(1)} a comment`)])),
};
