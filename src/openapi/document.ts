/**
 * The OpenAPI 3.1 document (`GET /api/v2/openapi.json`), generated from two sources that the server
 * itself runs on, so it cannot describe a route that does not exist or miss one that does:
 *
 * - the router: every path and method is read from the application's routers' own stacks;
 * - the resource declarations (src/resources/*.ts): record schemas from `fields` and `links`, list
 *   parameters from `filters` and `sorts`, request bodies from `writable`.
 *
 * Plain collection routes (`/admin/<type>` list and create, `/admin/<type>/{ids}` get,
 * `/admin/<type>/{id}` update and delete) are described generically. Every other route needs a
 * hand-written entry exported next to its declaration (`xxxOperations` in src/routes/*.ts);
 * a route with neither is an error, so the document cannot fall behind the router.
 *
 * Record schemas are mapped from the declarations here (the read path validates nothing, so there is
 * no schema object to convert); a value is nullable only where its entity column is (or a derived
 * value's declaration says so). Request bodies are the zod schemas the server validates writes with
 * (schema/write.ts), converted by `z.toJSONSchema`, with example bodies generated from the same rules
 * (examples.ts).
 */
import type Router from '@koa/router';
import { accessRule, type Access } from '../http/access.ts';
import type { AppState } from '../http/state.ts';
import type { FieldDef, FilterDef, LinkDef, ResourceDef } from '../resources/define.ts';
import { registry } from '../resources/registry.ts';
import { fieldNullable, linkNullable, type Columns } from './columns.ts';
import { exampleBody } from './examples.ts';
import { envelopeName, envelopeResponses, idParameter, rateLimitHeaders, ref, writableSchema, type Operation, type Operations, type Schema } from './spec.ts';

const ADMIN = '/api/v2/admin';
/** The scopes of auth/scopes.ts, as the OAuth flows list them. */
const SCOPE_DESCRIPTIONS = {
  read: 'GET: lists and records',
  write: 'Create, update and delete',
  admin: 'Account administration: the audit log, permission grants',
};
const ISO_SECONDS = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';

/** Every (path, method) the router answers, in registration order; HEAD (added to every GET) left out. */
export function routesOf(router: Router<AppState>): Array<{ path: string; method: string; access: Access }> {
  const routes: Array<{ path: string; method: string; access: Access }> = [];
  const seen = new Set<string>();
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      const key = `${method} ${String(layer.path)}`;
      if (method === 'HEAD' || seen.has(key)) continue;
      seen.add(key);
      routes.push({ path: String(layer.path), method, access: accessRule(layer.stack, method) });
    }
  }
  return routes;
}

const withNull = (type: string, nullable: boolean) => (nullable ? [type, 'null'] : type);

/** A field's JSON Schema: its type, with `null` only where the entity or the declaration says it can be null. */
function fieldSchema(field: FieldDef, nullable: boolean): Schema {
  switch (field.type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return { type: withNull(field.type, nullable) };
    case 'timestamp':
      return { type: withNull('string', nullable), pattern: ISO_SECONDS, description: 'UTC, whole seconds' };
    case 'object':
      return { type: nullable ? ['object', 'array', 'null'] : ['object', 'array'], description: 'A JSON object or array' };
  }
}

function linkSchema(link: LinkDef, nullable: boolean): Schema {
  const ids = { type: 'array', items: { type: 'integer' } };
  const description = `\`${link.type}\` ids`;
  if (link.many || (link.column && link.list)) return { ...ids, description };
  if (link.column) return { type: withNull('integer', nullable), description: `A \`${link.type}\` id` };
  // Links we hold no data for: always [] or null.
  return link.list ? { ...ids, maxItems: 0, description: `${description} (not held here: always empty)` } : { type: 'null', description: `A \`${link.type}\` id (not held here: always null)` };
}

/**
 * One wire record: `id`, every declared field, `links` with every declared link; nothing else. Every key
 * is always present; a value may be null only where its column is nullable in the entity (or a derived
 * value's declaration says `nullable`).
 */
