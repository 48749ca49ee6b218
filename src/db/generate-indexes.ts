import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes the lists Node cannot discover on its own: src/entities/index.ts (every entity, for MikroORM's
 * `entities` option and for imports), src/migrations/index.ts (the migration history, in timestamp
 * order) and src/resources/index.ts (every resource declaration, for the registry). MikroORM 7 finds entities in folders only through a glob of compiled
 * files or a TS loader; generating the static list keeps `node src/…` and vitest running the sources
 * as they are. `migration:create` runs this; so does `npm run generate`.
 */

const SRC = path.resolve(import.meta.dirname, '..');
export const ENTITIES_DIR = path.join(SRC, 'entities');
export const MIGRATIONS_DIR = path.join(SRC, 'migrations');
export const RESOURCES_DIR = path.join(SRC, 'resources');

const HEADER = (what: string) => `// Generated from the files in this folder by src/db/generate-indexes.ts (${what}); do not edit.\n`;
const COMMAND = 'npm run generate';

/** Files of a folder that may define what is listed (not the index itself, not helpers such as base.ts). */
function sources(dir: string, match: RegExp): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => match.test(name) && name !== 'index.ts')
    .sort();
}

/** src/entities/index.ts: each file's `export const XSchema = defineEntity(…)` and `export class X extends XSchema.class`. */
export function entitiesIndex(dir = ENTITIES_DIR): string {
  const imports: string[] = [];
  const reexports: string[] = [];
  const schemas: string[] = [];
  for (const file of sources(dir, /\.ts$/)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const found = [...text.matchAll(/^export const (\w+) = defineEntity\(/gm)].map((m) => m[1]!);
    if (found.length === 0) continue;
    const classes = [...text.matchAll(/^export class (\w+) extends (\w+)\.class\b/gm)].map((m) => m[1]!);
    imports.push(`import { ${found.join(', ')} } from './${file}';`);
    if (classes.length > 0) reexports.push(`export { ${classes.join(', ')} } from './${file}';`);
    schemas.push(...found);
  }
  return [
    HEADER(COMMAND),
    ...imports,
    '',
    ...reexports,
    '',
    '/** Every entity, for the ORM (`entities`) and db/schema.ts (typed Kysely tables). */',
    'export const entities = [',
    ...schemas.map((schema) => `  ${schema},`),
    '];',
    '',
  ].join('\n');
}

/** src/resources/index.ts: each file's `export const x = defineResource(…)`, in file order (the registry's order). */
export function resourcesIndex(dir = RESOURCES_DIR): string {
  const imports: string[] = [];
  const names: string[] = [];
  for (const file of sources(dir, /\.ts$/)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const found = [...text.matchAll(/^export const (\w+) = defineResource\(/gm)].map((m) => m[1]!);
    if (found.length === 0) continue;
    imports.push(`import { ${found.join(', ')} } from './${file}';`);
    names.push(...found);
  }
  return [
    HEADER(COMMAND),
    "import type { ResourceDef } from './define.ts';",
    ...imports,
    '',
    '/** Every served resource declaration (registry.ts indexes them by type). */',
    'export const declarations: ResourceDef[] = [',
    ...names.map((name) => `  ${name},`),
    '];',
    '',
  ].join('\n');
}

/** src/migrations/index.ts: every `MigrationYYYYMMDDhhmmss_name.ts`, oldest first (file names sort by timestamp). */
export function migrationsIndex(dir = MIGRATIONS_DIR): string {
  const names = sources(dir, /^Migration\d{14}_\w+\.ts$/).map((file) => {
    const name = file.slice(0, -3);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    if (!new RegExp(`^export class ${name} extends`, 'm').test(text)) throw new Error(`${file} does not export class ${name}`);
    return name;
  });
  return [
    HEADER(`${COMMAND}; migration:create runs it`),
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((name) => `import { ${name} } from './${name}.ts';`),
    '',
    '/** The committed migration history, in order. */',
    'export const migrationsList: MigrationObject[] = [',
    ...names.map((name) => `  { name: '${name}', class: ${name} },`),
    '];',
    '',
  ].join('\n');
}

/** Writes whichever index differs from what the folders hold; returns the paths written. */
export function writeIndexes(which: { entities?: boolean; migrations?: boolean; resources?: boolean } = { entities: true, migrations: true, resources: true }): string[] {
  const written: string[] = [];
  const targets: Array<[boolean | undefined, string, () => string]> = [
    [which.entities, path.join(ENTITIES_DIR, 'index.ts'), () => entitiesIndex()],
    [which.migrations, path.join(MIGRATIONS_DIR, 'index.ts'), () => migrationsIndex()],
    [which.resources, path.join(RESOURCES_DIR, 'index.ts'), () => resourcesIndex()],
  ];
  for (const [wanted, file, generate] of targets) {
    if (!wanted) continue;
    const text = generate();
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    fs.writeFileSync(file, text);
    written.push(path.relative(path.dirname(SRC), file));
  }
  return written;
}

// `npm run generate`: runs on its own, so it also repairs an index that no longer loads (a merge).
if (import.meta.main) for (const file of writeIndexes()) process.stdout.write(`wrote ${file}\n`);
