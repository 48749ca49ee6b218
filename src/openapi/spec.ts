/**
 * The vocabulary of the OpenAPI document (src/openapi/document.ts) and helpers for the hand-written
 * operation entries that routes which are not plain collection routes keep next to their declarations
 * (`export const xxxOperations: Operations` in src/routes/*.ts).
 */
import { z } from 'zod';
import type { WritableDef } from '../resources/define.ts';
import { acceptedSchema } from '../schema/write.ts';

export type Schema = Record<string, unknown>;

export interface Operation {
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  parameters?: Schema[];
  requestBody?: Schema;
  responses: Record<string, Schema>;
  /** `[]` for routes without a Bearer token; absent: the document's default (OAuth). */
  security?: Schema[];
}

/** Operations by `METHOD /full/path/{param}`, e.g. `PUT /api/v2/admin/suggestions/{id}/approve`. */
export type Operations = Record<string, Operation>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string): Schema => ({ $ref: `#/components/responses/${name}` });

/** The name of a collection's envelope schema in components. */
export const envelopeName = (type: string) => `${type}_envelope`;

/** 200 with the envelope of `type` (an array, also for one record), plus the usual admin errors. */
export function envelopeResponses(type: string, extra: string[] = []): Record<string, Schema> {
  const responses: Record<string, Schema> = {
    200: {
      description: `The \`${type}\` envelope`,
      headers: rateLimitHeaders(),
      content: { 'application/json': { schema: ref(envelopeName(type)) } },
    },
  };
  for (const status of ['400', '401', '404', ...extra, '429']) responses[status] = responseRef(`E${status}`);
  return responses;
}

export function rateLimitHeaders(): Schema {
  return {
    'X-Rate-Limit-Limit': { $ref: '#/components/headers/X-Rate-Limit-Limit' },
    'X-Rate-Limit-Remaining': { $ref: '#/components/headers/X-Rate-Limit-Remaining' },
    'X-Rate-Limit-Reset': { $ref: '#/components/headers/X-Rate-Limit-Reset' },
  };
}

export const idParameter: Schema = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9]+$' },
  description: 'One record id',
};

/** `{ "<name>": <schema> }` bodies, as JSON and as a form (dotted keys), for actions that take fields. */
export function fieldsBody(properties: Record<string, Schema>, required: string[] = [], description?: string): Schema {
  const schema = { type: 'object', properties, required, additionalProperties: true };
  return {
    required: required.length > 0,
    ...(description ? { description } : {}),
    content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
  };
}

/**
 * JSON Schema of one writable input: the zod schema the server validates it with (schema/write.ts),
 * as `z.toJSONSchema` writes its input side (what may be sent: JSON values, and form values as text).
 */
export function writableSchema(def: WritableDef): Schema {
  const { $schema: _, ...schema } = z.toJSONSchema(acceptedSchema(def), { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return schema;
}

/** `PUT …/{id}/<action>` (no body) answering the record's envelope. */
export function action(type: string, summary: string, description?: string): Operation {
  return { summary, ...(description ? { description } : {}), tags: [type], parameters: [idParameter], responses: envelopeResponses(type, ['422']) };
}

/** A POST/DELETE with a fields body answering the envelope of `type`. */
export function fieldsOperation(type: string, summary: string, body: Schema, description?: string, tag = type): Operation {
  return { summary, ...(description ? { description } : {}), tags: [tag], requestBody: body, responses: envelopeResponses(type, ['413', '422']) };
}
