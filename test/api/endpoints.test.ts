import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/registry.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { appRoutes, type Route } from '../helpers/routes.ts';

/**
 * README.md's endpoint table and the OpenAPI document's paths are checked against the router, and its table of link types we do not
 * serve against the registry, so neither can drift. A failure names the exact row to add or remove.
 */
const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The rows of the first table under the heading `title` (a `#…` line), as arrays of trimmed cells. */
function tableUnder(title: string): string[][] {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').trim() === title);
  if (start < 0) throw new Error(`README.md has no heading "${title}"`);
  const rows: string[][] = [];
  let seen = false;
  for (const line of lines.slice(start + 1)) {
    if (/^#+ /.test(line)) break;
    if (!line.startsWith('|')) {
      if (seen) break;
      continue;
    }
    seen = true;
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows.slice(1); // the header row
}

const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** `/api/v2/admin/comments/:id` → `/api/v2/admin/comments/{id}`, as the README writes paths. */
const readmePath = (route: Route) => route.path.replace(/:(\w+)/g, '{$1}');
const methodsCell = (methods: string[]) => methods.join(', ');

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('README endpoint table', () => {
  it('lists every route the router serves, with its methods, and nothing else', () => {
    const served = new Map(appRoutes(app).map((r) => [readmePath(r), methodsCell(r.methods)]));
    const documented = new Map<string, string>();
    for (const [pathCell, methods] of tableUnder('Endpoints')) {
      const [p] = code(pathCell ?? '');
      if (!p) throw new Error(`README endpoint row without a \`path\`: | ${pathCell} | ${methods} |`);
      documented.set(p, (methods ?? '').split(',').map((m) => m.trim()).sort().join(', '));
    }
    const problems: string[] = [];
    for (const [p, methods] of served) {
      if (!documented.has(p)) problems.push(`add the row   | \`${p}\` | ${methods} | … |`);
      else if (documented.get(p) !== methods) problems.push(`fix the methods of \`${p}\`: the router serves ${methods}, the README says ${documented.get(p)}`);
    }
    for (const p of documented.keys()) if (!served.has(p)) problems.push(`remove the row of \`${p}\` (no such route)`);
    expect(problems, `README.md "## Endpoints" table:\n${problems.join('\n')}`).toEqual([]);
  });
});

describe('OpenAPI document', () => {
  it('describes exactly the routes the router serves, with their methods', async () => {
    const reply = await fetch(`${app.url}/api/v2/openapi.json`);
    const doc = (await reply.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Map(Object.entries(doc.paths).map(([p, ops]) => [p, methodsCell(Object.keys(ops).map((m) => m.toUpperCase()).sort())]));
    const served = new Map(appRoutes(app).map((r) => [readmePath(r), methodsCell(r.methods)]));
    expect(documented).toEqual(served);
  });
});

describe('link types', () => {
  /** Every `<collection>.<association>` of every served collection, by the type it names. */
  function linkNames(): Map<string, string[]> {
    const byType = new Map<string, string[]>();
    for (const def of registry.values()) {
      for (const link of def.links) {
        const names = byType.get(link.type) ?? [];
        names.push(`${def.type}.${link.name}`);
        byType.set(link.type, names);
      }
    }
    return byType;
  }

  it('every type a links map names is served or listed in the README as not served (with the links that name it)', () => {
    const absent = new Map(tableUnder('Link types not served').map(([type, named]) => [code(type ?? '')[0] ?? '', code(named ?? '').sort()]));
    const problems: string[] = [];
    for (const [type, names] of linkNames()) {
      if (registry.has(type)) continue;
      const row = `| \`${type}\` | ${names.sort().map((n) => `\`${n}\``).join(', ')} | … |`;
      if (!absent.has(type)) problems.push(`add the row   ${row}`);
      else if (absent.get(type)!.join() !== names.sort().join()) problems.push(`fix the links naming \`${type}\`: ${row}`);
    }
    for (const type of absent.keys()) {
      if (registry.has(type)) problems.push(`remove the row of \`${type}\`: it is served now`);
      else if (!linkNames().has(type)) problems.push(`remove the row of \`${type}\`: no link names it`);
    }
    expect(problems, `README.md "### Link types not served" table:\n${problems.join('\n')}`).toEqual([]);
  });
});
