import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { segmentedValues } from '../resources/segmented-values.ts';
import { segments } from '../resources/segments.ts';
import { deleteSegmentedValue, saveSegmentedValue, segmentRules } from '../services/segments.ts';
import { crudRoutes, writeRoutes } from './collection.ts';

/**
 * /admin/segments and /admin/segmented_values: list and get (from the registry) and create (UserVoice);
 * update and delete are our extension (README).
 */
export function segmentsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  crudRoutes(router, segments, env, segmentRules);
  writeRoutes(router, segmentedValues, env, {
    save: (ctx, id, input) => saveSegmentedValue(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteSegmentedValue(emOf(ctx), id),
  });
  return router;
}
