import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Checks a reply against the server's own OpenAPI document (`GET /api/v2/openapi.json`): the path and
 * method must be documented, the status must be one of the operation's responses, its required headers
 * must be there (integer ones as digits), and a JSON body must satisfy that response's schema. test/helpers/http.ts calls it on every request when OPENAPI_VALIDATE=1
 * (`OPENAPI_VALIDATE=1 npm test` runs the whole API suite so); test/api/openapi.test.ts always does.
 */
type Json = Record<string, any>;

interface Loaded {
  /** The document's ETag: the cache is revalidated on every check (below). */
  etag: string | null;
  doc: Json;
  ajv: Ajv2020;
  /** Templates, most specific (most literal characters) first. */
  paths: Array<{ template: string; pattern: RegExp; literal: number }>;
  validators: Map<string, ValidateFunction>;
}

/**
 * Documents by base URL, revalidated by ETag on every check: test files share a worker's modules
 * (vitest.config.ts, `isolate: false`), and a server started later may get the port, so the URL, of one
 * that has closed — with another document (test/api/adding-a-resource.test.ts adds a collection).
 */
const loaded = new Map<string, Promise<Loaded>>();

async function load(baseUrl: string, cached: Loaded | undefined): Promise<Loaded> {
  const response = await fetch(`${baseUrl}/api/v2/openapi.json`, { headers: cached?.etag ? { 'If-None-Match': cached.etag } : {} });
  if (response.status === 304 && cached) return cached;
  if (response.status !== 200) throw new Error(`GET /api/v2/openapi.json answered ${response.status}: ${await response.text()}`);
  const etag = response.headers.get('etag');
  const doc = (await response.json()) as Json;
  // Formats are annotations here: timestamps carry a pattern; request-side formats are not checked.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'openapi.json');
  const paths = Object.keys(doc.paths as Json).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
    literal: template.replace(/\{\w+\}/g, '').length,
  }));
  paths.sort((a, b) => b.literal - a.literal);
  return { etag, doc, ajv, paths, validators: new Map() };
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface CheckedReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Throws, naming the operation and every violation, when the reply does not match the document. */
export async function checkAgainstOpenApi(baseUrl: string, method: string, url: string, reply: CheckedReply): Promise<void> {
  const previous = await loaded.get(baseUrl)?.catch(() => undefined);
  const promise = load(baseUrl, previous);
  loaded.set(baseUrl, promise);
  const { doc, ajv, paths, validators } = await promise;
  const pathname = new URL(url, 'http://x').pathname;
  const verb = method.toLowerCase();
  const where = `${method} ${pathname} → ${reply.status}`;
  const candidates = paths.filter((p) => p.pattern.test(pathname));
  // An undocumented path or method must be answered by the 404/405 error renderer, in the error envelope.
  const match = candidates.find((p) => doc.paths[p.template][verb]);
  if (!match) {
    if (reply.status !== 404 && reply.status !== 405) throw new Error(`OpenAPI: ${where}: no operation documents this path and method`);
    return checkSchema(ajv, validators, 'openapi.json#/components/schemas/error', reply.body, where);
  }
  const responses = doc.paths[match.template][verb].responses as Json;
  const status = String(reply.status);
  let response = responses[status] ?? responses.default;
  if (!response) throw new Error(`OpenAPI: ${where}: status not documented for ${verb.toUpperCase()} ${match.template} (documented: ${Object.keys(responses).join(', ')})`);
  let base = pointer('paths', match.template, verb, 'responses', responses[status] ? status : 'default');
  if (response.$ref) {
    base = (response.$ref as string).slice(2);
    response = base.split('/').reduce((node: Json, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  checkHeaders(doc, response.headers ?? {}, reply.headers, where);
  const json = response.content?.['application/json'];
  if (!json?.schema) return;
  if (reply.body === undefined) throw new Error(`OpenAPI: ${where}: documented as JSON, but the body is not JSON`);
  await checkSchema(ajv, validators, `openapi.json#/${base}/${pointer('content', 'application/json', 'schema')}`, reply.body, where);
}

/** Every header the response documents as required is there, and an integer header holds digits. */
function checkHeaders(doc: Json, documented: Json, headers: Headers, where: string): void {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(documented)) {
    const header = entry.$ref ? (entry.$ref as string).slice(2).split('/').reduce((node: Json, key) => node[key], doc) : entry;
    const value = headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`${name} is missing`);
    } else if (header.schema?.type === 'integer' && !/^-?\d+$/.test(value)) {
      problems.push(`${name} is ${JSON.stringify(value)}, not an integer`);
    }
  }
  if (problems.length > 0) throw new Error(`OpenAPI: ${where}: headers do not match the document: ${problems.join('; ')}`);
}

async function checkSchema(ajv: Ajv2020, validators: Map<string, ValidateFunction>, ref: string, body: unknown, where: string): Promise<void> {
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  if (!validate(body)) {
    const errors = (validate.errors ?? []).slice(0, 10).map((e) => `  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`OpenAPI: ${where}: the body does not match the document:\n${errors.join('\n')}\nbody: ${JSON.stringify(body).slice(0, 500)}`);
  }
}
