import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { access, ADMIN_ONLY } from '../http/access.ts';
import { readInput } from '../http/input.ts';
import { emOf, type AppState } from '../http/state.ts';
import { serviceHooks } from '../resources/service-hooks.ts';
import { deleteServiceHook, saveServiceHook } from '../services/service-hooks.ts';
import { respondWith, writeRoutes } from './collection.ts';

/**
 * /admin/service_hooks: CRUD. Writes need the admin scope (a hook sends every change it names to a URL
 * of the caller's choosing); reads need read. The secret is write-only: reads show its last four characters; the create
 * answer alone carries it whole (one made up when none was given must reach the caller once).
 */
export function serviceHooksRouter({ env, config }: AppDeps): Router<AppState> {
  const allowPrivate = config.hookAllowPrivateUrls;
  // Reads are mounted from the registry (routes/resources.ts).
  const router = new Router<AppState>();
  // Registered before writeRoutes, whose create it replaces (the first matching route answers).
  router.post(`/${serviceHooks.type}`, access(ADMIN_ONLY), async (ctx) => {
    const { id, secret } = await saveServiceHook(emOf(ctx), undefined, readInput(ctx, serviceHooks, 'create'), allowPrivate);
    await respondWith(ctx, serviceHooks, [id], env);
    (ctx.body as { service_hooks: Array<Record<string, unknown>> }).service_hooks[0]!.secret = secret;
  });
  writeRoutes(
    router,
    serviceHooks,
    env,
    {
      save: async (ctx, id, input) => (await saveServiceHook(emOf(ctx), id, input, allowPrivate)).id,
      remove: (ctx, id) => deleteServiceHook(emOf(ctx), id),
    },
    { change: ADMIN_ONLY },
  );
  return router;
}
