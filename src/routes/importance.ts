import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { importanceScores } from '../resources/importance.ts';
import { deleteImportanceScore, saveImportanceScore } from '../services/importance.ts';
import { pathId, respondWith, snapshot } from './collection.ts';

/**
 * /admin/importance_responses (read-only) and /admin/importance_scores; creating and deleting scores is
 * our extension (README).
 */
export function importanceRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/importance_scores', async (ctx) => {
    const id = await saveImportanceScore(emOf(ctx), readInput(ctx, importanceScores, 'create'), authOf(ctx).userId);
    await respondWith(ctx, importanceScores, [id], env);
  });
  router.delete('/importance_scores/:id', async (ctx) => {
    const id = pathId(ctx);
    const body = await snapshot(ctx, importanceScores, id, env);
    await deleteImportanceScore(emOf(ctx), id);
    ctx.body = body;
  });
  return router;
}
