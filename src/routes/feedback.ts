import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { feedback, feedbackRecords, requests } from '../resources/feedback.ts';
import { createFeedback, deleteFeedback, updateFeedback } from '../services/feedback.ts';
import { writeRoutes } from './collection.ts';

/**
 * The feedback collection under its three historical names (/admin/feedback, /admin/requests,
 * /admin/feedback_records), and /admin/supporters, which feedback creates and removes (read-only).
 */
export function feedbackRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  for (const def of [feedback, requests, feedbackRecords]) {
    writeRoutes(router, def, env, {
      save: (ctx, id, input) =>
        id === undefined ? createFeedback(emOf(ctx), input, authOf(ctx).userId) : updateFeedback(emOf(ctx), id, input, authOf(ctx).userId),
      remove: (ctx, id) => deleteFeedback(emOf(ctx), id, authOf(ctx).userId),
    });
  }
  return router;
}
