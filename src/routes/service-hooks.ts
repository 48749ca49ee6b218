import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { emOf, type AppState } from '../http/state.ts';
import { serviceHooks } from '../resources/service-hooks.ts';
import { deleteServiceHook, saveServiceHook } from '../services/service-hooks.ts';
import { respondWith, writeRoutes } from './collection.ts';

/**
 * /admin/service_hooks: CRUD. The secret is write-only: reads show its last four characters; the create
 * answer alone carries it whole (one made up when none was given must reach the caller once).
 */
export function serviceHooksRouter({ env }: AppDeps): Router<AppState> {
  // Reads are mounted from the registry (routes/resources.ts).
  const router = new Router<AppState>();
  // Registered before writeRoutes, whose create it replaces (the first matching route answers).
  router.post(`/${serviceHooks.type}`, async (ctx) => {
    const { id, secret } = await saveServiceHook(emOf(ctx), undefined, readInput(ctx, serviceHooks, 'create'));
    await respondWith(ctx, serviceHooks, [id], env);
    (ctx.body as { service_hooks: Array<Record<string, unknown>> }).service_hooks[0]!.secret = secret;
  });
  writeRoutes(router, serviceHooks, env, {
    save: async (ctx, id, input) => (await saveServiceHook(emOf(ctx), id, input)).id,
    remove: (ctx, id) => deleteServiceHook(emOf(ctx), id),
  });
  return router;
}
