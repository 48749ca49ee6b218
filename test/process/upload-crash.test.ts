import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { childDatabase, killAllChildren, sleep, startServer, type ChildDatabase } from '../helpers/process.ts';
import { multipart, sha256 } from '../helpers/uploads.ts';

let database: ChildDatabase | undefined;
afterAll(async () => {
  await killAllChildren();
  await database?.cleanup();
});

async function tokenFor(url: string, id: string, secret: string): Promise<string> {
  const reply = await request(url, 'POST', '/api/v2/oauth/token', { form: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}` });
  expect(reply.status).toBe(200);
  return reply.body.access_token;
}

describe('kill -9 during uploads', () => {
  it('every upload that got a 2xx is complete after restart, and no row points at a missing or partial file', async () => {
    database = await childDatabase();
    const uploadsDir = database.env.UPLOADS_DIR!;
    const env = { ...database.env, SEED_DEMO: '1', LOG_LEVEL: 'warn' };
    const first = await startServer({ env });
    const { clientId, clientSecret } = first.banner;
    expect(clientId && clientSecret).toBeTruthy();
    const token = await tokenFor(first.url, clientId!, clientSecret!);

    // 24 uploads from 10 KB to 8 MB, 6 at a time; the server is killed while they are in flight.
    const sizes = Array.from({ length: 24 }, (_, i) => 10_000 + ((i * 7919) % 24) * 350_000);
    const sent = new Map<string, { size: number; hash: string }>();
    let next = 0;
    const worker = async () => {
      while (next < sizes.length) {
        const size = sizes[next++]!;
        const data = randomBytes(size);
        const { body, contentType } = multipart([{ name: 'file', data, filename: `f${size}.bin` }]);
        try {
          const reply = await request(first.url, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType } });
          if (reply.status === 200) sent.set(reply.body.attachments[0].token, { size, hash: sha256(data) });
        } catch {
          // The connection died with the server: this upload has no 2xx.
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    // Kill once a few uploads were acknowledged and others are still in flight.
    for (let waited = 0; sent.size < 3 && waited < 30_000; waited += 20) await sleep(20);
    first.child.kill('SIGKILL');
    await Promise.all(workers);
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');

    const second = await startServer({ env });
    const token2 = await tokenFor(second.url, clientId!, clientSecret!);
    const rows: any[] = [];
    for (let page = 1; ; page++) {
      const reply = await request(second.url, 'GET', `/api/v2/admin/attachments?per_page=100&page=${page}`, { token: token2 });
      expect(reply.status).toBe(200);
      rows.push(...reply.body.attachments);
      if (page >= reply.body.pagination.total_pages) break;
    }
    // Every acknowledged upload is there, byte for byte.
    for (const [tok, { size, hash }] of sent) {
      const row = rows.find((r) => r.token === tok);
      expect(row, tok).toBeDefined();
      expect(row.size_in_bytes).toBe(size);
      const download = await fetch(row.url);
      expect(download.status).toBe(200);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(hash);
    }
    // Every row (acknowledged or not) points at a complete file.
    for (const row of rows) {
      const download = await fetch(row.url);
      expect(download.status, `row ${row.id}`).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBe(row.size_in_bytes);
    }
    // The kill really interrupted the batch. What it left (temp files, or a stored blob whose row was
    // never committed) is invisible to clients and removed by the sweeper.
    expect(sent.size).toBeGreaterThanOrEqual(3);
    expect(sent.size).toBeLessThan(sizes.length);
    const blobs = fs
      .readdirSync(uploadsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'tmp')
      .flatMap((d) => fs.readdirSync(path.join(uploadsDir, d.name)));
    expect(blobs.length).toBeGreaterThanOrEqual(rows.length);
    await second.stop();
  }, 180_000);
});
