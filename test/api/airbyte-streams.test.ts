import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/seed.ts';
import { localStore } from '../../src/storage/local.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

/**
 * The 33 streams of Airbyte's source-uservoice connector (test/fixtures/airbyte-uservoice-streams.json,
 * derived from its manifest, which names its source), read the way its declarative retriever reads them:
 * Bearer token, `per_page` left to the server except where a small page forces several, `cursor` taken from
 * `pagination.cursor` until there is none, `updated_after`/`updated_before` on incremental streams. Each must
 * answer 200 with its records under the extractor's field path, and a walk must visit every record once.
 */
interface Stream {
  name: string;
  path: string;
  field_path: string[];
  paginated: boolean;
  incremental: boolean;
  primary_key: string | null;
}

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/airbyte-uservoice-streams.json');
const { streams } = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { streams: Stream[] };
const MAX_PAGES = 200;

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  // The demo data first, so its owner is the account owner the token acts for; it has records of each kind.
  await seedDemo(app.server.db.orm.em.fork(), localStore(app.config.uploadsDir));
  token = await app.token();
});
afterAll(() => app?.close());

/** Airbyte's datetime format: `%Y-%m-%dT%H:%M:%SZ`. */
const airbyteTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const get = (url: string) => request(app.url, 'GET', `/api/v2${url}`, { token });

/** Records under the extractor's path (`[]`: the whole body is the one record). */
function extract(body: any, fieldPath: string[]): any[] {
  if (fieldPath.length === 0) return [body];
  let value = body;
  for (const key of fieldPath) value = value?.[key];
  return value;
}

describe('Airbyte source-uservoice streams', () => {
  it('the fixture lists the manifest\'s 33 streams, each once', () => {
    expect(streams).toHaveLength(33);
    expect(new Set(streams.map((s) => s.path)).size).toBe(33);
  });

  it.each(streams.map((s) => [s.name, s] as const))('%s answers 200 and a cursor walk visits every record once', async (_name, stream) => {
    // A start date before any record, an end a minute ahead (Airbyte's end is "now"; our bound is strict).
    const window = stream.incremental ? `updated_after=${airbyteTime(Date.parse('2000-01-01T00:00:00Z'))}&updated_before=${airbyteTime(Date.now() + 60_000)}` : '';
    const join = (...parts: string[]) => parts.filter(Boolean).join('&');
    if (!stream.paginated) {
      const reply = await get(`${stream.path}${window ? `?${window}` : ''}`);
      expect(reply.status, `${stream.path}: ${reply.text.slice(0, 200)}`).toBe(200);
      const records = extract(reply.body, stream.field_path);
      expect(records).toHaveLength(1);
      expect(records[0]).toEqual(expect.any(Object));
      return;
    }
    // Everything at once (the server's largest page) is what the walk must reproduce.
    const whole = await get(`${stream.path}?${join('per_page=100', window)}`);
    expect(whole.status, `${stream.path}: ${whole.text.slice(0, 200)}`).toBe(200);
    const expected = extract(whole.body, stream.field_path);
    expect(Array.isArray(expected), `${stream.path}: records under ${stream.field_path.join('.')}`).toBe(true);
    expect(whole.body.pagination.total_records).toBe(expected.length);
    // The demo data has records of every kind but one, so the walks below are not vacuous.
    if (stream.name !== 'service_hook_logs') expect(expected.length, `${stream.name} has records on the demo data`).toBeGreaterThan(0);
    const key = (record: any) => JSON.stringify(stream.primary_key ? record[stream.primary_key] : record);

    // Pages of 2, so every stream with more than two records takes the cursor path.
    const seen: string[] = [];
    let url = `${stream.path}?${join('per_page=2', window)}`;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const reply = await get(url);
      expect(reply.status, `${url}: ${reply.text.slice(0, 200)}`).toBe(200);
      seen.push(...extract(reply.body, stream.field_path).map(key));
      const cursor = reply.body.pagination?.cursor;
      if (cursor === undefined) break;
      url = `${stream.path}?${join('per_page=2', window, `cursor=${encodeURIComponent(cursor)}`)}`;
    }
    expect(new Set(seen).size, `${stream.name}: no record twice`).toBe(seen.length);
    expect(seen.sort()).toEqual(expected.map(key).sort());
  });
});
