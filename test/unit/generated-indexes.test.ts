import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITIES_DIR, MIGRATIONS_DIR, RESOURCES_DIR, entitiesIndex, migrationsIndex, resourcesIndex } from '../../src/db/generate-indexes.ts';
import { entities } from '../../src/entities/index.ts';
import { migrationsList } from '../../src/migrations/index.ts';
import { declarations } from '../../src/resources/index.ts';

/**
 * src/entities/index.ts, src/migrations/index.ts and src/resources/index.ts are written by `npm run generate`
 * (migration:create runs it): a hand edit, or a merge of two branches that each added one, shows here.
 */
describe('generated indexes', () => {
  it('src/entities/index.ts lists every entity file, as the generator writes it', () => {
    expect(fs.readFileSync(path.join(ENTITIES_DIR, 'index.ts'), 'utf8')).toBe(entitiesIndex());
    const tables = entities.map((schema) => schema.meta.tableName);
    expect(new Set(tables).size).toBe(tables.length);
  });

  it('src/migrations/index.ts lists every migration file in timestamp order, as the generator writes it', () => {
    expect(fs.readFileSync(path.join(MIGRATIONS_DIR, 'index.ts'), 'utf8')).toBe(migrationsIndex());
    const names = migrationsList.map((m) => m.name);
    const files = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((file) => /^Migration\d{14}_\w+\.ts$/.test(file))
      .map((file) => file.slice(0, -3))
      .sort();
    expect(names).toEqual(files);
  });

  it('src/resources/index.ts lists every resource declaration once, as the generator writes it', () => {
    expect(fs.readFileSync(path.join(RESOURCES_DIR, 'index.ts'), 'utf8')).toBe(resourcesIndex());
    const types = declarations.map((def) => def.type);
    expect(new Set(types).size).toBe(types.length);
  });
});
