import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { emOf, type AppState } from '../http/state.ts';
import { permissionUpdates, permissions } from '../resources/permissions.ts';
import { createPermission, updatePermission } from '../services/permissions.ts';
import { pathId, respondWith } from './collection.ts';

/** /admin/permissions: list (filter `user`), get, create (makes the user an admin), update. No DELETE, as in UserVoice. */
export function permissionsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/permissions', async (ctx) => {
    const id = await createPermission(emOf(ctx), readInput(ctx, permissions, 'create'));
    await respondWith(ctx, permissions, [id], env);
  });
  router.put('/permissions/:id', async (ctx) => {
    const id = await updatePermission(emOf(ctx), pathId(ctx), readInput(ctx, permissionUpdates, 'update'));
    await respondWith(ctx, permissions, [id], env);
  });
  return router;
}
