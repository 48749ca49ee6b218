import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { emOf, type AppState } from '../http/state.ts';
import { categories } from '../resources/categories.ts';
import { statuses } from '../resources/statuses.ts';
import { deleteCategory, deleteStatus, saveCategory, saveStatus } from '../services/catalog.ts';
import { writeRoutes } from './collection.ts';

/**
 * /admin/categories, /admin/statuses (and /admin/forums, a `crud: true` declaration served from the
 * registry). UserVoice serves forums and statuses read-only; their writes are our extension (a
 * self-hosted board has no other admin UI to create them).
 */
export function catalogRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  writeRoutes(router, categories, env, {
    save: (ctx, id, input) => saveCategory(emOf(ctx), id, input),
    remove: (ctx, id) => deleteCategory(emOf(ctx), id),
  });
  writeRoutes(router, statuses, env, {
    save: (ctx, id, input) => saveStatus(emOf(ctx), id, input),
    remove: (ctx, id) => deleteStatus(emOf(ctx), id),
  });
  return router;
}
