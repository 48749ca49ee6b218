import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { emOf, type AppState } from '../http/state.ts';
import { npsRatings } from '../resources/nps-ratings.ts';
import { createNpsRating } from '../services/nps-ratings.ts';
import { respondWith } from './collection.ts';

/** /admin/nps_ratings: list, get, create (UserVoice has no update or delete for ratings). */
export function npsRatingsRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/nps_ratings', async (ctx) => {
    const id = await createNpsRating(emOf(ctx), readInput(ctx, npsRatings, 'create'));
    await respondWith(ctx, npsRatings, [id], env);
  });
  return router;
}
