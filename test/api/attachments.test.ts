import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sweepAttachments } from '../../src/services/attachments.ts';
import { localStore } from '../../src/storage/local.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { api, type Api } from '../helpers/factories.ts';
import { ISO_SECONDS, request } from '../helpers/http.ts';
import { multipart, png, sha256, upload } from '../helpers/uploads.ts';

let app: TestApp;
let a: Api;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.token();
  a = await api(app, token);
});
afterAll(() => app?.close());

const LINKS = { 'attachments.suggestion': { type: 'suggestions' }, 'attachments.note': { type: 'notes' } };
const signed = (id: number, kind: string) =>
  expect.stringMatching(new RegExp(`^${app.config.publicUrl}/api/v2/attachments/${id}/${kind}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));

/** Every file under the uploads directory (blobs, thumbnails and temp files). */
function storedFiles(): string[] {
  const root = app.config.uploadsDir;
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}

describe('POST /admin/attachments', () => {
  it("answers exactly as UserVoice's File Uploads guide shows, and the bytes read back identical", async () => {
    const image = await png();
    const reply = await upload(app.url, token, image, 'screenshot.png', 'application/octet-stream');
    expect(reply.status).toBe(200);
    const id = reply.body.attachments[0].id;
    expect(reply.body).toEqual({
      attachments: [
        {
          id: expect.any(Number),
          file_name: 'screenshot.png',
          content_type: 'image/png',
          size_in_bytes: image.length,
          url: signed(id, 'download'),
          thumb_url: signed(id, 'thumbnail'),
          token: expect.stringMatching(/^[0-9a-f]{32}$/),
          created_at: expect.stringMatching(ISO_SECONDS),
          updated_at: expect.stringMatching(ISO_SECONDS),
          links: { suggestion: null, note: null },
        },
      ],
      links: LINKS,
    });

    const download = await fetch(reply.body.attachments[0].url);
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(image));
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-length')).toBe(String(image.length));
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="screenshot.png"; filename*=UTF-8''screenshot.png`);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');

    // The token can be read back later.
    const again = await a.get(`/attachments/${id}`);
    expect(again.body.attachments[0].token).toBe(reply.body.attachments[0].token);
  });

  it('accepts exactly 50,000,000 bytes and refuses 50,000,001 with 413, keeping no partial file', async () => {
    const before = storedFiles();
    const big = Buffer.alloc(50_000_000, 7);
    const ok = await upload(app.url, token, big, 'exact.bin');
    expect(ok.status).toBe(200);
    expect(ok.body.attachments[0].size_in_bytes).toBe(50_000_000);
    const download = await fetch(ok.body.attachments[0].url);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(big));
    const afterOk = storedFiles();

    const tooBig = await upload(app.url, token, Buffer.alloc(50_000_001, 7), 'over.bin');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({ errors: { error: 'request_entity_too_large', message: 'Files may be at most 50000000 bytes' } });
    expect(storedFiles()).toEqual(afterOk);
    expect(afterOk.filter((f) => !before.includes(f))).toHaveLength(1);
  }, 120_000);

  it('refuses a declared Content-Length far beyond the limit before reading the body', async () => {
    const { contentType } = multipart([{ name: 'file', data: 'x', filename: 'x.bin' }]);
    const reply = await request(app.url, 'POST', '/api/v2/admin/attachments', {
      token,
      raw: 'x',
      headers: { 'Content-Type': contentType, 'Content-Length': '1' },
    });
    expect(reply.status).toBe(400);
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/api/v2/admin/attachments`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, 'Content-Length': String(200_000_000) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('--x'); // the body never arrives: the answer must not wait for it
    });
    expect(status).toBe(413);
  });

  it('422 without a file part, 422 for an empty file, 400 for two files, another part name or a non-multipart body', async () => {
    const noFile = multipart([{ name: 'includes', data: 'suggestions' }]);
    const missing = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: noFile.body, headers: { 'Content-Type': noFile.contentType } });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ errors: { file: ["can't be blank"] } });

    const empty = await upload(app.url, token, Buffer.alloc(0), 'empty.txt');
    expect(empty.status).toBe(422);
    expect(empty.body).toEqual({ errors: { file: ['is empty'] } });

    const two = multipart([
      { name: 'file', data: 'one', filename: 'a.txt' },
      { name: 'file', data: 'two', filename: 'b.txt' },
    ]);
    const twoReply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: two.body, headers: { 'Content-Type': two.contentType } });
    expect(twoReply.status).toBe(400);
    expect(twoReply.body).toEqual({ errors: { error: 'bad_request', message: 'Send exactly one file, in the part named "file"' } });

    const other = multipart([{ name: 'upload', data: 'x', filename: 'a.txt' }]);
    const otherReply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: other.body, headers: { 'Content-Type': other.contentType } });
    expect(otherReply.status).toBe(400);

    const json = await a.post('/attachments', { file: 'aGVsbG8=' });
    expect(json.status).toBe(400);
    expect(json.body).toEqual({ errors: { error: 'bad_request', message: 'Send the file as multipart/form-data, in a part named "file"' } });
  });

  it('400 for malformed multipart bodies, leaving no temp files', async () => {
    const before = storedFiles();
    const good = multipart([{ name: 'file', data: 'hello', filename: 'a.txt' }]);
    const cases: Array<[Buffer | string, string]> = [
      [good.body.subarray(0, good.body.length - 20), good.contentType], // truncated closing boundary
      [good.body, 'multipart/form-data'], // no boundary
      ['--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n', 'multipart/form-data; boundary=b'],
      ['garbage without any boundary', 'multipart/form-data; boundary=zzz'],
    ];
    for (const [raw, contentType] of cases) {
      const reply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw, headers: { 'Content-Type': contentType } });
      expect([400, 422]).toContain(reply.status);
      expect(reply.body.errors).toBeDefined();
    }
    expect(storedFiles()).toEqual(before);
  });

  it('sanitises hostile file names for display; the storage key never comes from them', async () => {
    const cases: Array<[string, string]> = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\boot.ini', 'boot.ini'],
      ['\u202Egnp.exe', 'gnp.exe'],
      ['résumé 📄.pdf', 'résumé 📄.pdf'],
      [`${'n'.repeat(300)}.txt`, `${'n'.repeat(251)}.txt`],
    ];
    for (const [name, shown] of cases) {
      const { body, contentType } = multipart([{ name: 'file', data: 'content', filename: name, type: 'text/plain' }]);
      const reply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType } });
      expect(reply.status, name).toBe(200);
      expect(reply.body.attachments[0].file_name).toBe(shown);
      const download = await fetch(reply.body.attachments[0].url);
      expect(download.headers.get('content-disposition')).not.toMatch(/[\r\n]/);
      expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''/);
    }
    expect(storedFiles().some((f) => /passwd|boot|résumé/.test(f))).toBe(false);
    // busboy reads a part whose file name is only dots as a plain field: there is no file then.
    const dots = multipart([{ name: 'file', data: 'content', filename: '..' }]);
    const dotsReply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: dots.body, headers: { 'Content-Type': dots.contentType } });
    expect(dotsReply.status).toBe(422);
    expect(dotsReply.body).toEqual({ errors: { file: ["can't be blank"] } });
    // A NUL inside the part header is a malformed multipart body (busboy refuses it).
    const { body, contentType } = multipart([{ name: 'file', data: 'content', filename: 'a\u0000b.png' }]);
    const nul = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType } });
    expect(nul.status).toBe(400);
    expect(nul.body).toEqual({ errors: { error: 'bad_request', message: 'The multipart body is malformed' } });
  });

  it('sniffs the content type from the bytes', async () => {
    const cases: Array<[Buffer, string, string, boolean]> = [
      [await png(), 'text/plain', 'image/png', true],
      [Buffer.from('<html><script>alert(1)</script></html>'), 'image/png', 'application/octet-stream', false],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', 'application/octet-stream', false],
      [Buffer.from('just some notes\n'), 'text/plain', 'text/plain', false],
      [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'application/octet-stream', 'application/pdf', false],
    ];
    for (const [data, declared, stored, thumb] of cases) {
      const reply = await upload(app.url, token, data, 'x', declared);
      expect(reply.status).toBe(200);
      expect(reply.body.attachments[0].content_type, declared).toBe(stored);
      expect(reply.body.attachments[0].thumb_url === null).toBe(!thumb);
      const download = await fetch(reply.body.attachments[0].url);
      expect(download.headers.get('content-type')).toBe(stored);
    }
  });

  it('takes includes from the multipart form', async () => {
    const { body, contentType } = multipart([
      { name: 'file', data: 'abc', filename: 'a.txt', type: 'text/plain' },
      { name: 'includes', data: 'suggestions' },
    ]);
    const reply = await request(app.url, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType } });
    expect(reply.status).toBe(200);
    expect(reply.body.suggestions).toEqual([]);
  });
});

describe('linking with attachment_tokens', () => {
  const newToken = async (name = 'a.txt') => (await upload(app.url, token, Buffer.from(`data ${name}`), name, 'text/plain')).body.attachments[0].token as string;

  it("links on suggestion create (array or comma string) and on update as UserVoice's guide does", async () => {
    const forum = await a.forum();
    const [t1, t2, t3] = [await newToken('1.txt'), await newToken('2.txt'), await newToken('3.txt')];
    const created = await a.post('/suggestions', { title: 'With files', links: { forum: forum.id }, attachment_tokens: [t1] });
    expect(created.status).toBe(200);
    const sid = created.body.suggestions[0].id;
    const formCreated = await a.post('/suggestions', undefined, { form: `title=Form&links.forum=${forum.id}&attachment_tokens=${t2}` });
    expect(formCreated.status).toBe(200);

    const put = await a.put(`/suggestions/${sid}`, undefined, { form: `attachment_tokens=${t1},${t3}` });
    expect(put.status).toBe(200);
    const listed = await a.get(`/attachments?suggestion=${sid}&includes=suggestions&sort=id`);
    expect(listed.body.attachments.map((x: any) => [x.token, x.links.suggestion])).toEqual([
      [t1, sid],
      [t3, sid],
    ]);
    expect(listed.body.suggestions.map((s: any) => s.id)).toEqual([sid]);
    expect(listed.body.pagination.total_records).toBe(2);
  });

  it('422 for an unknown or malformed token, and nothing is written', async () => {
    const forum = await a.forum();
    const good = await newToken();
    for (const tokens of [`${good},${'0'.repeat(32)}`, 'not-a-token']) {
      const reply = await a.post('/suggestions', { title: 'Nope', links: { forum: forum.id }, attachment_tokens: tokens });
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ errors: { attachment_tokens: ['contains an unknown token'] } });
    }
    expect((await a.get(`/suggestions?forum=${forum.id}`)).body.pagination.total_records).toBe(0);
    expect((await a.get(`/forums/${forum.id}`)).body.forums[0].suggestions_count).toBe(0);
    const attachment = (await a.get(`/attachments?per_page=100`)).body.attachments.find((x: any) => x.token === good);
    expect(attachment.links.suggestion).toBeNull();
  });

  it('422 for a token already linked elsewhere; re-linking to the same suggestion is fine', async () => {
    const forum = await a.forum();
    const t = await newToken();
    const first = await a.post('/suggestions', { title: 'First', links: { forum: forum.id }, attachment_tokens: t });
    const second = await a.post('/suggestions', { title: 'Second', links: { forum: forum.id }, attachment_tokens: t });
    expect(second.status).toBe(422);
    expect(second.body).toEqual({ errors: { attachment_tokens: ['contains a token already linked to another record'] } });
    const same = await a.put(`/suggestions/${first.body.suggestions[0].id}`, { attachment_tokens: t });
    expect(same.status).toBe(200);
    const blank = await a.put(`/suggestions/${first.body.suggestions[0].id}`, undefined, { form: 'title=Renamed&attachment_tokens=' });
    expect(blank.status).toBe(200);
  });

  it('two concurrent requests linking one token: exactly one wins', async () => {
    const forum = await a.forum();
    const [s1, s2] = [await a.suggestion(forum.id), await a.suggestion(forum.id)];
    for (let round = 0; round < 5; round++) {
      const t = await newToken(`race${round}.txt`);
      const replies = await Promise.all([a.put(`/suggestions/${s1.id}`, { attachment_tokens: t }), a.put(`/suggestions/${s2.id}`, { attachment_tokens: t })]);
      expect(replies.map((r) => r.status).sort()).toEqual([200, 422]);
      const attachment = (await a.get(`/attachments?per_page=100`)).body.attachments.find((x: any) => x.token === t);
      const winner = replies[0]!.status === 200 ? s1.id : s2.id;
      expect(attachment.links.suggestion).toBe(winner);
    }
  });
});

describe('reading, deleting and downloading', () => {
  it('DELETE returns the record and removes the file; afterwards 404 everywhere', async () => {
    const reply = await upload(app.url, token, Buffer.from('bye'), 'bye.txt', 'text/plain');
    const attachment = reply.body.attachments[0];
    const before = storedFiles();
    const deleted = await a.delete(`/attachments/${attachment.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ attachments: [{ ...attachment, url: expect.any(String), thumb_url: null }], links: LINKS });
    expect(storedFiles()).toHaveLength(before.length - 1);
    expect((await a.get(`/attachments/${attachment.id}`)).status).toBe(404);
    expect((await fetch(attachment.url)).status).toBe(404);
    expect((await a.delete(`/attachments/${attachment.id}`)).status).toBe(404);
  });

  it('signed URLs: tampered signature or expiry → 403, expired → 403, unknown → 404', async () => {
    const { url } = (await upload(app.url, token, Buffer.from('secret'), 's.txt', 'text/plain')).body.attachments[0];
    const u = new URL(url);
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `${u.searchParams.get('signature')!.slice(0, -2)}AA`);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
    const otherId = new URL(url.replace(/attachments\/\d+\//, 'attachments/999999/'));
    for (const [target, status, message] of [
      [tampered, 403, 'The link is not valid'],
      [later, 403, 'The link is not valid'],
      [otherId, 403, 'The link is not valid'],
      [new URL(`${u.origin}${u.pathname}`), 403, 'The link is not valid'],
    ] as const) {
      const reply = await fetch(target);
      expect(reply.status).toBe(status);
      expect(await reply.json()).toEqual({ errors: { error: 'forbidden', message } });
    }
    app.clock.now = Date.now() + 16 * 60 * 1000;
    try {
      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      expect(await expired.json()).toEqual({
        errors: { error: 'forbidden', message: 'The link has expired; read the attachment again for a fresh url' },
      });
    } finally {
      app.clock.now = undefined;
    }
  });

  it('makes a PNG thumbnail of at most 200×200, once', async () => {
    const reply = await upload(app.url, token, await png(640, 480), 'big.png', 'image/png');
    const thumbUrl = reply.body.attachments[0].thumb_url;
    for (let i = 0; i < 2; i++) {
      const thumb = await fetch(thumbUrl);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/png');
      expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([meta.width, meta.height]).toEqual([200, 150]);
    }
    expect(storedFiles().filter((f) => f.endsWith('.thumb'))).toHaveLength(1);
  });
});

