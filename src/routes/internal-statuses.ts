import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { internalFlags } from '../resources/internal-flags.ts';
import { internalStatusUpdates } from '../resources/internal-status-updates.ts';
import { createInternalFlag, createInternalStatusUpdate, deleteInternalFlag } from '../services/internal-statuses.ts';
import { pathId, respondWith, snapshot } from './collection.ts';

/**
 * Writes to /admin/internal_status_updates and /admin/internal_flags (UserVoice serves them read-only,
 * Airbyte's streams; the writes are our extension, README). Their reads, and every route of
 * /admin/internal_statuses (`crud: true`), come from the registry (routes/resources.ts).
 */
export function internalStatusesRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/internal_status_updates', async (ctx) => {
    const id = await createInternalStatusUpdate(emOf(ctx), readInput(ctx, internalStatusUpdates, 'create'), authOf(ctx).userId);
    await respondWith(ctx, internalStatusUpdates, [id], env);
  });
  router.post('/internal_flags', async (ctx) => {
    const id = await createInternalFlag(emOf(ctx), readInput(ctx, internalFlags, 'create'), authOf(ctx).userId);
    await respondWith(ctx, internalFlags, [id], env);
  });
  router.delete('/internal_flags/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, internalFlags, id, env);
    await deleteInternalFlag(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
