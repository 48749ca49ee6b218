import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { messages, supporterMessages } from '../resources/supporter-messages.ts';
import { createSupporterMessage } from '../services/supporter-messages.ts';
import { respondWith } from './collection.ts';

/** /admin/supporter_messages (Airbyte's name) and /admin/messages (the SDK's): list, get, create. */
export function supporterMessagesRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  for (const def of [supporterMessages, messages]) {
    router.post(`/${def.type}`, async (ctx) => {
      const id = await createSupporterMessage(emOf(ctx), readInput(ctx, def, 'create'), authOf(ctx).userId);
      await respondWith(ctx, def, [id], env);
    });
  }
  return router;
}
