import { BadRequestError } from '../errors.ts';
import { parseId, parseTimestamp } from '../values.ts';

/** Items per import, bulk identify or bulk delete (UserVoice's own limit). */
export const MAX_BATCH = 1000;

export type FieldErrors = Record<string, string[]>;
type Obj = Record<string, unknown>;

const MAX_CENTS = 9_000_000_000_000_000; // fits bigint and stays an exact JS number
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A form's `users[0].email=…` arrives as an array, or past qs's array limit as an object keyed by index. */
function itemsOf(raw: unknown): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (isObject(raw) && Object.keys(raw).every((key) => /^\d{1,4}$/.test(key))) {
    return Object.entries(raw)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, item]) => item);
  }
  return undefined;
}

/** The request body as an object (JSON or form). */
export function bodyObject(body: unknown): Obj {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw new BadRequestError('The request body must be a JSON object or form fields');
  return body;
}

/**
 * The list under `key` (1 to MAX_BATCH objects); problems go to `errors` under `key` or `key[i]`. An item
 * that is not an object is undefined, keeping the others at their request index.
 */
export function batchOf(body: Obj, key: string, errors: FieldErrors): Array<Obj | undefined> {
  const raw = body[key];
  const items = itemsOf(raw);
  if (raw === undefined || raw === null || raw === '' || items?.length === 0) {
    errors[key] = ["can't be blank"];
    return [];
  }
  if (!items) {
    errors[key] = ['is invalid'];
    return [];
  }
  if (items.length > MAX_BATCH) {
    errors[key] = [`is too long (maximum is ${MAX_BATCH} items)`];
    return [];
  }
  return items.map((item, i) => {
    if (isObject(item)) return item;
    errors[`${key}[${i}]`] = ['is invalid'];
    return undefined;
  });
}

/**
 * `ids` / `external_ids` of a bulk delete: a JSON array, a comma string (the 2017 SDK's form encoding),
 * indexed form keys, or the query string.
 */
export function listOf(body: Obj, query: Obj, key: string, errors: FieldErrors): string[] {
  const raw = body[key] ?? query[key];
  let items: unknown[] | undefined = itemsOf(raw);
  if (typeof raw === 'string') items = raw.split(',');
  else if (typeof raw === 'number') items = [raw];
  const values = (items ?? []).map((item) => (typeof item === 'number' ? String(item) : item));
  if (raw !== undefined && (!items || values.some((v) => typeof v !== 'string'))) {
    errors[key] = ['is invalid'];
    return [];
  }
  const clean = [...new Set((values as string[]).map((v) => v.trim()).filter(Boolean))];
  if (clean.length === 0) errors[key] = ["can't be blank"];
  else if (clean.length > MAX_BATCH) errors[key] = [`is too long (maximum is ${MAX_BATCH} items)`];
  else if (clean.some((v) => v.length > 255 || v.includes('\u0000'))) errors[key] = ['is invalid'];
  return errors[key] ? [] : clean;
}

export function idsOf(values: string[], key: string, errors: FieldErrors): number[] {
  const ids = values.map((v) => parseId(v));
  if (ids.some((id) => id === undefined)) errors[key] = ['is invalid'];
  return errors[key] ? [] : (ids as number[]);
}

/**
 * Reads one item's fields by wire name, converting them; errors are recorded as `prefix.name`. Each reader
 * answers undefined when the key is absent (so upserts leave that column alone) and null when cleared.
 */
export class ItemReader {
  readonly item: Obj;
  readonly prefix: string;
  readonly errors: FieldErrors;

  constructor(item: Obj, prefix: string, errors: FieldErrors) {
    this.item = item;
    this.prefix = prefix;
    this.errors = errors;
  }

  private fail(name: string, message: string): undefined {
    this.errors[`${this.prefix}.${name}`] = [message];
    return undefined;
  }

  private raw(name: string): unknown {
    return Object.hasOwn(this.item, name) ? this.item[name] : undefined;
  }

  /** Text (numbers accepted, as ids often are); blank is null unless required. */
  string(name: string, max: number, required = false): string | null | undefined {
    const raw = this.raw(name);
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (required) return this.fail(name, "can't be blank");
      return raw === undefined ? undefined : null;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') return this.fail(name, 'is invalid');
    const text = String(raw).trim();
    if (text.includes('\u0000')) return this.fail(name, 'contains invalid characters');
    if ([...text].length > max) return this.fail(name, `is too long (maximum is ${max} characters)`);
    return text;
  }

  email(name: string, required: boolean): string | null | undefined {
    const text = this.string(name, 320, required);
    if (typeof text !== 'string') return text;
    return EMAIL.test(text) ? text.toLowerCase() : this.fail(name, 'is invalid');
  }

  /** ISO-8601 (imports). */
  timestamp(name: string): Date | null | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (raw === null || raw === '') return null;
    const date = typeof raw === 'string' ? parseTimestamp(raw) : undefined;
    return date ?? this.fail(name, 'is invalid');
  }

  /** Unix seconds (bulk_identify's `created_at`), as a number or a numeric string. */
  unixTime(name: string): Date | null | undefined {
    const n = this.number(name);
    if (n === undefined || n === null) return n;
    if (!Number.isInteger(n) || n < 0 || n > 253_402_300_799) return this.fail(name, 'is invalid');
    return new Date(n * 1000);
  }

  number(name: string): number | null | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if (raw === null || raw === '') return null;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
    return Number.isFinite(n) ? n : this.fail(name, 'is not a number');
  }

  /** Whole cents. */
  cents(name: string): number | null | undefined {
    const n = this.number(name);
    if (n === undefined || n === null) return n;
    if (!Number.isInteger(n) || Math.abs(n) > MAX_CENTS) return this.fail(name, 'must be a whole number of cents');
    return n;
  }

  /** A decimal amount of money (`mrr`, `ltv`, `monthly_rate`) as cents. */
  dollarsAsCents(name: string): number | null | undefined {
    const n = this.number(name);
    if (n === undefined || n === null) return n;
    const cents = Math.round(n * 100);
    return Math.abs(cents) > MAX_CENTS ? this.fail(name, 'is too large') : cents;
  }

  ref(name: string): number | undefined {
    const raw = this.raw(name);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const id = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? parseId(String(raw)) : undefined) : typeof raw === 'string' ? parseId(raw.trim()) : undefined;
    return id ?? this.fail(name, 'does not exist');
  }

  /** A nested object (`account`), or undefined when absent. */
  object(name: string): ItemReader | undefined {
    const raw = this.raw(name);
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (!isObject(raw)) return this.fail(name, 'is invalid');
    return new ItemReader(raw, `${this.prefix}.${name}`, this.errors);
  }
}

/** Keeps only the keys whose value was given (undefined means "leave as it is"). */
export function given<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
