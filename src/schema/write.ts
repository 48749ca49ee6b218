import { z } from 'zod';
import type { ResourceDef, WritableDef } from '../resources/define.ts';
import { EMAIL, parseTimestamp } from '../values.ts';
import { Input } from './input.ts';

/**
 * Write schemas (zod) generated from a declaration's `writable` rules, and the input types they
 * produce. One schema per rule validates and normalises one field as it arrives from JSON or a form
 * (form values are strings; JSON ones may be numbers or booleans). Messages are Rails-style, as the
 * 422 bodies send them; a field reports its first problem.
 */

const INT32_MAX = 2_147_483_647;
const MAX_TOKENS = 50;
const TOKEN = /^[0-9a-f]{32}$/i;
export const MIME_TYPES = ['text/plain', 'text/html'] as const;

type Rule = WritableDef<unknown>;

/** What a rule makes of a value that is present and not blank. */
type Present<R extends Rule> = R['type'] extends 'string' | 'text' | 'email' | 'mime' | 'color'
  ? string
  : R['type'] extends 'boolean'
    ? boolean
    : R['type'] extends 'integer' | 'ref'
      ? number
      : R['type'] extends 'timestamp'
        ? Date
        : R['type'] extends 'tokens'
          ? string[]
          : R extends WritableDef<infer V>
            ? V
            : unknown;

/** The checked value of one rule: `null` where a blank value clears the field. */
export type ValueOf<R extends Rule> = R['type'] extends 'custom' | 'tokens'
  ? Present<R>
  : R['nullable'] extends true
    ? Present<R> | null
    : R['required'] extends true
      ? Present<R>
      : R['type'] extends 'string' | 'text'
        ? Present<R> | null
        : Present<R>;

/** A write request's checked fields, typed by the declaration `D` (`typeof suggestions`). */
export type WriteInput<D extends { writable?: Record<string, Rule> }> = Input<InputOf<D>>;

/** A resource's write input by wire name, as its schema produces it. */
export type InputOf<D extends { writable?: Record<string, Rule> }> = {
  [K in keyof NonNullable<D['writable']>]?: ValueOf<NonNullable<D['writable']>[K]>;
};

/** An id (1 … 2^31 − 1) as a JSON number or a decimal string; anything else is `message`. */
export const refId = (message: string) => {
  const id = z.int(message).min(1, message).max(INT32_MAX, message);
  return z.union([id, z.string().trim().regex(/^\d{1,10}$/, message).transform(Number).pipe(id)], { error: message });
};

/** `schema`, with a missing or empty value answered "can't be blank". */
export function required<T>(schema: z.ZodType<T>) {
  return z.unknown().transform((raw, ctx): T => {
    const result = raw === undefined || raw === '' ? undefined : schema.safeParse(raw);
    if (result?.success) return result.data;
    ctx.issues.push({ code: 'custom', message: result ? firstMessage(result.error) : "can't be blank", input: raw });
    return z.NEVER;
  });
}

const stop = { abort: true } as const;
const problem = (error: string) => ({ error, ...stop });

/** Text as strings and numbers arrive: no NUL, not blank when required, at most `max` characters. */
function text(rule: Rule) {
  const str = z
    .string()
    .refine((t) => !t.includes('\u0000'), problem('contains invalid characters'))
    .refine((t) => !rule.required || t.trim() !== '', problem("can't be blank"))
    // Characters, not UTF-16 units (zod's max counts units).
    .refine((t) => rule.max === undefined || [...t].length <= rule.max, problem(`is too long (maximum is ${rule.max} characters)`));
  switch (rule.type) {
    case 'email':
      return str.transform((t) => t.trim()).pipe(z.string().regex(EMAIL, 'is invalid').transform((t) => t.toLowerCase()));
    case 'mime':
      return str.pipe(z.enum(MIME_TYPES, { error: `must be one of ${MIME_TYPES.join(', ')}` }));
    case 'color':
      return str.pipe(z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must look like #a1b2c3').transform((t) => t.toLowerCase()));
    default:
      return str;
  }
}

/** Accepted shapes by the JavaScript type of the raw value; any other type is `is invalid`. */
interface Shapes {
  string?: z.ZodType;
  number?: z.ZodType;
  boolean?: z.ZodType;
}

function shapes(rule: Rule): Shapes {
  switch (rule.type) {
    case 'string':
    case 'text':
    case 'email':
    case 'mime':
    case 'color': {
      const str = text(rule);
      return { string: str, number: z.number().transform(String).pipe(str) };
    }
    case 'boolean': {
      const word = z
        .string()
        .transform((t) => t.trim())
        .pipe(z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], case: 'insensitive', error: 'is invalid' }));
      return { boolean: z.boolean(), string: word, number: z.number().transform(String).pipe(word) };
    }
    case 'integer': {
      const int = z.int('is invalid').min(-INT32_MAX, 'is invalid').max(INT32_MAX, 'is invalid');
      return { number: int, string: z.string().trim().regex(/^-?\d{1,10}$/, 'is invalid').transform(Number).pipe(int) };
    }
    case 'ref': {
      const id = refId('does not exist');
      return { number: id, string: id };
    }
    case 'timestamp':
      return {
        string: z.string().transform((t, ctx) => {
          const date = parseTimestamp(t);
          if (!date) ctx.issues.push({ code: 'custom', message: 'is invalid', input: t });
          return date ?? z.NEVER;
        }),
      };
    default:
      return {};
  }
}