export function recordSchema(def: ResourceDef, columns: Columns): Schema {
  const properties: Record<string, Schema> = { id: { type: 'integer' } };
  for (const field of def.fields) properties[field.name] = fieldSchema(field, fieldNullable(def, field, columns));
  const links: Record<string, Schema> = {};
  for (const link of def.links) links[link.name] = linkSchema(link, linkNullable(def, link, columns));
  properties.links = { type: 'object', properties: links, required: Object.keys(links), additionalProperties: false };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** Collections that `includes` can add to a `def` document: every served type reachable through links. */
export function sideLoadable(def: ResourceDef): string[] {
  const reached = new Set<string>([def.type]);
  const queue = [def];
  while (queue.length > 0) {
    for (const link of queue.shift()!.links) {
      const target = registry.get(link.type);
      if (target && !reached.has(target.type)) {
        reached.add(target.type);
        queue.push(target);
      }
    }
  }
  reached.delete(def.type);
  return [...reached];
}

function envelopeSchema(def: ResourceDef): Schema {
  const properties: Record<string, Schema> = {
    [def.type]: { type: 'array', items: ref(def.type) },
    links: ref('links_map'),
    list_meta: { type: 'null' },
    pagination: ref('pagination'),
  };
  for (const type of sideLoadable(def)) properties[type] = { type: 'array', items: ref(type), description: 'Side-loaded with `includes`' };
  return { type: 'object', properties, required: [def.type, 'links'], additionalProperties: false };
}

function filterDescription(name: string, filter: FilterDef): string {
  switch (filter.kind) {
    case 'ids':
    case 'via':
    case 'pivot':
    case 'idsWhere':
    case 'unserved':
      return `Ids, as a comma list or repeated \`${name}\` keys`;
    case 'none':
    case 'present':
    case 'bool':
    case 'boolWhere':
      return '`true` or `false`';
    case 'timeWhere':
      return 'A timestamp or date';
    case 'values':
      return `One or more of ${(filter.values ?? []).map((v) => `\`${v}\``).join(', ') || 'the values'} (comma list)${filter.negatable ? '; `-value` excludes' : ''}`;
    case 'search':
      return 'Case-insensitive substring';
    case 'period':
      return `A timestamp or date: records ${filter.bound === 'start' ? 'at or after' : 'at or before'} it`;
  }
}

const query = (name: string, schema: Schema, description: string): Schema => ({ name, in: 'query', required: false, schema, description });

function includesParameter(def: ResourceDef): Schema {
  const names = sideLoadable(def);
  return query('includes', { type: 'string' }, `Collections to side-load: a comma list, repeated keys or a JSON array${names.length > 0 ? ` (${names.map((n) => `\`${n}\``).join(', ')}); unknown names are ignored` : ''}`);
}

function listParameters(def: ResourceDef): Schema[] {
  const sorts = ['id', ...Object.keys(def.sorts ?? {})];
  const params = [
    query('page', { type: 'integer', minimum: 1, default: 1 }, 'Page number'),
    query('per_page', { type: 'integer', minimum: 1, default: 20 }, 'Records per page (values above 100 are clamped to 100)'),
    query('cursor', { type: 'string' }, "The previous page's `pagination.cursor`"),
    query('page_token', { type: 'string' }, 'A synonym of `cursor`'),
    query('sort', { type: 'string', enum: sorts.flatMap((s) => [s, `-${s}`]), default: def.defaultSort ?? '-id' }, 'Field, or `-field` for descending; `id` breaks ties'),
    includesParameter(def),
    query('updated_after', { type: 'string', format: 'date-time' }, 'Records updated after this time'),
    query('updated_before', { type: 'string', format: 'date-time' }, 'Records updated before this time'),
  ];
  for (const [name, filter] of Object.entries(def.filters ?? {})) params.push(query(name, { type: 'string' }, filterDescription(name, filter)));
  return params;
}

