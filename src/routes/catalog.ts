import Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { categories } from '../resources/categories.ts';
import { forums } from '../resources/forums.ts';
import { statuses } from '../resources/statuses.ts';
import { deleteCategory, deleteForum, deleteStatus, saveCategory, saveForum, saveStatus } from '../services/catalog.ts';
import { pathId, readRoutes, respondWith, snapshot } from './collection.ts';

/**
 * /admin/forums, /admin/categories, /admin/statuses. UserVoice serves forums and statuses read-only;
 * their writes are our extension (a self-hosted board has no other admin UI to create them).
 */
export function catalogRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();

  readRoutes(router, forums, env);
  router.post('/forums', async (ctx) => {
    const id = await saveForum(emOf(ctx), undefined, readInput(ctx, forums, 'create'), authOf(ctx).userId);
    await respondWith(ctx, forums, [id], env);
  });
  router.put('/forums/:id', async (ctx) => {
    const id = await saveForum(emOf(ctx), pathId(ctx), readInput(ctx, forums, 'update'), authOf(ctx).userId);
    await respondWith(ctx, forums, [id], env);
  });
  router.delete('/forums/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, forums, id, env);
    await deleteForum(emOf(ctx), id);
    ctx.body = body;
  });

  readRoutes(router, categories, env);
  router.post('/categories', async (ctx) => {
    const id = await saveCategory(emOf(ctx), undefined, readInput(ctx, categories, 'create'));
    await respondWith(ctx, categories, [id], env);
  });
  router.put('/categories/:id', async (ctx) => {
    const id = await saveCategory(emOf(ctx), pathId(ctx), readInput(ctx, categories, 'update'));
    await respondWith(ctx, categories, [id], env);
  });
  router.delete('/categories/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, categories, id, env);
    await deleteCategory(emOf(ctx), id);
    ctx.body = body;
  });

  readRoutes(router, statuses, env);
  router.post('/statuses', async (ctx) => {
    const id = await saveStatus(emOf(ctx), undefined, readInput(ctx, statuses, 'create'));
    await respondWith(ctx, statuses, [id], env);
  });
  router.put('/statuses/:id', async (ctx) => {
    const id = await saveStatus(emOf(ctx), pathId(ctx), readInput(ctx, statuses, 'update'));
    await respondWith(ctx, statuses, [id], env);
  });
  router.delete('/statuses/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, statuses, id, env);
    await deleteStatus(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
