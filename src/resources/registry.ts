import type { ResourceDef } from './define.ts';
import { declarations } from './index.ts';

/**
 * Every served resource type, by collection key: each `export const x = defineResource(…)` in this
 * folder, listed by the generated index.ts (`npm run generate`; migration:create runs it).
 */
export const registry: ReadonlyMap<string, ResourceDef> = new Map(declarations.map((def) => [def.type, def]));

export function resourceOf(type: string): ResourceDef {
  const def = registry.get(type);
  if (!def) throw new Error(`Unknown resource type ${type}`);
  return def;
}
