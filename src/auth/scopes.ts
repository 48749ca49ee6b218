/**
 * What an API client's tokens may do. `read` covers GET, `write` creates, updates and deletes, `admin`
 * covers account administration (the audit log, permission grants). A route needs exactly one of them
 * (http/access.ts); scopes do not imply each other, so a `write`-only key cannot read lists.
 */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Every scope: clients created before scopes existed have these (the column default). */
export const ALL_SCOPES = SCOPES.join(',');

export class ScopesError extends Error {}

/** `read,write` → ['read', 'write'] in canonical order; an unknown or empty list is refused. */
export function parseScopes(text: string): Scope[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(SCOPES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new ScopesError(`Unknown scope ${unknown.join(', ')} (scopes: ${SCOPES.join(', ')})`);
  if (names.length === 0) throw new ScopesError(`No scope given (scopes: ${SCOPES.join(', ')})`);
  return SCOPES.filter((scope) => names.includes(scope));
}

/** The stored column as a list; a value no code wrote (edited by hand) grants nothing it does not name. */
export function storedScopes(text: string): Scope[] {
  return SCOPES.filter((scope) => text.split(',').includes(scope));
}