/** The write body from `writable`: JSON (links nested, or wrapped under the singular key) and a form with dotted keys. */
export function writeBody(def: ResourceDef, mode: 'create' | 'update', writable = def.writable ?? {}): Schema {
  const flat: Record<string, Schema> = {};
  const nested: Record<string, Schema> = {};
  const links: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, input] of Object.entries(writable)) {
    const schema = writableSchema(input);
    flat[name] = schema;
    if (name.startsWith('links.')) links[name.slice('links.'.length)] = schema;
    else nested[name] = schema;
    if (mode === 'create' && input.required) required.push(name);
  }
  const linkRequired = required.filter((n) => n.startsWith('links.')).map((n) => n.slice('links.'.length));
  if (Object.keys(links).length > 0) nested.links = { type: 'object', properties: links, ...(linkRequired.length ? { required: linkRequired } : {}) };
  const nestedRequired = [...required.filter((n) => !n.startsWith('links.')), ...(linkRequired.length ? ['links'] : [])];
  const record = { type: 'object', properties: nested, ...(nestedRequired.length ? { required: nestedRequired } : {}) };
  return {
    required: mode === 'create' && required.length > 0,
    description: 'Unknown and read-only fields are ignored.',
    content: {
      'application/json': {
        schema: { anyOf: [record, { type: 'object', properties: { [def.singular]: record }, required: [def.singular] }] },
        ...(mode === 'create' ? { example: exampleBody(def) } : {}),
      },
      'application/x-www-form-urlencoded': { schema: { type: 'object', properties: flat, ...(required.length ? { required } : {}) } },
    },
  };
}

const idsParameter: Schema = {
  name: 'ids',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9]+(,[0-9]+)*$' },
  description: 'One id or a comma list (at most 100); 404 if any is missing',
};

/** The generic operation of a plain collection route, or undefined when the route is not one. */
function collectionOperation(method: string, path: string): Operation | undefined {
  const match = /^\/api\/v2\/admin\/(\w+)(?:\/\{(ids|id)\})?$/.exec(path);
  const def = match ? registry.get(match[1]!) : undefined;
  if (!match || !def) return undefined;
  const tags = [def.type];
  const key = `${method} ${match[2] ?? ''}`;
  switch (key) {
    case 'GET ':
      return { summary: `List ${def.type}`, operationId: `list_${def.type}`, tags, parameters: listParameters(def), responses: envelopeResponses(def.type) };
    case 'GET ids':
      return { summary: `Get ${def.type} by id`, operationId: `get_${def.type}`, tags, parameters: [idsParameter, includesParameter(def)], responses: envelopeResponses(def.type) };
    case 'POST ':
      return { summary: `Create a ${def.singular}`, operationId: `create_${def.type}`, tags, parameters: [includesParameter(def)], requestBody: writeBody(def, 'create'), responses: envelopeResponses(def.type, ['413', '422']) };
    case 'PUT id':
      return { summary: `Update a ${def.singular}`, operationId: `update_${def.type}`, tags, parameters: [idParameter, includesParameter(def)], requestBody: writeBody(def, 'update'), responses: envelopeResponses(def.type, ['413', '422']) };
    case 'DELETE id':
      // 422 when the record is still in use (a forum with suggestions, a segment with values).
      return { summary: `Delete a ${def.singular}`, description: 'Answers with the record as it was.', operationId: `delete_${def.type}`, tags, parameters: [idParameter], responses: envelopeResponses(def.type, ['422']) };
    default:
      return undefined;
  }
}

const error = (properties: Schema, required: string[]): Schema => ({
  type: 'object',
  properties: { errors: { type: 'object', properties, required, additionalProperties: true } },
  required: ['errors'],
  additionalProperties: false,
});
const errorResponse = (description: string, schema: string, headers?: Schema): Schema => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema) } },
});

