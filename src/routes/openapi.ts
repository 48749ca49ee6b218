import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Router from '@koa/router';
import type { AppState } from '../http/state.ts';
import type { Columns } from '../openapi/columns.ts';
import { buildOpenApi } from '../openapi/document.ts';
import { pathNotes } from '../openapi/notes.ts';
import type { Operation, Operations } from '../openapi/spec.ts';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

/**
 * The reference page's script: Scalar's standalone browser bundle, from node_modules (never a CDN). Its
 * default web fonts and telemetry are off, so the page makes no request beyond this server; the CSP below
 * makes the browser refuse any that it would try.
 */
// The package exports no subpath for it: found beside its main entry (dist/index.js).
const BUNDLE = path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');
const INIT = `Scalar.createApiReference('#app', { url: './openapi.json', withDefaultFonts: false, telemetry: false, hideClientButton: true });`;
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${createHash('sha256').update(INIT).digest('base64')}'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');
const PAGE = `<!doctype html>
<html>
  <head>
    <title>Admin API v2 reference</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <div id="app"></div>
    <script src="./docs/scalar.js"></script>
    <script>${INIT}</script>
  </body>
</html>
`;

const html = (summary: string): Operation => ({ summary, security: [], tags: ['reference'], responses: { 200: { description: summary, content: { 'text/html': {} } } } });

export const openApiOperations: Operations = {
  'GET /api/v2/openapi.json': {
    summary: 'This document',
    tags: ['reference'],
    security: [],
    responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
  },
  'GET /api/v2/docs': html('The interactive API reference'),
  'GET /api/v2/docs/scalar.js': {
    summary: "The reference page's script (served from the installed package)",
    tags: ['reference'],
    security: [],
    responses: { 200: { description: 'JavaScript', content: { 'text/javascript': {} } } },
  },
};

/**
 * `GET /api/v2/openapi.json` (built on first request from `root`, the app's root router, once every
 * route is mounted, and from the entities' column nullability) and the reference page `GET /api/v2/docs`. No token: they describe the API, they
 * expose no data.
 */
export interface OpenApiSource {
  /** Hand-written entries for the routes that are not plain collection routes (openapi/operations.ts). */
  operations: Operations;
  publicUrl: string;
  /** Column nullability, read when the document is first built (the ORM has discovered the entities). */
  columns: () => Columns;
  /** Whether the per-client limiter is on (admin responses then carry X-Rate-Limit-*). */
  rateLimited: boolean;
}

export function openApiRouter(root: () => Router<AppState>, { operations, publicUrl, columns, rateLimited }: OpenApiSource): Router<AppState> {
  const router = new Router<AppState>();
  let document: string | undefined;
  router.get('/api/v2/openapi.json', (ctx) => {
    document ??= JSON.stringify(buildOpenApi({ router: root(), operations: { ...operations, ...openApiOperations }, publicUrl, version, columns: columns(), notes: pathNotes, rateLimited }));
    ctx.type = 'application/json';
    ctx.body = document;
  });
  router.get('/api/v2/docs', (ctx) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.type = 'text/html';
    ctx.body = PAGE;
  });
  router.get('/api/v2/docs/scalar.js', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = 'text/javascript';
    ctx.body = fs.createReadStream(BUNDLE);
  });
  return router;
}
