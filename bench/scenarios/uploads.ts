/**
 * Upload memory (ENGINEERING.md §2.4 T7, attachments issue point 8): the server's peak RSS while it
 * receives a 1 MB and a 50 MB upload. Streaming means the 50 MB peak stays within 16 MB of the 1 MB one.
 * The peak is the kernel's high-water mark (VmHWM), reset before each upload through
 * /proc/PID/clear_refs, and cross-checked by sampling VmRSS every 5 ms.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { median } from '../lib/load.ts';
import { freshDatabase, resetPeak, startServer, statusKb, tokenFor } from '../lib/server.ts';
import type { Scenario } from '../index.ts';

const MB = 1024 * 1024;
const TARGET_DELTA_MB = 16;

/** Streams a multipart body of `size` random bytes in 64 KB chunks (the client never holds the file). */
function upload(url: string, token: string, size: number): Promise<number> {
  const boundary = '----uvbench';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = randomBytes(64 * 1024);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/v2/admin/attachments`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': head.length + size + tail.length,
      },
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

export const uploads: Scenario = {
  name: 'uploads',
  description: 'server peak RSS while receiving a 1 MB and a 50 MB upload',
  async run({ options, log }) {
    const db = await freshDatabase('uploads');
    const server = await startServer(db.env);
    try {
      const token = await tokenFor(server);
      for (let i = 0; i < 3; i++) await upload(server.url, token, MB); // warm-up
      const sizes = [{ name: '1 MB', bytes: MB }, { name: '50 MB', bytes: 50_000_000 }];
      const peaks = new Map<string, number[]>();
      const sampled = new Map<string, number[]>();
      const seconds = new Map<string, number[]>();
      const resettable = resetPeak(server.pid);
      for (let r = 0; r < options.repeats; r++) {
        for (const { name, bytes } of sizes) {
          resetPeak(server.pid);
          let maxRss = statusKb(server.pid, 'VmRSS');
          const sampler = setInterval(() => (maxRss = Math.max(maxRss, statusKb(server.pid, 'VmRSS'))), 5);
          const started = performance.now();
          const status = await upload(server.url, token, bytes);
          const elapsed = (performance.now() - started) / 1000;
          clearInterval(sampler);
          if (status !== 200) throw new Error(`${name} upload answered ${status}`);
          peaks.set(name, [...(peaks.get(name) ?? []), statusKb(server.pid, 'VmHWM') / 1024]);
          sampled.set(name, [...(sampled.get(name) ?? []), maxRss / 1024]);
          seconds.set(name, [...(seconds.get(name) ?? []), elapsed]);
          log(`uploads ${name} #${r + 1}: peak ${(statusKb(server.pid, 'VmHWM') / 1024).toFixed(1)} MB in ${elapsed.toFixed(2)} s`);
        }
      }
      const peak = (name: string) => median((resettable ? peaks : sampled).get(name)!);
      const delta = peak('50 MB') - peak('1 MB');
      const table = sizes.map(({ name, bytes }) => ({
        upload: name,
        'peak RSS MB (median)': peak(name).toFixed(1),
        'sampled max RSS MB': median(sampled.get(name)!).toFixed(1),
        's (median)': median(seconds.get(name)!).toFixed(2),
        'MB/s': ((bytes / MB) / median(seconds.get(name)!)).toFixed(0),
      }));
      const pass = delta <= TARGET_DELTA_MB;
      const mbPerS = (50_000_000 / MB) / median(seconds.get('50 MB')!);
      return {
        detail: table,
        rows: [],
        summary: {
          uploads: {
            rps: null,
            p50_ms: null,
            p99_ms: null,
            ratio: null,
            sql: null,
            peak_1mb_mb: Number(peak('1 MB').toFixed(1)),
            peak_50mb_mb: Number(peak('50 MB').toFixed(1)),
            delta_mb: Number(delta.toFixed(1)),
            mb_per_s: Math.round(mbPerS),
            pass,
          },
        },
        checks: [
          {
            target: 'uploads: peak RSS of a 50 MB upload − that of a 1 MB one',
            figure: `${peak('50 MB').toFixed(1)} − ${peak('1 MB').toFixed(1)} = ${delta.toFixed(1)} MB`,
            threshold: `≤ ${TARGET_DELTA_MB} MB`,
            pass,
          },
        ],
        notes: [
          `50 MB peak − 1 MB peak = ${delta.toFixed(1)} MB (target ≤ ${TARGET_DELTA_MB} MB): ${pass ? 'pass' : 'FAIL'}` +
            (resettable ? '' : ' (VmHWM could not be reset; sampled RSS used)'),
        ],
      };
    } finally {
      await server.stop();
      await db.drop();
    }
  },
};
