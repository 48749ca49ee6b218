import type { ResourceDef, WritableDef } from '../resources/define.ts';
import { BadRequestError } from '../errors.ts';
import { Input, type InputValue, type ScalarValue } from '../schema/input.ts';
import { parseBool, parseId, parseTimestamp } from './params.ts';
import type { AppContext } from './state.ts';

export { Input, type InputValue };

const INT32_MAX = 2_147_483_647;
const MAX_TOKENS = 50;
const TOKEN = /^[0-9a-f]{32}$/i;

/** `attachment_tokens`: a comma string (UserVoice's form) or an array of strings (JSON). */
function tokens(raw: unknown): string[] | { error: string } {
  const list = raw === null ? [] : Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.some((t) => typeof t !== 'string')) return { error: 'is invalid' };
  const clean = [...new Set((list as string[]).map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (clean.length > MAX_TOKENS) return { error: `has more than ${MAX_TOKENS} tokens` };
  if (clean.some((t) => !TOKEN.test(t))) return { error: 'contains an unknown token' };
  return clean;
}
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIME_TYPES = ['text/plain', 'text/html'];

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

function coerce(rule: WritableDef, raw: unknown): ScalarValue | { error: string } {
  const invalid = { error: 'is invalid' };
  if (rule.type === 'tokens') return tokens(raw);
  if (raw === null || raw === '') {
    if (rule.required && !rule.nullable) return { error: "can't be blank" };
    return rule.nullable || rule.type === 'string' || rule.type === 'text' ? null : invalid;
  }
  switch (rule.type) {
    case 'string':
    case 'text':
    case 'email':
    case 'mime':
    case 'color': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return invalid;
      const text = String(raw);
      if (text.includes('\u0000')) return { error: 'contains invalid characters' };
      if (rule.required && text.trim() === '') return { error: "can't be blank" };
      if (rule.max !== undefined && [...text].length > rule.max) return { error: `is too long (maximum is ${rule.max} characters)` };
      if (rule.type === 'email') return EMAIL.test(text.trim()) ? text.trim().toLowerCase() : invalid;
      if (rule.type === 'mime') return MIME_TYPES.includes(text) ? text : { error: `must be one of ${MIME_TYPES.join(', ')}` };
      if (rule.type === 'color') return /^#[0-9a-fA-F]{6}$/.test(text) ? text.toLowerCase() : { error: 'must look like #a1b2c3' };
      return text;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw !== 'string' && typeof raw !== 'number') return invalid;
      return parseBool(String(raw)) ?? invalid;
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d{1,10}$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isInteger(n) && Math.abs(n) <= INT32_MAX ? n : invalid;
    }
    case 'ref': {
      const id = typeof raw === 'number' ? (Number.isInteger(raw) && raw >= 1 && raw <= INT32_MAX ? raw : undefined) : typeof raw === 'string' ? parseId(raw.trim()) : undefined;
      return id ?? { error: 'does not exist' };
    }
    case 'timestamp': {
      if (typeof raw !== 'string') return invalid;
      return parseTimestamp(raw) ?? invalid;
    }
    default:
      return invalid;
  }
}

/**
 * Reads the writable fields a resource declares from the body: unknown and read-only keys are ignored;
 * invalid values and (on create) missing required ones are collected in `errors` (see Input.check).
 */
export function readInput(ctx: AppContext, def: ResourceDef, mode: 'create' | 'update'): Input {
  const fields = bodyFields(ctx, def.singular);
  const input = new Input();
  const errors = input.errors;
  for (const [name, rule] of Object.entries(def.writable ?? {})) {
    if (!fields.has(name)) {
      if (mode === 'create' && rule.required) errors[name] = ["can't be blank"];
      continue;
    }
    if (rule.type === 'custom' && rule.parse) {
      const parsed = rule.parse(fields.get(name));
      if ('error' in parsed) errors[name] = [parsed.error];
      else input.set(name, parsed.value as InputValue);
      continue;
    }
    const value = coerce(rule, fields.get(name));
    if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value)) errors[name] = [value.error];
    else input.set(name, value);
  }
  return input;
}
