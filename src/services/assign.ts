import type { Input } from '../schema/input.ts';

/** Wire name → entity property name. */
export const camel = (wire: string) => wire.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Copies validated scalar input (not `links.*`) onto an entity: wire `welcome_message` → `welcomeMessage`.
 * Only keys declared writable ever reach here (schema/write.ts), so nothing read-only can be assigned.
 */
export function assignScalars(entity: object, input: Input): void {
  for (const [key, value] of input) {
    if (key.startsWith('links.')) continue;
    (entity as Record<string, unknown>)[camel(key)] = value;
  }
}
