import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { FeatureStatus, ProductArea } from '../entities/index.ts';
import { featureStatuses } from '../resources/feature-statuses.ts';
import { features } from '../resources/features.ts';
import { productAreas } from '../resources/product-areas.ts';
import { deleteFeature, deleteRoadmapRecord, saveFeature, saveFeatureStatus, saveProductArea } from '../services/features.ts';
import { readRoutes, writeRoutes } from './collection.ts';

/**
 * /admin/features (list, get, create, update, delete: UserVoice's), /admin/feature_statuses and
 * /admin/product_areas (list and get; their writes are our extension).
 */
export function featuresRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  readRoutes(router, productAreas, env);
  writeRoutes(router, productAreas, env, {
    save: (ctx, id, input) => saveProductArea(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteRoadmapRecord(emOf(ctx), ProductArea, id),
  });
  readRoutes(router, featureStatuses, env);
  writeRoutes(router, featureStatuses, env, {
    save: (ctx, id, input) => saveFeatureStatus(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteRoadmapRecord(emOf(ctx), FeatureStatus, id),
  });
  readRoutes(router, features, env);
  writeRoutes(router, features, env, {
    save: (ctx, id, input) => saveFeature(emOf(ctx), id, input, authOf(ctx).userId),
    remove: (ctx, id) => deleteFeature(emOf(ctx), id),
  });
  return router;
}
