import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
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
 * Airbyte's manifest; each names its sources), and those collections need demo records. A collection no
 * real client describes needs neither: its records are checked against the OpenAPI document's record
 * schema. Side-loaded collections are checked against their own contracts too.
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
  generated.addSchema((await (await fetch(`${app.url}/api/v2/openapi.json`)).json()) as object, 'openapi.json');
  const paths = new Set(appRoutes(app).filter((r) => r.methods.includes('GET')).map((r) => r.path));
  listed = [...registry.keys()].filter((type) => paths.has(`/api/v2/admin/${type}`));
});
afterAll(() => app?.close());

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
// `format: date-time` in a contract means UserVoice's wire form (DECISIONS.md): UTC, whole seconds, `Z`.
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const validators = new Map<string, ValidateFunction>();
/** The OpenAPI document's schemas (draft 2020-12), for collections without a contract file. */
const generated = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

/** The OpenAPI document's record schema of a collection (what a collection without a contract file is checked against). */
const generatedSchema = (type: string) => generated.compile({ $ref: `openapi.json#/components/schemas/${type}` });

/** Collections with a contract written from real clients' schemas (test/contracts/<type>.json). */
const hasContract = (type: string) => fs.existsSync(path.join(CONTRACTS, `${type}.json`));

/**
 * The compiled contract of a collection. A collection no real client describes has no file: its records
 * are checked against the record schema of the OpenAPI document (generated from its declaration).
 */
function contract(type: string): ValidateFunction {
  let validate = validators.get(type);
  if (validate) return validate;
  const file = path.join(CONTRACTS, `${type}.json`);
  if (!hasContract(type)) {
    validate = generatedSchema(type);
    validators.set(type, validate);
    return validate;
  }
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
      // Demo records are asked of the collections real clients read (those with a contract file).
      if (records.length === 0 && hasContract(type) && !EMPTY_BY_DESIGN[type]) problems.push(`${type}: the list is empty on the demo data (add demo records to fixtures/demo.json)`);
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

  it('without a contract file, the generated record schema fails a record that breaks it', async () => {
    const [record] = (await a.get('/forums?per_page=1')).body.forums;
    const validate = generatedSchema('forums');
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...record, name: null, links: { ...record.links, extra: 1 } })).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual(['/name must be string', '/links must NOT have additional properties']);
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