function components(columns: Columns): Schema {
  const schemas: Record<string, Schema> = {
    links_map: {
      type: 'object',
      description: '`"<collection>.<association>": {"type": "<collection>"}` for every collection in the document',
      additionalProperties: { type: 'object', properties: { type: { type: 'string' } }, required: ['type'], additionalProperties: false },
    },
    pagination: {
      type: 'object',
      properties: {
        page: { type: 'integer' },
        per_page: { type: 'integer' },
        total_pages: { type: 'integer' },
        total_records: { type: 'integer' },
        cursor: { type: 'string', description: 'Absent on the last page' },
        page_token: { type: 'string', description: "The same value as `cursor` (the 2018 SDK's name)" },
      },
      required: ['page', 'per_page', 'total_pages', 'total_records'],
      additionalProperties: false,
    },
    error: error({ error: { type: 'string' }, message: { type: 'string' } }, ['error']),
    validation_error: {
      type: 'object',
      properties: {
        errors: { type: 'object', description: 'Messages by field (`title`, `links.forum`)', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
      required: ['errors'],
      additionalProperties: false,
    },
    oauth_error: {
      type: 'object',
      properties: { error: { type: 'string' }, error_description: { type: 'string' } },
      required: ['error'],
      additionalProperties: false,
    },
    token: {
      type: 'object',
      properties: { access_token: { type: 'string' }, token_type: { const: 'bearer' }, expires_in: { type: 'integer' } },
      required: ['access_token', 'token_type', 'expires_in'],
      additionalProperties: false,
    },
  };
  for (const def of registry.values()) {
    schemas[def.type] = recordSchema(def, columns);
    schemas[envelopeName(def.type)] = envelopeSchema(def);
  }
  const integerHeader = (description: string, required = false): Schema => ({ description, ...(required ? { required } : {}), schema: { type: 'integer' } });
  const responses: Record<string, Schema> = {
      E400: errorResponse('Malformed body or parameter (`bad_request` with a message)', 'error'),
      E401: errorResponse('No or no valid Bearer token (`not_authorized`), with `WWW-Authenticate: Bearer`', 'error'),
      E403: errorResponse(
        '`forbidden` (with a `message` saying why): the client lacks the scope the route needs, a publishable key called a route not open to it, a password-grant token of a user who is not an admin, or an expired or invalid signed link',
        'error',
      ),
      E404: errorResponse('Unknown id (`record_not_found`) or route (`not_found`)', 'error'),
      E408: errorResponse('The body did not arrive in time (`request_timeout`); the connection is closed', 'error'),
      E409: errorResponse(
        'Idempotency-Key: a request with this key is still running (`idempotency_key_in_use`, with `Retry-After`), or it wrote but its answer was lost when its server stopped (`idempotency_key_outcome_unknown`)',
        'error',
        { 'Retry-After': integerHeader('Seconds to wait (`idempotency_key_in_use` only)') },
      ),
      E413: errorResponse('Body too large (`request_entity_too_large`)', 'error'),
      E422: errorResponse('Validation errors by field', 'validation_error'),
      E429: errorResponse('Over the rate limit (`rate_limit_exceeded`)', 'error', { 'Retry-After': integerHeader('Seconds to wait') }),
      E500: errorResponse('`internal_server_error`, never a stack trace', 'error'),
      E503: errorResponse('The database is unreachable or busy (`service_unavailable`); retry after `Retry-After` seconds', 'error', {
        'Retry-After': integerHeader('Seconds to wait'),
      }),
      E507: errorResponse('No room to store the upload (`insufficient_storage`); try again later', 'error'),
      N304: {
        description: "Not Modified: the request's `If-None-Match` names the body's current `ETag`; no body, the same `ETag` and the usual headers",
        headers: { ETag: { description: 'Strong validator: a hash of the body bytes', schema: { type: 'string' } } },
      },
  };
  // The same answers from an admin route past the per-client limiter, with its headers (limitHeaders()).
  for (const status of PAST_THE_LIMITER) {
    const shared = responses[`E${status}`] ?? responses[`N${status}`]!;
    responses[`L${status}`] = { ...shared, headers: { ...((shared.headers ?? {}) as Schema), ...rateLimitHeaders() } };
  }
  return {
    schemas,
    responses,
    parameters: {
      IfNoneMatch: {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'ETags (from earlier answers) the client holds: when one is the current body\'s, the answer is 304 with no body.',
        schema: { type: 'string' },
      },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: the first request with a key runs and its answer is kept for 24 hours (per API client); a retry with the same key, method, path, query string and body gets that answer again (with `Idempotent-Replayed: true`) without running; another request with the same key is a 422, a retry while the first still runs a 409. 1–255 visible ASCII characters without quotes or backslashes (a quoted key is unquoted first); a bad key is a 400.',
        schema: { type: 'string', minLength: 1, maxLength: 257 },
      },
    },
    headers: {
      'X-Rate-Limit-Limit': integerHeader('Requests per window for this client', true),
      'X-Rate-Limit-Remaining': integerHeader('Requests left in this window', true),
      'X-Rate-Limit-Reset': integerHeader('When the window ends (unix epoch seconds)', true),
    },
  };
}

/**
 * Statuses an admin request can get once past the per-client limiter (http/rate-limit.ts), which puts
 * the X-Rate-Limit-* headers on every response it sees, errors included; a 401 comes before it.
 */
const PAST_THE_LIMITER = ['304', '400', '404', '409', '413', '422', '429'];
const LIMIT_HEADERS = /^X-Rate-Limit-/;

/**
 * An admin operation's responses with the rate-limit headers on every success and on the errors in
 * PAST_THE_LIMITER (their `L…` variants); with the limiter off (RATE_LIMIT_PER_MINUTE=0), none.
 */
function limitHeaders(responses: Record<string, Schema>, on: boolean): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const [status, response] of Object.entries(responses)) {
    const shared = typeof response.$ref === 'string' ? /^#\/components\/responses\/[EN](\d+)$/.exec(response.$ref) : null;
    if (shared) {
      out[status] = on && PAST_THE_LIMITER.includes(status) ? { $ref: `#/components/responses/L${shared[1]}` } : response;
    } else if (status.startsWith('2')) {
      const headers = Object.fromEntries(Object.entries((response.headers ?? {}) as Schema).filter(([name]) => !LIMIT_HEADERS.test(name)));
      const all = on ? { ...rateLimitHeaders(), ...headers } : headers;
      const { headers: _, ...rest } = response;
      out[status] = Object.keys(all).length > 0 ? { ...rest, headers: all } : rest;
    } else {
      out[status] = response;
    }
  }
  return out;
}

