import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { feedback, feedbackRecords, requests } from '../resources/feedback.ts';
import { createFeedback, deleteFeedback, updateFeedback } from '../services/feedback.ts';
import { writeRoutes } from './collection.ts';
import { ValidationError } from '../errors.ts';
import { PUBLIC_WRITE } from '../http/access.ts';
import type { Input } from '../http/input.ts';
import type { AnyDb } from '../resources/rows.ts';
import { isPublicSuggestion } from '../services/public-suggestions.ts';

/**
 * A publishable key gives feedback (votes) on public suggestions of public forums only; any other
 * suggestion is one it cannot see, so it "does not exist" (as a missing one would).
 */
async function checkPublicTarget(ctx: AppContext, input: Input): Promise<void> {
  const id = input.get('links.suggestion');
  if (typeof id !== 'number') return; // absent or invalid: readInput/createFeedback report it
  if (!(await isPublicSuggestion(emOf(ctx).getKysely() as AnyDb, id))) throw new ValidationError({ 'links.suggestion': ['does not exist'] });
}

/**
 * The feedback collection under its three historical names (/admin/feedback, /admin/requests,
 * /admin/feedback_records), and /admin/supporters, which feedback creates and removes (read-only).
 * Creating feedback is open to publishable keys (on public suggestions); nothing else here is.
 */
export function feedbackRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  for (const def of [feedback, requests, feedbackRecords]) {
    writeRoutes(
      router,
      def,
      env,
      {
        async save(ctx, id, input) {
          if (id !== undefined) return updateFeedback(emOf(ctx), id, input, authOf(ctx).userId);
          if (authOf(ctx).publishable) await checkPublicTarget(ctx, input);
          return createFeedback(emOf(ctx), input, authOf(ctx).userId);
        },
        remove: (ctx, id) => deleteFeedback(emOf(ctx), id, authOf(ctx).userId),
      },
      { create: PUBLIC_WRITE },
    );
  }
  return router;
}
