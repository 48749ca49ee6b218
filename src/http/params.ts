import type { AppContext } from './state.ts';

const MAX_INCLUDES = 50;

/**
 * `includes` as a comma list, repeated keys, or (in bodies) a JSON array. Unknown names are kept here and
 * ignored by the document builder: real clients send names we may not serve.
 */
export function parseIncludes(ctx: AppContext): Set<string> {
  const raw: unknown[] = [];
  const add = (value: unknown) => (Array.isArray(value) ? raw.push(...value) : raw.push(value));
  add(ctx.query.includes);
  const body = ctx.request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) add(body.includes);
  const names = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'string') continue;
    for (const name of value.split(',')) {
      const trimmed = name.trim();
      if (trimmed && names.size < MAX_INCLUDES) names.add(trimmed);
    }
  }
  return names;
}
