import type { EntityManager } from '@mikro-orm/sql';
import type { Suggestion } from '../entities/index.ts';
import { ValidationError } from '../http/errors.ts';
import type { Input } from '../http/input.ts';
import { recountEngagement, recountSupporters } from './counters.ts';
import { lockSuggestions } from './suggestions.ts';

/**
 * Runs a write to a record that hangs off a suggestion (comment, note, status update, feedback) with the
 * suggestion's row locked, then recounts what the write can change. `links.suggestion` must be valid
 * input; a suggestion that does not exist is a 422 naming it alongside any other field errors.
 */
export async function onSuggestion<T>(
  em: EntityManager,
  suggestionId: number,
  input: Input | undefined,
  write: (tx: EntityManager, s: Suggestion) => Promise<T>,
  recount: { supportersOf?: readonly number[] } = {},
): Promise<T> {
  return lockSuggestions(
    em,
    [suggestionId],
    async (tx, locked) => {
      const s = locked.get(suggestionId)!;
      const result = await write(tx, s);
      await tx.flush();
      await recountEngagement(tx.getKysely(), [s.id]);
      if (recount.supportersOf) await recountSupporters(tx.getKysely(), [s.id], recount.supportersOf);
      return result;
    },
    () => new ValidationError({ ...input?.errors, 'links.suggestion': ['does not exist'] }),
  );
}

/** `links.suggestion` of a create: throws the collected 422 if it is missing or malformed. */
export function targetSuggestion(input: Input): number {
  if (!input.has('links.suggestion') || input.errors['links.suggestion']) input.check();
  return input.get('links.suggestion') as number;
}
