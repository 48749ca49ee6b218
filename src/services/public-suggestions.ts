import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../resources/rows.ts';

/** Suggestions anyone may see: moderated in (not new, spam or deleted). */
export const PUBLIC_STATES = ['approved', 'published', 'closed'] as const;

/**
 * The condition a publishable key's reads and feedback are held to: a public suggestion (PUBLIC_STATES)
 * in a public forum (`is_public` and not `is_private`). `table` is the suggestions table's name or alias.
 */
export function publicSuggestion(table: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(`${table}.state`)} in (${sql.join([...PUBLIC_STATES])}) and exists (select 1 from forums pf where pf.id = ${sql.ref(`${table}.forum_id`)} and pf.is_public and not pf.is_private))`;
}

/** Whether the suggestion exists and is public (one statement). */
export async function isPublicSuggestion(db: AnyDb, id: number): Promise<boolean> {
  const row = await db.selectFrom('suggestions').select('suggestions.id').where('suggestions.id', '=', id).where(publicSuggestion('suggestions')).executeTakeFirst();
  return row !== undefined;
}
