import type { EntityManager } from '@mikro-orm/sql';
import type { EntityName } from '@mikro-orm/core';
import type { Suggestion } from '../entities/index.ts';
import { ValidationError } from '../errors.ts';
import type { Input } from '../schema/input.ts';
import { recountEngagement, recountSupporters } from './counters.ts';
import { lockSuggestions } from './suggestions.ts';

type FieldErrors = Record<string, string[]>;

export interface OnSuggestionOptions {
  /** Field errors found before the lock (e.g. missingLinks), answered together with the input's own. */
  errors?: FieldErrors;
  /** Users whose supporter rows on the suggestion the write can change. */
  supportersOf?: readonly number[];
}

/**
 * Runs a write to a record that hangs off a suggestion (comment, note, status update, feedback) with the
 * suggestion's row locked, then recounts what the write can change. With `input`, every field error is
 * answered in one 422 before anything is written, including a suggestion that does not exist.
 */
export async function onSuggestion<T>(
  em: EntityManager,
  suggestionId: number,
  input: Input | undefined,
  write: (tx: EntityManager, s: Suggestion) => Promise<T>,
  options: OnSuggestionOptions = {},
): Promise<T> {
  return lockSuggestions(
    em,
    [suggestionId],
    async (tx, locked) => {
      input?.check(options.errors);
      const s = locked.get(suggestionId)!;
      const result = await write(tx, s);
      await tx.flush();
      await recountEngagement(tx.getKysely(), [s.id]);
      if (options.supportersOf) await recountSupporters(tx.getKysely(), [s.id], options.supportersOf);
      return result;
    },
    () => new ValidationError({ ...options.errors, ...input?.errors, 'links.suggestion': ['does not exist'] }),
  );
}

/** `links.suggestion` of a create: throws the collected 422 if it is missing or malformed. */
export function targetSuggestion(input: Input<{ 'links.suggestion'?: number }>, errors: FieldErrors = {}): number {
  if (!input.has('links.suggestion') || input.errors['links.suggestion']) input.check(errors);
  return input.get('links.suggestion')!;
}

/**
 * `does not exist` for each given link whose id names no record, checked before the suggestion is locked
 * so one 422 can name them all. (Users are never deleted; a status deleted in between only loses the
 * race to a foreign key error.)
 */
export async function missingLinks(em: EntityManager, input: Input, links: Record<string, EntityName>): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  for (const [field, entity] of Object.entries(links)) {
    const id = input.get(field);
    if (typeof id === 'number' && (await em.count(entity, { id } as never)) === 0) errors[field] = ['does not exist'];
  }
  return errors;
}
