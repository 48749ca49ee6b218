import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/registry.ts';
import { seedDemo } from '../../src/seed.ts';
import { localStore } from '../../src/storage/local.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { appRoutes } from '../helpers/routes.ts';

/**
 * Every record of every served list, on the demo data, against the JSON Schema in
 * test/contracts/<collection>.json (written from the Singer tap's schemas, the C# SDK models and
 * Airbyte's manifest; each names its sources). A collection with a list route needs a contract and demo
 * records; side-loaded collections are checked against their own contracts too.
 */
const CONTRACTS = path.resolve(import.meta.dirname, '../contracts');
const MAX_PAGES = 50;

let app: TestApp;
let a: Api;
/** Collections with a `GET /api/v2/admin/<collection>` list route, read from the router. */
let listed: string[];

beforeAll(async () => {
  app = await startTestApp();
  // The demo data first, so its owner is the account owner the token acts for.
  await seedDemo(app.server.db.orm.em.fork(), localStore(app.config.uploadsDir));
  a = await api(app);
  const paths = new Set(appRoutes(app).filter((r) => r.methods.includes('GET')).map((r) => r.path));
  listed = [...registry.keys()].filter((type) => paths.has(`/api/v2/admin/${type}`));
});
afterAll(() => app?.close());

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
// `format: date-time` in a contract means UserVoice's wire form (DECISIONS.md): UTC, whole seconds, `Z`.
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const validators = new Map<string, ValidateFunction>();

/** The compiled contract of a collection; fails the test (naming the file to write) when there is none. */
function contract(type: string): ValidateFunction {
  let validate = validators.get(type);
  if (validate) return validate;
  const file = path.join(CONTRACTS, `${type}.json`);
  if (!fs.existsSync(file)) throw new Error(`${type} is served but has no contract: write test/contracts/${type}.json`);
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(schema.$schema, file).toBe('http://json-schema.org/draft-07/schema#');
  expect(schema.$comment, `${file} names its sources in $comment`).toEqual(expect.stringMatching(/\S/));
  validate = ajv.compile(schema);
  validators.set(type, validate);
  return validate;
}

/** Schema violations of the records, one line each (`suggestions #3 /links/forum must be integer`). */
function violations(type: string, records: unknown[]): string[] {
  const validate = contract(type);
  const out: string[] = [];
  for (const record of records) {
    if (!validate(record)) {
      const id = (record as { id?: unknown }).id;
      for (const error of validate.errors ?? []) out.push(`${type} #${String(id)} ${error.instancePath || '/'} ${error.message}`);
    }
  }
  return out;
}

/** Every page of a list, following `pagination.cursor`. */
async function walk(type: string, query = ''): Promise<Array<Record<string, any>>> {
  const documents = [];
  let next = `/${type}?per_page=100${query}`;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const reply = await a.get(next);
    expect(reply.status, `GET ${next}: ${reply.text}`).toBe(200);
    documents.push(reply.body);
    const cursor = reply.body.pagination?.cursor;
    if (!cursor) return documents;
    next = `/${type}?per_page=100${query}&cursor=${encodeURIComponent(cursor)}`;
  }
  throw new Error(`${type}: more than ${MAX_PAGES} pages`);
}

/** Lists empty on the demo data by design, with the reason (their contracts still compile and check side-loads). */
const EMPTY_BY_DESIGN: Record<string, string> = {
  service_hooks: 'webhooks: a demo hook would post to a URL nobody owns (test/api/service-hooks.test.ts checks records)',
  service_hook_logs: 'webhook deliveries: there are no demo webhooks (test/api/service-hooks.test.ts checks records)',
};

describe('contracts', () => {
  it('reads the list routes from the router', () => {
    // The core collections at least; resources added later join through the registry and the router.
    expect(listed).toEqual(expect.arrayContaining(['suggestions', 'forums', 'users', 'comments', 'supporters', 'feedback_records']));
  });

  // A cursor walk of every collection (about 40 since issue 19): past 30 s on a loaded two-core machine.
  it('every record of every served list matches its contract, and no list is empty on the demo data', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (const type of listed) {
      const records = (await walk(type)).flatMap((doc) => doc[type] as Array<Record<string, any>>);
      if (records.length === 0 && !EMPTY_BY_DESIGN[type]) problems.push(`${type}: the list is empty on the demo data (add demo records to fixtures/demo.json)`);
      if (EMPTY_BY_DESIGN[type]) contract(type);
      problems.push(...violations(type, records));
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('side-loads every served type a record links to, and those records match their contracts too', async () => {
    const problems: string[] = [];
    for (const type of listed) {
      const def = registry.get(type)!;
      // Links to the record's own type resolve within the primary array (README: side-loading).
      const linked = [...new Set(def.links.map((l) => l.type))].filter((t) => t !== type && registry.has(t));
      if (linked.length === 0) continue;
      for (const doc of await walk(type, `&includes=${linked.join(',')}`)) {
        for (const link of def.links.filter((l) => linked.includes(l.type))) {
          const have = new Set(((doc[link.type] ?? []) as Array<{ id: number }>).map((r) => r.id));
          for (const record of doc[type] as Array<Record<string, any>>) {
            const value = record.links[link.name];
            for (const id of Array.isArray(value) ? value : value == null ? [] : [value]) {
              if (!have.has(id)) problems.push(`${type} #${record.id} links.${link.name} = ${id}: not side-loaded with includes=${link.type}`);
            }
          }
        }
        for (const sideType of linked) {
          if (!Array.isArray(doc[sideType])) {
            problems.push(`${type}?includes=${sideType}: no "${sideType}" array`);
            continue;
          }
          problems.push(...violations(sideType, doc[sideType]));
          const expected = Object.fromEntries(registry.get(sideType)!.links.map((l) => [`${sideType}.${l.name}`, { type: l.type }]));
          expect(doc.links, `${type}?includes=${sideType}: top-level links`).toMatchObject(expected);
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('a contract fails a record that breaks it (the check is live)', () => {
    const broken = violations('suggestions', [{ id: 1, title: 'x', average_engagement: null, links: { forum: 'one' } }]);
    expect(broken).toEqual(
      expect.arrayContaining([
        'suggestions #1 /average_engagement must be number',
        'suggestions #1 /links/forum must be integer,null',
        "suggestions #1 / must have required property 'supporter_mrr'",
      ]),
    );
  });
});
