import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { MikroORM } from '@mikro-orm/sql';
import { ormOptions } from '../../mikro-orm.config.ts';
import { createApp } from '../app.ts';
import { createUrlSigner } from '../auth/url-signing.ts';
import { loadConfig } from '../config.ts';
import { pgliteExtensions } from '../db/pglite-extensions.ts';
import { createRateLimits } from '../limits/limiters.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { localStore } from '../storage/local.ts';

/**
 * The README's endpoint table, written from the OpenAPI document (which is read from the router):
 * one row per path in the router's order, its methods, and its note (the path item's description,
 * src/openapi/notes.ts). `npm run generate` rewrites it between the markers; test/api/endpoints.test.ts
 * fails while it is stale.
 */
export const README = path.resolve(import.meta.dirname, '../../README.md');
export const BEGIN = '<!-- endpoints:begin (written by `npm run generate` from the OpenAPI document; do not edit) -->';
export const END = '<!-- endpoints:end -->';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `/api/v2/admin/<collection>/…` → its collection; other paths stand alone. */
const groupOf = (p: string) => /^\/api\/v2\/admin\/(\w+)/.exec(p)?.[1] ?? p;
/** Within a collection: the list, then `{ids}`, then `{id}`, then the rest in the router's order. */
const rankIn = (p: string) => (/^\/api\/v2\/admin\/\w+$/.test(p) ? 0 : p.endsWith('/{ids}') ? 1 : p.endsWith('/{id}') ? 2 : 3);

/** The markdown table of every path of an OpenAPI document, grouped by collection in the router's order. */
export function endpointTable(doc: { paths: Record<string, Record<string, unknown>> }): string {
  const order = Object.keys(doc.paths);
  const groups = [...new Set(order.map(groupOf))];
  const sorted = [...order].sort((a, b) => groups.indexOf(groupOf(a)) - groups.indexOf(groupOf(b)) || rankIn(a) - rankIn(b) || order.indexOf(a) - order.indexOf(b));
  const rows = sorted.map((p) => {
    const item = doc.paths[p]!;
    const methods = Object.keys(item)
      .filter((key) => METHODS.includes(key))
      .map((m) => m.toUpperCase())
      .sort();
    const note = typeof item.description === 'string' ? item.description : '';
    return `| \`${p}\` | ${methods.join(', ')} | ${note.replace(/\|/g, '\\|')} |`.replace(/ +\|$/, ' |');
  });
  return ['| path | methods | notes |', '|---|---|---|', ...rows].join('\n');
}

/** README text with the table between the markers replaced. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, start + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

/**
 * The document as the app serves it, from the app's own routers over an empty in-memory database
 * (nothing is queried: the document reads the router and the entity metadata).
 */
export async function servedDocument(): Promise<{ paths: Record<string, Record<string, unknown>> }> {
  const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-generate-'));
  const pglite = await PGlite.create({ extensions: pgliteExtensions });
  const config = loadConfig({ LOG_LEVEL: 'silent', UPLOADS_DIR: uploads, PUBLIC_URL: 'http://localhost:3000' });
  const log = createLogger('silent');
  const orm = await MikroORM.init(ormOptions(config, { pglite }));
  const limits = await createRateLimits({ config, orm, log });
  const urls = createUrlSigner('generate', config.publicUrl!, Date.now);
  const app = createApp({
    config,
    orm,
    log,
    signingKey: 'generate',
    clock: Date.now,
    env: { publicUrl: config.publicUrl!, signedUrl: urls.sign },
    urls,
    store: localStore(uploads),
    limits,
    metrics: createMetrics(orm),
  });
  const server = http.createServer(app.callback());
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/api/v2/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /api/v2/openapi.json answered ${response.status}`);
    return (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await limits.close();
    await orm.close(true);
    if (!pglite.closed) await pglite.close();
    fs.rmSync(uploads, { recursive: true, force: true });
  }
}

/** Rewrites the README's endpoint table if it differs; true when it was written. */
export async function writeReadmeTable(): Promise<boolean> {
  const current = fs.readFileSync(README, 'utf8');
  const next = withTable(current, endpointTable(await servedDocument()));
  if (next === current) return false;
  fs.writeFileSync(README, next);
  return true;
}

// `npm run generate` (after the indexes): the server must load, so the indexes come first.
if (import.meta.main && (await writeReadmeTable())) process.stdout.write('wrote README.md (endpoint table)\n');
