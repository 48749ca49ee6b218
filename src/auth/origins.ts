/**
 * Allowed browser origins of a publishable key (`clients create --publishable --origins …`): a request
 * whose `Origin` is not one of them is refused (http/access.ts, routes/oauth.ts) and gets no CORS
 * header. A key without a list may be used from any origin. Requests without an `Origin` (not from a
 * browser page, or from the API's own origin) are not restricted: any other program can send whatever
 * Origin it likes, so this protects the key from other sites' pages, not from scripts.
 */
export const MAX_ORIGINS = 50;
const MAX_ORIGIN_LENGTH = 255;

export class OriginListError extends Error {}

/** `scheme://host[:port]` of a URL without path, query, fragment or credentials, or undefined. */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
  return url.origin.length <= MAX_ORIGIN_LENGTH ? url.origin : undefined;
}

/** A comma (or space) list of origins, normalized and deduplicated; throws OriginListError naming a bad one. */
export function parseOrigins(list: string): string[] {
  const items = list.split(/[\s,]+/).filter((item) => item !== '');
  if (items.length === 0) throw new OriginListError('--origins needs at least one origin (or "any")');
  const origins = items.map((item) => {
    const origin = normalizeOrigin(item);
    if (!origin) throw new OriginListError(`"${item}" is not an origin: scheme://host[:port], http or https, no path`);
    return origin;
  });
  const unique = [...new Set(origins)];
  if (unique.length > MAX_ORIGINS) throw new OriginListError(`at most ${MAX_ORIGINS} origins`);
  return unique;
}

/** Stored form: the comma list, or null for "any origin". */
export const storedOrigins = (origins: readonly string[] | null): string | null => (origins ? origins.join(',') : null);
export const originsOf = (stored: string | null | undefined): string[] | null => (stored ? stored.split(',') : null);

/** True when a request with this `Origin` header (undefined or '' when none) may use the key. */
export function originAllowed(allowed: readonly string[] | null, header: string | undefined): boolean {
  if (!allowed || !header) return true;
  const origin = normalizeOrigin(header);
  return origin !== undefined && allowed.includes(origin);
}
