/**
 * Attachments on an S3-compatible object store (STORAGE_URL=s3://…): the same behaviour as on local disk
 * (test/api/attachments.test.ts) against a real S3 server — s3rver from npm, started here on 127.0.0.1
 * with signature checking on. Streaming multipart upload, size limits, downloads, thumbnails, deletes,
 * the sweeper, failed writes leaving no object, and the store failing (503, start refused).
 */
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { sweepAttachments } from '../../src/services/attachments.ts';
import { StorageUnavailableError, TruncatedUploadError, StorageWriteError } from '../../src/storage/index.ts';
import { s3Store } from '../../src/storage/s3.ts';
import { describeFailure } from '../../src/startup.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { png, sha256, upload } from '../helpers/uploads.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

let s3: TestS3;
let app: TestApp;
let a: Api;
let token: string;
let prefix: string;
beforeAll(async () => {
  s3 = await startS3();
  prefix = 'app-under-test';
  app = await startTestApp({ env: s3.env(prefix) });
  token = await app.token();
  a = await api(app, token);
});
afterAll(async () => {
  await app?.close();
  await s3?.close();
});

/** Object keys the app stored, without the prefix. */
const objects = async () => (await s3.keys(`${prefix}/`)).map((k) => k.slice(prefix.length + 1));
const storeOf = () => s3Store(s3.config(prefix));

/** A stream of `total` bytes in 1 MB chunks that fails with `error` after `failAfter` bytes. */
function failingStream(total: number, failAfter: number, error: Error): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= failAfter) return void this.destroy(error);
      const n = Math.min(1024 * 1024, total - sent, failAfter - sent);
      sent += n;
      this.push(Buffer.alloc(n, 3));
    },
  });
}

