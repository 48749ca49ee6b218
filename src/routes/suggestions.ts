import Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { suggestions } from '../resources/suggestions.ts';
import { changeSuggestionState, createSuggestion, updateSuggestion, type SuggestionAction } from '../services/suggestions.ts';
import { pathId, readRoutes, respondWith } from './collection.ts';

const ACTIONS: readonly SuggestionAction[] = ['approve', 'publish', 'spam', 'unremove'];

/** /admin/suggestions: list, get, create, update, (soft) delete and the moderation actions. */
export function suggestionsRouter({ env, clock }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const now = () => new Date(clock());
  readRoutes(router, suggestions, env);
  router.post('/suggestions', async (ctx) => {
    const id = await createSuggestion(emOf(ctx), readInput(ctx, suggestions, 'create'), authOf(ctx).userId, now());
    await respondWith(ctx, suggestions, [id], env);
  });
  router.put('/suggestions/:id', async (ctx) => {
    const id = await updateSuggestion(emOf(ctx), pathId(ctx), readInput(ctx, suggestions, 'update'), now());
    await respondWith(ctx, suggestions, [id], env);
  });
  router.delete('/suggestions/:id', async (ctx) => {
    const id = await changeSuggestionState(emOf(ctx), pathId(ctx), 'delete', now());
    await respondWith(ctx, suggestions, [id], env);
  });
  for (const action of ACTIONS) {
    router.put(`/suggestions/:id/${action}`, async (ctx) => {
      const id = await changeSuggestionState(emOf(ctx), pathId(ctx), action, now());
      await respondWith(ctx, suggestions, [id], env);
    });
  }
  return router;
}
