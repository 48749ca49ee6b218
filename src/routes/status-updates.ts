import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { statusUpdates } from '../resources/status-updates.ts';
import { createStatusUpdate, deleteStatusUpdate, updateStatusUpdate } from '../services/status-updates.ts';
import { writeRoutes } from './collection.ts';

/** /admin/status_updates: list, get, create (which can change the suggestion's status), update, delete. */
export function statusUpdatesRouter({ env, clock }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  writeRoutes(router, statusUpdates, env, {
    save: (ctx, id, input) =>
      id === undefined ? createStatusUpdate(emOf(ctx), input, authOf(ctx).userId, new Date(clock())) : updateStatusUpdate(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteStatusUpdate(emOf(ctx), id, authOf(ctx).userId),
  });
  return router;
}
