import Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { comments } from '../resources/comments.ts';
import { changeCommentState, createComment, type CommentAction } from '../services/comments.ts';
import { pathId, readRoutes, respondWith } from './collection.ts';

const ACTIONS: readonly CommentAction[] = ['approve', 'spam', 'unremove'];

/** /admin/comments: list, get, create, (soft) delete and the moderation actions. */
export function commentsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, comments, env);
  router.post('/comments', async (ctx) => {
    const id = await createComment(emOf(ctx), readInput(ctx, comments, 'create'), authOf(ctx).userId);
    await respondWith(ctx, comments, [id], env);
  });
  router.delete('/comments/:id', async (ctx) => {
    const id = await changeCommentState(emOf(ctx), pathId(ctx), 'delete');
    await respondWith(ctx, comments, [id], env);
  });
  for (const action of ACTIONS) {
    router.put(`/comments/:id/${action}`, async (ctx) => {
      const id = await changeCommentState(emOf(ctx), pathId(ctx), action);
      await respondWith(ctx, comments, [id], env);
    });
  }
  return router;
}
