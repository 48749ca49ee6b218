import { hash } from 'node:crypto';
import type { AppMiddleware } from './state.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A strong validator: a hash of the exact body bytes (same bytes, same ETag, in every process). */
export function etagOf(bytes: Buffer): string {
  return `"${hash('sha1', bytes, 'base64url')}"`;
}

/**
 * RFC 9110 §13.1.2: does the request's If-None-Match name this ETag (weak comparison, `*` for any)? Judged
 * here rather than by Koa's `ctx.fresh`, which calls everything stale when the request says
 * `Cache-Control: no-cache` — and fetch() adds exactly that to every request carrying If-None-Match.
 * That directive is for caches on the way; an origin server still answers the condition.
 */
export function noneMatch(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

/**
 * `ETag` on every successful GET (and HEAD) with a body in memory, and `304 Not Modified` (no body, the
 * same ETag, every other header as usual, e.g. X-Rate-Limit-*) when the request's `If-None-Match` names
 * it. The body is serialised here, once, exactly as Koa would (JSON.stringify), so the hash covers the
 * bytes sent. Streams (downloads) are left alone. A body the response cache served or stored already
 * carries its ETag.
 */
export function etag(): AppMiddleware {
  return async (ctx, next) => {
    await next();
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.status !== 200) return;
    let body = ctx.body;
    if (body === null || body === undefined) return;
    if (!ctx.response.get('ETag')) {
      if (typeof body === 'string') body = Buffer.from(body);
      else if (!Buffer.isBuffer(body)) {
        if (typeof (body as { pipe?: unknown }).pipe === 'function' || body instanceof Blob || body instanceof ReadableStream || body instanceof Response) return;
        const type = ctx.response.get('Content-Type');
        body = Buffer.from(JSON.stringify(body));
        ctx.body = body;
        ctx.type = type || JSON_TYPE;
      }
      ctx.set('ETag', etagOf(body as Buffer));
    }
    if (noneMatch(ctx.get('If-None-Match'), ctx.response.get('ETag'))) ctx.status = 304;
  };
}
