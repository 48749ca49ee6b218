import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { users } from '../resources/users.ts';
import { findOrCreateUser, saveUser, setUserBlocked } from '../services/users.ts';
import { pathId, respondWith } from './collection.ts';
import { writeBody } from '../openapi/document.ts';
import { action, envelopeResponses, type Operations } from '../openapi/spec.ts';

/** /admin/users: list, get, current, find_or_create, block/unblock; create and update (name, email, password). */
export function usersRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  // This router is mounted before the registry's reads (routes/resources.ts), so `current` is not taken for an id.
  router.get('/users/current', async (ctx) => {
    await respondWith(ctx, users, [authOf(ctx).userId], env);
  });
  router.post('/users/find_or_create', async (ctx) => {
    const id = await findOrCreateUser(emOf(ctx), readInput(ctx, users, 'create'));
    await respondWith(ctx, users, [id], env);
  });
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

/** OpenAPI entries for the routes above that are not plain collection routes (src/openapi). */
export const usersOperations: Operations = {
  'GET /api/v2/admin/users/current': { summary: "The token's user", tags: ['users'], responses: envelopeResponses('users') },
  'POST /api/v2/admin/users/find_or_create': {
    summary: 'Find a user by email, or create one',
    tags: ['users'],
    requestBody: writeBody(users, 'create'),
    responses: envelopeResponses('users', ['413', '422']),
  },
  'PUT /api/v2/admin/users/{id}/block': action('users', 'Block a user'),
  'PUT /api/v2/admin/users/{id}/unblock': action('users', 'Unblock a user'),
};
