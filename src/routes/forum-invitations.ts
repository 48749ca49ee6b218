import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { forumInvitations } from '../resources/forum-invitations.ts';
import { createForumInvitations, deleteForumInvitation } from '../services/forum-invitations.ts';
import { pathId, respondWith, snapshot } from './collection.ts';

/** /admin/forum_invitations: list, get, create (one per address), delete (answers it as it was). */
export function forumInvitationsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/forum_invitations', async (ctx) => {
    const ids = await createForumInvitations(emOf(ctx), readInput(ctx, forumInvitations, 'create'), authOf(ctx).userId);
    await respondWith(ctx, forumInvitations, ids, env);
  });
  router.delete('/forum_invitations/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, forumInvitations, id, env);
    await deleteForumInvitation(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