export interface DocumentSource {
  /** The application's root router (every route, prefixes applied). */
  router: Router<AppState>;
  /** Hand-written entries for routes that are not plain collection routes. */
  operations: Operations;
  publicUrl: string;
  version: string;
  /** Which columns may hold null (columnsOf(orm.getMetadata())); a table left out counts as all nullable. */
  columns: Columns;
  /** Path descriptions (notes.ts: the README table's notes), by `/full/path/{param}`. */
  notes?: Record<string, string>;
  /** Whether the per-client limiter is on (RATE_LIMIT_PER_MINUTE > 0): admin responses then carry its headers. */
  rateLimited?: boolean;
}

/** The OpenAPI 3.1 document; throws if the router serves a route that has no description. */
export function buildOpenApi({ router, operations, publicUrl, version, columns, notes = {}, rateLimited = true }: DocumentSource): Schema {
  const paths: Record<string, Record<string, Operation>> = {};
  const missing: string[] = [];
  const used = new Set<string>();
  for (const route of routesOf(router)) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const key = `${route.method} ${path}`;
    const operation = operations[key] ?? collectionOperation(route.method, path);
    if (!operation) {
      missing.push(key);
      continue;
    }
    used.add(key);
    const admin = path.startsWith(`${ADMIN}/`);
    // Every admin route: 403 for a non-admin user's password-grant token, 408 for a body that stalls,
    // 500 from the error renderer. Every route: 503 when the database is unreachable or busy (unless the
    // route describes its own, as /health and the OAuth-shaped token endpoint do).
    const unavailable = { 503: operation.responses[503] ?? { $ref: '#/components/responses/E503' } };
    const responses = admin
      ? { ...operation.responses, 403: { $ref: '#/components/responses/E403' }, 408: { $ref: '#/components/responses/E408' }, 500: { $ref: '#/components/responses/E500' }, ...unavailable }
      : { ...operation.responses, ...unavailable };
    // Every admin write takes an Idempotency-Key (http/idempotency.ts): a bad key is a 400, a key in use
    // a 409, a key reused for another request a 422.
    const idempotent = admin && ['POST', 'PUT', 'DELETE'].includes(route.method);
    // Every GET that answers from memory has an ETag and honours If-None-Match (http/etag.ts); streamed
    // files do not.
    const conditional = route.method === 'GET' && !/\/(download|thumbnail)$/.test(path);
    const described = conditional
      ? {
          ...operation,
          parameters: [...(operation.parameters ?? []), { $ref: '#/components/parameters/IfNoneMatch' }],
          responses: { ...responses, 304: { $ref: '#/components/responses/N304' } },
        }
      : idempotent
      ? {
          ...operation,
          parameters: [...(operation.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }],
          responses: {
            400: { $ref: '#/components/responses/E400' },
            409: { $ref: '#/components/responses/E409' },
            422: { $ref: '#/components/responses/E422' },
            ...responses,
          },
        }
      : { ...operation, responses };
    // Admin routes name the scope they need (http/access.ts) and whether publishable keys may call them.
    const security = admin
      ? { security: [{ oauth: [route.access.scope] }], ...(route.access.publishable ? { 'x-publishable': true } : {}) }
      : { security: operation.security ?? [] };
    const limited = admin ? { responses: limitHeaders(described.responses, rateLimited) } : {};
    (paths[path] ??= {})[route.method.toLowerCase()] = { ...described, ...limited, ...security };
  }
  const stale = Object.keys(operations).filter((key) => !used.has(key));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(`OpenAPI: routes without an operation: ${missing.join(', ') || 'none'}; operations without a route: ${stale.join(', ') || 'none'}`);
  }
  const unserved = Object.keys(notes).filter((path) => !paths[path]);
  if (unserved.length > 0) throw new Error(`OpenAPI: notes for paths the router does not serve: ${unserved.join(', ')}`);

  const tokenUrl = `${publicUrl}/api/v2/oauth/token`;
  return {
    openapi: '3.1.0',
    info: {
      title: 'UserVoice-compatible Admin API v2',
      version,
      description:
        'The UserVoice Admin API v2 as this server speaks it. Every response is JSON; collections answer with an envelope whose plural key holds an array (also for one record), a top-level `links` map and, on lists, `pagination`. See the README for the compatibility notes.',
    },
    servers: [{ url: publicUrl }],
    security: [{ oauth: [] }],
    // A path's note (the README table's) is its path item's description.
    paths: Object.fromEntries(Object.entries(paths).map(([path, item]) => [path, notes[path] ? { description: notes[path], ...item } : item])),
    components: {
      ...components(columns),
      securitySchemes: {
        oauth: {
          type: 'oauth2',
          description:
            'Access tokens from `POST /api/v2/oauth/token`, sent as `Authorization: Bearer <token>`. A client has the scopes it was created with (`clients create --scopes`); a route needing a scope the client lacks answers 403 `forbidden`. A publishable key gets its token with `client_id` alone (no secret) and may call only the operations marked `x-publishable`.',
          flows: { clientCredentials: { tokenUrl, scopes: SCOPE_DESCRIPTIONS }, password: { tokenUrl, scopes: SCOPE_DESCRIPTIONS } },
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN the server was started with (`GET /metrics`).' },
      },
    },
  };
}
