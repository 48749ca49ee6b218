import type { ResourceDef, WritableDef } from '../resources/define.ts';

/**
 * Example write bodies generated from a declaration's `writable` rules: every required rule and every
 * rule with an `example`, each with a value the rule accepts. The OpenAPI document shows them; the
 * OpenAPI test creates a record of every collection with them, so a new resource needs no body written
 * by hand.
 */

/** A value of a rule; `ref` asks `idOf` for a record of the link's type. */
function exampleValue(def: ResourceDef, name: string, rule: WritableDef, idOf: (type: string) => number, unique: string): unknown {
  if (rule.type === 'ref') {
    const type = rule.to ?? def.links.find((l) => `links.${l.name}` === name)?.type;
    if (!type) throw new Error(`${def.type}: writable ${name} names no declared link (say which collection with \`to\`)`);
    return idOf(type);
  }
  const text = (value: string) => value.slice(0, rule.max ?? value.length);
  // Text (declared or generated) takes the unique suffix: text columns are the ones declared unique.
  if ((rule.type === 'string' || rule.type === 'text') && (rule.example === undefined || typeof rule.example === 'string')) {
    return text(`${(rule.example as string | undefined) ?? `example_${name}`}${unique && `_${unique}`}`);
  }
  if (rule.example !== undefined) return rule.example;
  switch (rule.type) {
    case 'string':
    case 'text':
      return undefined; // handled above
    case 'email':
      return text(`example${unique && `-${unique}`}@example.com`);
    case 'boolean':
      return true;
    case 'integer':
      return 1;
    case 'timestamp':
      return '2025-01-01T00:00:00Z';
    case 'color':
      return '#3366cc';
    case 'mime':
      return 'text/plain';
    case 'tokens':
      return [];
    case 'custom':
      throw new Error(`${def.type}: writable ${name} is a custom rule without an \`example\` (define.ts WritableDef.example)`);
  }
}

/**
 * A create body for `def`, as JSON with links nested (`{"title": …, "links": {"forum": 1}}`). `unique`
 * is mixed into generated strings and addresses, so repeated bodies do not collide on unique columns.
 */
export function exampleBody(def: ResourceDef, idOf: (type: string) => number = () => 1, unique = ''): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const links: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(def.writable ?? {})) {
    if (!rule.required && rule.example === undefined) continue;
    const value = exampleValue(def, name, rule, idOf, unique);
    if (name.startsWith('links.')) links[name.slice('links.'.length)] = value;
    else body[name] = value;
  }
  if (Object.keys(links).length > 0) body.links = links;
  return body;
}