describe('sweeper', () => {
  it('removes unlinked uploads past the TTL, blobs without a row and stale temp files; keeps linked ones', async () => {
    const forum = await a.forum();
    const linked = (await upload(app.url, token, Buffer.from('keep'), 'keep.txt', 'text/plain')).body.attachments[0];
    await a.post('/suggestions', { title: 'Keeper', links: { forum: forum.id }, attachment_tokens: linked.token });
    const loose = (await upload(app.url, token, Buffer.from('loose'), 'loose.txt', 'text/plain')).body.attachments[0];
    const orphan = path.join(app.config.uploadsDir, 'zz', 'zzOrphanBlobWithoutRow000000000');
    fs.mkdirSync(path.dirname(orphan), { recursive: true });
    fs.writeFileSync(orphan, 'orphan');
    const temp = path.join(app.config.uploadsDir, 'tmp', 'crashed.part');
    fs.writeFileSync(temp, 'partial');
    const old = new Date(Date.now() - 2 * 86400 * 1000);
    fs.utimesSync(orphan, old, old);
    fs.utimesSync(temp, old, old);

    const future = new Date(Date.now() + 25 * 3600 * 1000);
    const result = await sweepAttachments(app.server.db.orm.em.fork(), storeOf(app), 24 * 3600, future);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    expect(result.orphans).toBe(1);
    expect(result.partial).toBe(1);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(temp)).toBe(false);
    expect((await a.get(`/attachments/${loose.id}`)).status).toBe(404);
    expect((await a.get(`/attachments/${linked.id}`)).status).toBe(200);
    expect((await fetch((await a.get(`/attachments/${linked.id}`)).body.attachments[0].url)).status).toBe(200);
  });
});

const storeOf = (t: TestApp) => localStore(t.config.uploadsDir);
