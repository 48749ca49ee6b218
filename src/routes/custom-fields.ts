import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { customFields, customFieldUpdates } from '../resources/custom-fields.ts';
import { crud } from '../services/crud.ts';
import { customFieldRules } from '../services/custom-fields.ts';
import { pathId, respondWith, snapshot } from './collection.ts';

/** /admin/custom_fields: list and get (from the registry), create, update (name and key only), delete. */
export function customFieldsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const service = crud(customFields, customFieldRules);
  router.post('/custom_fields', async (ctx) => {
    const id = await service.save(emOf(ctx), undefined, readInput(ctx, customFields, 'create'), { userId: authOf(ctx).userId });
    await respondWith(ctx, customFields, [id], env);
  });
  router.put('/custom_fields/:id', async (ctx) => {
    const id = await service.save(emOf(ctx), pathId(ctx), readInput(ctx, customFieldUpdates, 'update'), { userId: authOf(ctx).userId });
    await respondWith(ctx, customFields, [id], env);
  });
  router.delete('/custom_fields/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, customFields, id, env);
    await service.remove(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
