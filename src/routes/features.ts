import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { featureStatuses } from '../resources/feature-statuses.ts';
import { features } from '../resources/features.ts';
import { productAreas } from '../resources/product-areas.ts';
import { deleteFeature, featureStatusRules, productAreaRules, saveFeature } from '../services/features.ts';
import { crudRoutes, writeRoutes } from './collection.ts';

/**
 * /admin/features (list, get, create, update, delete: UserVoice's), /admin/feature_statuses and
 * /admin/product_areas (list and get; their writes are our extension).
 */
export function featuresRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  crudRoutes(router, productAreas, env, productAreaRules);
  crudRoutes(router, featureStatuses, env, featureStatusRules);
  writeRoutes(router, features, env, {
    save: (ctx, id, input) => saveFeature(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteFeature(emOf(ctx), id),
  });
  return router;
}
