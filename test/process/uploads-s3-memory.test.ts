/**
 * A 50 MB upload to the S3 store is streamed, never held whole (issue 18 item 1): a real server process
 * (src/main.ts) with STORAGE_URL on s3rver; its peak RSS (the kernel's VmHWM, reset through
 * /proc/PID/clear_refs before each upload, cross-checked by sampling VmRSS) while receiving 50 MB stays
 * well below the 1 MB case plus the file. lib-storage holds at most three 5 MiB parts (~16 MB);
 * buffering the file would add ≥ 48 MB.
 */
import fs from 'node:fs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { childDatabase, killAllChildren, startServer, type ChildDatabase } from '../helpers/process.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';
import { clientCredentials, tokenFor } from '../reliability/child-server.ts';

const MB = 1024 * 1024;
/** Three parts in lib-storage's hands plus the socket and multipart buffers around them; the file is 47.7 MiB. */
const MAX_DELTA_MB = 32;

let s3: TestS3 | undefined;
let db: ChildDatabase | undefined;
afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
  await s3?.close();
});

const statusKb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Streams a multipart body of `size` bytes in 64 KB chunks (the client never holds the file). */
function streamUpload(url: string, token: string, size: number): Promise<number> {
  const boundary = '----uvs3memory';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = randomBytes(64 * 1024);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v2/admin/attachments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': head.length + size + tail.length },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  });
}

it('peak RSS for a 50 MB upload to S3 stays within 32 MB of a 1 MB upload', async () => {
  s3 = await startS3();
  db = await childDatabase();
  const creds = await clientCredentials(db, 'memory');
  const server = await startServer({ env: { ...db.env, ...s3.env('memory'), LOG_LEVEL: 'warn' } });
  const token = await tokenFor(server.url, creds);
  for (let i = 0; i < 3; i++) expect(await streamUpload(server.url, token, MB)).toBe(200); // warm-up
  const peaks: Record<string, number> = {};
  for (const [name, bytes] of [
    ['1 MB', MB],
    ['50 MB', 50_000_000],
  ] as const) {
    const resettable = resetPeak(server.pid);
    let sampled = statusKb(server.pid, 'VmRSS');
    const sampler = setInterval(() => (sampled = Math.max(sampled, statusKb(server.pid, 'VmRSS'))), 5);
    expect(await streamUpload(server.url, token, bytes)).toBe(200);
    clearInterval(sampler);
    peaks[name] = (resettable ? Math.max(statusKb(server.pid, 'VmHWM'), sampled) : sampled) / 1024;
  }
  const delta = peaks['50 MB']! - peaks['1 MB']!;
  console.log(`S3 upload peak RSS: 1 MB ${peaks['1 MB']!.toFixed(1)} MB, 50 MB ${peaks['50 MB']!.toFixed(1)} MB, delta ${delta.toFixed(1)} MB`);
  expect(delta).toBeLessThanOrEqual(MAX_DELTA_MB);
  expect((await s3.keys('memory/')).length).toBe(5); // three warm-ups, 1 MB, 50 MB
}, 180_000);
