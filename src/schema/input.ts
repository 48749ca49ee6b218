import { ValidationError } from '../errors.ts';

export type ScalarValue = string | number | boolean | Date | null | string[];
/** Scalars from coerce(); id lists and objects only from a `custom` rule's parse(). */
export type InputValue = ScalarValue | number[] | { readonly [key: string]: unknown };

/**
 * Validated write input keyed by wire name (`title`, `links.forum`): only valid values of keys the client
 * sent. Field errors are collected, not thrown, so a service can add its own (e.g. `links.forum` does
 * not exist) and answer one 422 naming every problem.
 */
export class Input extends Map<string, InputValue> {
  readonly errors: Record<string, string[]> = {};

  /** Throws a 422 with the collected field errors plus `more`, if there are any. */
  check(more: Record<string, string[]> = {}): this {
    const all = { ...more, ...this.errors };
    if (Object.keys(all).length > 0) throw new ValidationError(all);
    return this;
  }
}
