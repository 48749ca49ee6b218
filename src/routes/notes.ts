import Router from '@koa/router';
import type { AppDeps } from '../deps.ts';
import { readInput } from '../http/input.ts';
import { authOf, emOf, type AppState } from '../http/state.ts';
import { notes } from '../resources/notes.ts';
import { createNote, updateNote } from '../services/notes.ts';
import { pathId, respondWith } from './collection.ts';

/** /admin/notes: list, get, create, update (UserVoice has no DELETE for notes). */
export function notesRouter({ env }: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post('/notes', async (ctx) => {
    const id = await createNote(emOf(ctx), readInput(ctx, notes, 'create'), authOf(ctx).userId);
    await respondWith(ctx, notes, [id], env);
  });
  router.put('/notes/:id', async (ctx) => {
    const id = await updateNote(emOf(ctx), pathId(ctx), readInput(ctx, notes, 'update'), authOf(ctx).userId);
    await respondWith(ctx, notes, [id], env);
  });
  return router;
}
