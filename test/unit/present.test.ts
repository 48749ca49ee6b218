import { describe, expect, it } from 'vitest';
import { manyAlias, present, presentSlow, type Row } from '../../src/resources/define.ts';
import { registry } from '../../src/resources/registry.ts';

const env = { publicUrl: 'http://localhost:3000', signedUrl: (path: string) => `http://localhost:3000${path}?sig=x` };

/** A row with every column a declaration reads, in the shapes the drivers hand over. */
function sampleRow(def: NonNullable<ReturnType<typeof registry.get>>, variant: number): Row {
  const row: Row = { id: 7 + variant };
  const value = (type: string) => {
    if (variant === 2) return null;
    switch (type) {
      case 'timestamp':
        return variant === 0 ? '2025-03-15 11:54:05.678+00' : '2025-03-15 13:54:05+02';
      case 'integer':
      case 'number':
        return variant === 0 ? 3 : '42';
      case 'boolean':
        return variant === 0;
      case 'object':
        return { a: 1 };
      default:
        return `text "${variant}" é`;
    }
  };
  for (const field of def.fields) {
    row[field.column ?? field.name] = value(field.type);
    for (const column of field.uses ?? []) row[column] ??= value('string');
  }
  for (const link of def.links) {
    if (link.column) row[link.column] = variant === 2 ? null : variant === 0 ? 5 : '6';
    if (link.many) row[manyAlias(link)] = variant === 2 ? null : [1, '2'];
  }
  return row;
}

describe('present (compiled per declaration)', () => {
  it('gives the same record, key order included, as presentSlow for every resource', () => {
    for (const def of registry.values()) {
      for (const variant of [0, 1, 2]) {
        const row = sampleRow(def, variant);
        expect(JSON.stringify(present(def, row, env)), `${def.type} #${variant}`).toBe(JSON.stringify(presentSlow(def, row, env)));
      }
    }
  });

  it('turns driver timestamps into UTC whole seconds, with or without the fast path', () => {
    const [def] = registry.values();
    const field = def!.fields.find((f) => f.type === 'timestamp' && !f.value)!;
    const at = (value: unknown) => present(def!, { id: 1, [field.column ?? field.name]: value }, env)[field.name];
    expect(at('2025-03-15 11:54:05.678+00')).toBe('2025-03-15T11:54:05Z');
    expect(at('2025-03-15 11:54:05+00')).toBe('2025-03-15T11:54:05Z');
    expect(at('2025-03-15 13:54:05.9+02')).toBe('2025-03-15T11:54:05Z');
    expect(at(new Date('2025-03-15T11:54:05.999Z'))).toBe('2025-03-15T11:54:05Z');
    expect(at('infinity')).toBeNull();
  });
});
