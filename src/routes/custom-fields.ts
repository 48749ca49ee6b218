import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { emOf, type AppState } from '../http/state.ts';
import { customFields, customFieldUpdates } from '../resources/custom-fields.ts';
import { deleteCustomField, saveCustomField } from '../services/custom-fields.ts';
import { pathId, readRoutes, respondWith, snapshot } from './collection.ts';

/** /admin/custom_fields: list, get, create, update (name and key only), delete. */
export function customFieldsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, customFields, env);
  router.post('/custom_fields', async (ctx) => {
    const id = await saveCustomField(emOf(ctx), undefined, readInput(ctx, customFields, 'create'));
    await respondWith(ctx, customFields, [id], env);
  });
  router.put('/custom_fields/:id', async (ctx) => {
    const id = await saveCustomField(emOf(ctx), pathId(ctx), readInput(ctx, customFieldUpdates, 'update'));
    await respondWith(ctx, customFields, [id], env);
  });
  router.delete('/custom_fields/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, customFields, id, env);
    await deleteCustomField(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
