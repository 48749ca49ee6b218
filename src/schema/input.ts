import { ValidationError } from '../errors.ts';

export type ScalarValue = string | number | boolean | Date | null | string[];
/** Values of a declaration without typed rules: scalars, id lists, objects from a `custom` rule. */
export type InputValue = ScalarValue | number[] | { readonly [key: string]: unknown };

/**
 * Validated write input keyed by wire name (`title`, `links.forum`): only valid values of keys the client
 * sent, typed by the declaration's schema (schema/write.ts InputOf). Field errors are collected, not
 * thrown, so a service can add its own (e.g. `links.forum` does not exist) and answer one 422 naming
 * every problem.
 */
export class Input<T extends object = Record<string, unknown>> {
  readonly errors: Record<string, string[]> = {};
  readonly #values: Map<string, unknown>;

  constructor(entries: Iterable<readonly [keyof T & string, unknown]> = []) {
    this.#values = new Map(entries);
  }

  /** The client sent a valid value (which may be null: cleared). */
  has(name: keyof T & string): boolean {
    return this.#values.has(name);
  }

  get<K extends keyof T & string>(name: K): T[K] | undefined {
    return this.#values.get(name) as T[K] | undefined;
  }

  set(name: keyof T & string, value: unknown): this {
    this.#values.set(name, value);
    return this;
  }

  /** The valid values by wire name, in the order they were read. */
  [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.#values.entries();
  }

  /** Throws a 422 with the collected field errors plus `more`, if there are any. */
  check(more: Record<string, string[]> = {}): this {
    const all = { ...more, ...this.errors };
    if (Object.keys(all).length > 0) throw new ValidationError(all);
    return this;
  }
}
