import type { AppContext, AppMiddleware } from './state.ts';

/**
 * CORS is open for publishable keys only. A preflight carries no credentials, so every preflight to the
 * API is answered (it reveals nothing); the actual response then carries Access-Control-Allow-Origin only
 * when a publishable key authenticated it (http/auth.ts, routes/oauth.ts), so a browser can read answers
 * given to publishable keys and no others. `*` is safe here: browsers send no cookies to this API, the
 * token travels in the Authorization header the page sets itself.
 */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key';
const EXPOSED_HEADERS = 'X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset, Retry-After, WWW-Authenticate';
/** Publishable keys read and create; nothing else is worth a preflight. */
const ALLOWED_METHODS = 'GET, POST';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Marks a response as readable from any origin (a publishable key's). */
export function allowBrowsers(ctx: AppContext): void {
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}

/** Answers CORS preflights (OPTIONS with Origin and Access-Control-Request-Method) under `prefixes`. */
export function corsPreflight(prefixes: readonly string[]): AppMiddleware {
  return async (ctx, next) => {
    const preflight = ctx.method === 'OPTIONS' && ctx.get('Origin') && ctx.get('Access-Control-Request-Method');
    if (!preflight || !prefixes.some((prefix) => ctx.path === prefix || ctx.path.startsWith(`${prefix}/`))) {
      await next();
      return;
    }
    ctx.status = 204;
    ctx.set({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
    });
  };
}
