import Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { users } from '../resources/users.ts';
import { findOrCreateUser, saveUser, setUserBlocked } from '../services/users.ts';
import { pathId, readRoutes, respondWith } from './collection.ts';

/** /admin/users: list, get, current, find_or_create, block/unblock; create and update (name, email, password). */
export function usersRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  // Registered before readRoutes so `current` is not taken for an id.
  router.get('/users/current', async (ctx) => {
    await respondWith(ctx, users, [authOf(ctx).userId], env);
  });
  router.post('/users/find_or_create', async (ctx) => {
    const id = await findOrCreateUser(emOf(ctx), readInput(ctx, users, 'create'));
    await respondWith(ctx, users, [id], env);
  });
  readRoutes(router, users, env);
  router.post('/users', async (ctx) => {
    const id = await saveUser(emOf(ctx), undefined, readInput(ctx, users, 'create'));
    await respondWith(ctx, users, [id], env);
  });
  router.put('/users/:id', async (ctx) => {
    const id = await saveUser(emOf(ctx), pathId(ctx), readInput(ctx, users, 'update'));
    await respondWith(ctx, users, [id], env);
  });
  for (const [action, blocked] of [['block', true], ['unblock', false]] as const) {
    router.put(`/users/:id/${action}`, async (ctx) => {
      const id = await setUserBlocked(emOf(ctx), pathId(ctx), blocked);
      await respondWith(ctx, users, [id], env);
    });
  }
  return router;
}
