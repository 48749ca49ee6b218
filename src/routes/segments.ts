import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { segmentedValues } from '../resources/segmented-values.ts';
import { segments } from '../resources/segments.ts';
import { deleteSegment, deleteSegmentedValue, saveSegment, saveSegmentedValue } from '../services/segments.ts';
import { readRoutes, writeRoutes } from './collection.ts';

/**
 * /admin/segments and /admin/segmented_values: list, get and create (UserVoice); update and delete are
 * our extension (README).
 */
export function segmentsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, segments, env);
  writeRoutes(router, segments, env, {
    save: (ctx, id, input) => saveSegment(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteSegment(emOf(ctx), id),
  });
  readRoutes(router, segmentedValues, env);
  writeRoutes(router, segmentedValues, env, {
    save: (ctx, id, input) => saveSegmentedValue(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteSegmentedValue(emOf(ctx), id),
  });
  return router;
}
