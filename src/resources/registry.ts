import type { ResourceDef } from './define.ts';
import { attachments } from './attachments.ts';
import { categories } from './categories.ts';
import { forums } from './forums.ts';
import { labels } from './labels.ts';
import { statuses } from './statuses.ts';
import { suggestions } from './suggestions.ts';
import { users } from './users.ts';

/** Every served resource type, by collection key. Adding a resource = one declaration listed here. */
const all: ResourceDef[] = [suggestions, forums, users, categories, statuses, labels, attachments];

export const registry: ReadonlyMap<string, ResourceDef> = new Map(all.map((def) => [def.type, def]));

export function resourceOf(type: string): ResourceDef {
  const def = registry.get(type);
  if (!def) throw new Error(`Unknown resource type ${type}`);
  return def;
}