/** `attachment_tokens`: a comma string (UserVoice's form) or an array of strings (JSON); null is none. */
const tokens = z
  .union([z.null().transform(() => []), z.string().transform((t) => t.split(',')), z.array(z.string())], { error: 'is invalid' })
  .transform((list) => [...new Set(list.map((t) => t.trim().toLowerCase()).filter(Boolean))])
  .refine((list) => list.length <= MAX_TOKENS, problem(`has more than ${MAX_TOKENS} tokens`))
  .refine((list) => list.every((t) => TOKEN.test(t)), problem('contains an unknown token'));

/** A rule's checked value, or why it was refused. */
export type FieldResult = { value: unknown } | { error: string };

const firstMessage = (error: z.ZodError) => error.issues[0]?.message ?? 'is invalid';

/** Rails-style field errors of an object schema: each field's first problem, in the schema's order. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    errors[field] ??= [issue.message];
  }
  return errors;
}

/** The schema of one rule, as a checker of raw values. */
export function fieldSchema(rule: Rule): (raw: unknown) => FieldResult {
  if (rule.type === 'custom') return (raw) => rule.parse?.(raw) ?? { error: 'is invalid' };
  if (rule.type === 'tokens') {
    return (raw) => {
      const result = tokens.safeParse(raw);
      return result.success ? { value: result.data } : { error: firstMessage(result.error) };
    };
  }
  const accepted = shapes(rule);
  const onBlank: FieldResult = rule.required && !rule.nullable ? { error: "can't be blank" } : blankClears(rule) ? { value: null } : { error: 'is invalid' };
  return (raw) => {
    if (raw === null || raw === '') return onBlank;
    const schema = accepted[typeof raw as keyof Shapes];
    if (!schema) return { error: 'is invalid' };
    const result = schema.safeParse(raw);
    return result.success ? { value: result.data } : { error: firstMessage(result.error) };
  };
}

/** Whether a blank value (null, or an empty form value) is accepted: it clears the field. */
const blankClears = (rule: Rule) => !(rule.required && !rule.nullable) && (rule.nullable || rule.type === 'string' || rule.type === 'text');

/**
 * Every value a rule accepts, as one zod schema (the union of the shapes fieldSchema dispatches on,
 * plus null where a blank clears the field): what the OpenAPI document's request bodies are generated
 * from (`z.toJSONSchema`). `custom` rules check in code: any value.
 */
export function acceptedSchema(rule: Rule): z.ZodType {
  if (rule.type === 'custom') return z.unknown();
  if (rule.type === 'tokens') return tokens;
  // Shapes may share a schema (a ref takes numbers and digits through one union): each option once.
  const options = [...new Set((Object.values(shapes(rule)) as z.ZodType[]).flatMap((s) => (s instanceof z.ZodUnion ? (s.options as z.ZodType[]) : [s])))];
  if (blankClears(rule)) options.push(z.null());
  const schema = options.length === 1 ? options[0]! : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  const notes = [NOTES[rule.type], rule.max === undefined ? undefined : `at most ${rule.max} characters`].filter(Boolean);
  const description = notes.join("; ");
  return description ? schema.meta({ description: description[0]!.toUpperCase() + description.slice(1) }) : schema;
}

/** What a value of these rules must look like beyond its JSON type (checks the JSON Schema does not carry). */
const NOTES: Partial<Record<Rule['type'], string>> = {
  email: 'An email address',
  mime: `One of ${MIME_TYPES.join(', ')}`,
  color: 'A CSS colour, `#` and six hex digits',
  ref: 'A record id',
  timestamp: 'A timestamp (`Z`, `+00:00`, fractional seconds) or a date',
  boolean: '`true`/`false`, `1`/`0` or `yes`/`no` (any case)',
};

const compiled = new WeakMap<object, Array<[string, Rule, (raw: unknown) => FieldResult]>>();

function fieldsOf(def: Pick<ResourceDef, 'writable'>) {
  let fields = compiled.get(def);
  if (!fields) {
    fields = Object.entries(def.writable ?? {}).map(([name, rule]) => [name, rule, fieldSchema(rule)]);
    compiled.set(def, fields);
  }
  return fields;
}

/**
 * The writable fields a resource declares, read from the request's fields (wire names, `links.x`
 * flattened): unknown and read-only keys are ignored; invalid values and (on create) missing required
 * ones are collected in `errors` (see Input.check).
 */
export function parseWrite<D extends Pick<ResourceDef, 'writable'>>(def: D, fields: ReadonlyMap<string, unknown>, mode: 'create' | 'update'): Input<InputOf<D>> {
  const input = new Input<InputOf<D>>();
  for (const [name, rule, check] of fieldsOf(def)) {
    if (!fields.has(name)) {
      if (mode === 'create' && rule.required) input.errors[name] = ["can't be blank"];
      continue;
    }
    const result = check(fields.get(name));
    if ('error' in result) input.errors[name] = [result.error];
    else input.set(name, result.value);
  }
  return input;
}
