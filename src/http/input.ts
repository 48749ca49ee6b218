import type { ResourceDef } from '../resources/define.ts';
import { BadRequestError } from '../errors.ts';
import { Input, type InputValue } from '../schema/input.ts';
import { parseWrite, type InputOf } from '../schema/write.ts';
import type { AppContext } from './state.ts';

export { Input, type InputValue };

/** The request body as an object; `{"suggestion": {...}}` is unwrapped, `links` flattened to `links.x`. */
export function bodyFields(ctx: AppContext, singular: string): Map<string, unknown> {
  let body: unknown = ctx.request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The request body must be a JSON object or form fields');
  }
  const wrapped = (body as Record<string, unknown>)[singular];
  if (wrapped && typeof wrapped === 'object' && !Array.isArray(wrapped)) body = wrapped;
  const fields = new Map<string, unknown>();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'links' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [link, id] of Object.entries(value)) fields.set(`links.${link}`, id);
    } else {
      fields.set(key, value);
    }
  }
  return fields;
}

/**
 * Reads the writable fields a resource declares from the body, through its schema (schema/write.ts):
 * unknown and read-only keys are ignored; invalid values and (on create) missing required ones are
 * collected in `errors` (see Input.check).
 */
export function readInput<D extends ResourceDef>(ctx: AppContext, def: D, mode: 'create' | 'update'): Input<InputOf<D>> {
  return parseWrite(def, bodyFields(ctx, def.singular), mode);
}
