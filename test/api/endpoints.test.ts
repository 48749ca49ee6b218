import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointTable, withTable } from '../../src/openapi/readme.ts';
import { registry } from '../../src/resources/registry.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { appRoutes, type Route } from '../helpers/routes.ts';

/**
 * README.md's endpoint table is the one `npm run generate` writes from the OpenAPI document, whose paths
 * are checked against the router; its table of link types we do not serve is checked against the
 * registry. None can drift: a failure names the rows to change (or the command to run).
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
  it('is the table npm run generate writes from the OpenAPI document (every route, its methods, its note)', async () => {
    const doc = (await (await fetch(`${app.url}/api/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const written = withTable(README, endpointTable(doc));
    if (written !== README) {
      const have = new Set(README.split('\n'));
      const want = new Set(written.split('\n'));
      const diff = [...[...want].filter((l) => !have.has(l)).map((l) => `+ ${l}`), ...[...have].filter((l) => !want.has(l)).map((l) => `- ${l}`)];
      expect.fail(`README.md's endpoint table is stale: run \`npm run generate\`\n${diff.join('\n') || '(rows in another order)'}`);
    }
    // Every served path has its row (the table is the document's, and the document the router's).
    const rows = new Set(tableUnder('Endpoints').map(([cell]) => code(cell ?? '')[0]));
    expect([...new Set(appRoutes(app).map(readmePath))].filter((p) => !rows.has(p))).toEqual([]);
  });

  it('the table follows the document: a path added to it gets a row with its methods and note', () => {
    const table = endpointTable({
      paths: {
        '/api/v2/admin/widgets/{id}': { put: {}, delete: {} },
        '/health': { description: 'up | down', get: {} },
        '/api/v2/admin/widgets': { get: {}, post: {} },
      },
    });
    expect(table.split('\n')).toEqual([
      '| path | methods | notes |',
      '|---|---|---|',
      '| `/api/v2/admin/widgets` | GET, POST | |',
      '| `/api/v2/admin/widgets/{id}` | DELETE, PUT | |',
      '| `/health` | GET | up \\| down |',
    ]);
  });
});

describe('OpenAPI document', () => {
  it('describes exactly the routes the router serves, with their methods', async () => {
    const reply = await fetch(`${app.url}/api/v2/openapi.json`);
    const doc = (await reply.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Map(Object.entries(doc.paths).map(([p, ops]) => [p, methodsCell(Object.keys(ops).filter((k) => k !== 'description').map((m) => m.toUpperCase()).sort())]));
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