describe('uploads and downloads through the bucket', () => {
  it('stores the upload as one object under the prefix and serves the same bytes, type and headers', async () => {
    const before = await objects();
    const image = await png();
    const reply = await upload(app.url, token, image, 'shot.png', 'application/octet-stream');
    expect(reply.status).toBe(200);
    const attachment = reply.body.attachments[0];
    expect(attachment).toMatchObject({ file_name: 'shot.png', content_type: 'image/png', size_in_bytes: image.length });
    const added = (await objects()).filter((k) => !before.includes(k));
    expect(added).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{32}$/)]);

    const download = await fetch(attachment.url);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(image));
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-length')).toBe(String(image.length));
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="shot.png"; filename*=UTF-8''shot.png`);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    // The thumbnail is made once and kept in the bucket beside the original.
    for (let i = 0; i < 2; i++) {
      const thumb = await fetch(attachment.thumb_url);
      expect(thumb.status).toBe(200);
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([meta.width, meta.height]).toEqual([200, 150]);
    }
    expect(await objects()).toEqual([...before, added[0]!, `${added[0]}.thumb`].sort());

    // DELETE removes the object and its thumbnail.
    expect((await a.delete(`/attachments/${attachment.id}`)).status).toBe(200);
    expect(await objects()).toEqual(before);
    expect((await fetch(attachment.url)).status).toBe(404);
  });

  it('accepts exactly 50,000,000 bytes (a multipart upload) and refuses 50,000,001 with 413, storing nothing', async () => {
    const before = await objects();
    const big = Buffer.alloc(50_000_000, 7);
    big.write('distinct head', 0);
    const ok = await upload(app.url, token, big, 'exact.bin');
    expect(ok.status).toBe(200);
    expect(ok.body.attachments[0].size_in_bytes).toBe(50_000_000);
    const download = await fetch(ok.body.attachments[0].url);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(big));
    const afterOk = await objects();
    expect(afterOk.filter((k) => !before.includes(k))).toHaveLength(1);

    const tooBig = await upload(app.url, token, Buffer.alloc(50_000_001, 7), 'over.bin');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({ errors: { error: 'request_entity_too_large', message: 'Files may be at most 50000000 bytes' } });
    expect(await objects()).toEqual(afterOk);
    await a.delete(`/attachments/${ok.body.attachments[0].id}`);
  }, 120_000);
});

describe('crash safety: a write that does not finish leaves no object', () => {
  it('a source failing inside the first part, or after several parts were sent, stores nothing', async () => {
    const store = storeOf();
    for (const [total, failAfter] of [
      [1_000_000, 300_000],
      [20_000_000, 12_000_000],
    ] as const) {
      const key = `crash${total}xxxxxxxx`;
      const boom = new Error('client went away');
      await expect(store.put(key, failingStream(total, failAfter, boom))).rejects.toBe(boom);
      expect(await store.get(key)).toBeUndefined();
    }
    expect((await objects()).filter((k) => k.startsWith('crash'))).toEqual([]);
  });

  it('a body cut short by the size limit (multer ends it early) is refused, not completed', async () => {
    const store = storeOf();
    const key = 'truncatedxxxxxxxx';
    await expect(store.put(key, Readable.from([Buffer.alloc(6_000_000, 1)]), { truncated: () => true })).rejects.toBeInstanceOf(TruncatedUploadError);
    expect(await store.get(key)).toBeUndefined();
  });
});

describe('sweeper', () => {
  it('removes unlinked uploads past the TTL and objects without a row; keeps linked ones', async () => {
    const forum = await a.forum();
    const linked = (await upload(app.url, token, Buffer.from('keep'), 'keep.txt', 'text/plain')).body.attachments[0];
    await a.post('/suggestions', { title: 'Keeper', links: { forum: forum.id }, attachment_tokens: linked.token });
    const loose = (await upload(app.url, token, Buffer.from('loose'), 'loose.txt', 'text/plain')).body.attachments[0];
    const store = storeOf();
    await store.put('zzOrphanBlobWithoutRow000000000', Readable.from([Buffer.from('orphan')]));
    // An object of another deployment under a deeper prefix is not ours to sweep.
    await s3Store(s3.config(`${prefix}/other`)).put('notOursToSweep0000', Readable.from([Buffer.from('other')]));

    // S3 sets LastModified itself, so the sweep runs "a day later" instead of back-dating objects.
    const future = new Date(Date.now() + 25 * 3600 * 1000);
    const result = await sweepAttachments(app.server.db.orm.em.fork(), store, 24 * 3600, future);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect(result.orphans).toBe(1);
    // s3rver does not list multipart uploads (NotImplemented): nothing to abort, and no failure.
    expect(result.partial).toBe(0);
    const left = await objects();
    expect(left).not.toContain('zzOrphanBlobWithoutRow000000000');
    expect(left).toContain('other/notOursToSweep0000');
    expect((await a.get(`/attachments/${loose.id}`)).status).toBe(404);
    const kept = await a.get(`/attachments/${linked.id}`);
    expect(kept.status).toBe(200);
    expect(await (await fetch(kept.body.attachments[0].url)).text()).toBe('keep');
  });
});

describe('when the store fails', () => {
  it('an upload the store cannot take is a 503 with Retry-After (the client may retry), not a 400 or 500', async () => {
    const own = await startS3();
    const logs: string[] = [];
    const broken = await startTestApp({ env: own.env('gone'), logs });
    try {
      await own.close(); // the object store goes away under the running server
      const reply = await upload(broken.url, await broken.token(), Buffer.from('x'.repeat(1000)), 'x.txt', 'text/plain');
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(reply.body).toEqual({ errors: { error: 'service_unavailable', message: 'The file could not be stored; try again later' } });
      expect(logs.some((l) => l.includes('upload storage failed'))).toBe(true);
      expect(logs.join('\n')).not.toContain('S3RVER'); // the credentials
    } finally {
      await broken.close();
    }
  });

  it('a store that cannot be reached or written refuses the start with one line and exit 4, naming no secret', async () => {
    const secret = 'wrong-secret-0123456789';
    const cases = [
      { ...s3.env(), STORAGE_URL: `s3://no-such-bucket-here?endpoint=${encodeURIComponent(s3.endpoint)}` },
      // s3rver checks the key id, not the SigV4 signature: an unknown key id stands for bad credentials.
      { ...s3.env(), S3_ACCESS_KEY_ID: 'NOT-A-KEY', S3_SECRET_ACCESS_KEY: secret },
    ];
    for (const env of cases) {
      const store = s3Store(loadConfig(env).storage as never);
      const error = await store.check!().then(
        () => undefined,
        (e: unknown) => e,
      );
      await store.close?.();
      expect(error).toBeInstanceOf(StorageUnavailableError);
      const { line, exitCode } = describeFailure(error);
      expect(exitCode).toBe(4);
      expect(line).toMatch(/^configuration error: S3 bucket \S+ cannot be reached \(.+\)$/);
      expect(line).not.toContain(secret);
      expect(line).not.toContain('\n');
    }
  });

  it('a write the store rejects is a StorageWriteError (answered 503), not mistaken for a client error', async () => {
    const store = s3Store({ ...s3.config(prefix), bucket: 'no-such-bucket-here' });
    await expect(store.put('someKeyxxxxxxxxx', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(StorageWriteError);
    await store.close?.();
  });
});
