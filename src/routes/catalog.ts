import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { categories } from '../resources/categories.ts';
import { forums } from '../resources/forums.ts';
import { statuses } from '../resources/statuses.ts';
import { deleteCategory, deleteForum, deleteStatus, saveCategory, saveForum, saveStatus } from '../services/catalog.ts';
import { readRoutes, writeRoutes } from './collection.ts';

/**
 * /admin/forums, /admin/categories, /admin/statuses. UserVoice serves forums and statuses read-only;
 * their writes are our extension (a self-hosted board has no other admin UI to create them).
 */
export function catalogRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, forums, env);
  writeRoutes(router, forums, env, {
    save: (ctx, id, input) => saveForum(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteForum(emOf(ctx), id),
  });
  readRoutes(router, categories, env);
  writeRoutes(router, categories, env, {
    save: (ctx, id, input) => saveCategory(emOf(ctx), id, input),
    remove: (ctx, id) => deleteCategory(emOf(ctx), id),
  });
  readRoutes(router, statuses, env);
  writeRoutes(router, statuses, env, {
    save: (ctx, id, input) => saveStatus(emOf(ctx), id, input),
    remove: (ctx, id) => deleteStatus(emOf(ctx), id),
  });
  return router;
}
