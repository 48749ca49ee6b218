import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { authOf, emOf, type AppContext, type AppState } from '../http/state.ts';
import { feedback, feedbackRecords, requests } from '../resources/feedback.ts';
import { createFeedback, deleteFeedback, updateFeedback } from '../services/feedback.ts';
import { writeRoutes } from './collection.ts';
import { ValidationError } from '../errors.ts';
import { PUBLIC_WRITE } from '../http/access.ts';
import { readInput } from '../http/input.ts';
import type { WriteInput } from '../schema/write.ts';
import type { AnyDb } from '../resources/rows.ts';
import type { ResourceDef } from '../resources/define.ts';
import { publicSubmitter } from '../services/users.ts';
import { isPublicSuggestion } from '../services/public-suggestions.ts';

/**
 * A publishable key gives feedback (votes) on public suggestions of public forums only; any other
 * suggestion is one it cannot see, so it "does not exist" (as a missing one would).
 */
async function checkPublicTarget(ctx: AppContext, input: WriteInput<typeof feedback>): Promise<void> {
  const id = input.get('links.suggestion');
  if (typeof id !== 'number') return; // absent or invalid: readInput/createFeedback report it
  if (!(await isPublicSuggestion(emOf(ctx).getKysely() as AnyDb, id))) throw new ValidationError({ 'links.suggestion': ['does not exist'] });
}

/** What a publishable key names the submitter by, instead of `links.user` (see publicSubmitterOf). */
const SUBMITTER_FIELDS = {
  user_email: { type: 'email', max: 320, required: true },
  user_name: { type: 'string', max: 255, nullable: true },
} as const satisfies ResourceDef['writable'];
export const PUBLIC_USER_REFUSAL = "can't be used with a publishable key";

/**
 * A browser (publishable key) names who gives the feedback by `user_email` (and `user_name`), never by
 * `links.user`: any id would let a page vote as anyone. The user is found by address or created, with
 * no rights; an address of an admin, the owner, a user with a permission grant or a blocked user is
 * refused. The submitter is also the feedback's creator (`created_by`).
 */
async function publicSubmitterOf(ctx: AppContext, def: ResourceDef, input: WriteInput<typeof feedback>): Promise<number> {
  const fields = readInput(ctx, { ...def, writable: SUBMITTER_FIELDS }, 'create');
  const sentUser = input.has('links.user') || (input.errors['links.user'] ?? []).some((error) => error !== "can't be blank");
  delete input.errors['links.user'];
  const errors: Record<string, string[]> = { ...fields.errors };
  if (sentUser) errors['links.user'] = ["can't be set with a publishable key: send user_email"];
  input.check(errors);
  const userId = await publicSubmitter(emOf(ctx), fields.get('user_email')!, fields.get('user_name') ?? null);
  if (userId === undefined) throw new ValidationError({ user_email: [PUBLIC_USER_REFUSAL] });
  input.set('links.user', userId);
  return userId;
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
          if (!authOf(ctx).publishable) return createFeedback(emOf(ctx), input, authOf(ctx).userId);
          await checkPublicTarget(ctx, input);
          return createFeedback(emOf(ctx), input, await publicSubmitterOf(ctx, def, input));
        },
        remove: (ctx, id) => deleteFeedback(emOf(ctx), id, authOf(ctx).userId),
      },
      { create: PUBLIC_WRITE },
    );
  }
  return router;
}
