/**
 * RELIABILITY.md F11, Redis state loss: FLUSHALL in the middle of a rate-limit window. No request fails,
 * the limit starts again from a fresh window (Remaining back near the top), and every limiter key of
 * this deployment (`uv:*`) has a TTL afterwards. FLUSHALL empties a whole Redis, so the test starts a
 * redis-server of its own on a free 127.0.0.1 port and never touches the machine's shared one.
 * Needs DATABASE_URL (a server process on PostgreSQL) and REDIS_URL (says redis-server is installed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { POSTGRES_MODE, killAllChildren, sleep, tryConnect, withTimeout } from '../helpers/process.ts';
import { startChildServer, type ChildServer } from './child-server.ts';
import { count, newFigures, report } from './figures.ts';

const REDIS_URL = process.env.REDIS_URL?.trim() || undefined;
const REDIS_SERVER = '/usr/bin/redis-server';
const LIMIT = 50;

let child: ChildServer | undefined;
let redisServer: ChildProcess | undefined;
let probe: Redis | undefined;
afterAll(async () => {
  probe?.disconnect();
  await child?.close();
  await killAllChildren();
  if (redisServer && redisServer.exitCode === null && redisServer.signalCode === null) {
    const gone = new Promise((resolve) => redisServer!.once('exit', resolve));
    redisServer.kill('SIGKILL');
    await withTimeout(gone, 10_000, 'redis-server did not exit').catch(() => undefined);
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// Skipped without DATABASE_URL and REDIS_URL (REDIS_URL says this machine has Redis; the test still
// runs its own redis-server, since FLUSHALL would empty the shared one).
describe.skipIf(!POSTGRES_MODE || !REDIS_URL || !fs.existsSync(REDIS_SERVER))('F11 Redis FLUSHALL mid-window', () => {
  it('no errors, the limit starts again, every limiter key has a TTL', async () => {
    const port = await freePort();
    redisServer = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while ((await tryConnect(port)) !== 'connected') {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await sleep(50);
    }
    const redisUrl = `redis://127.0.0.1:${port}`;
    // A generous Redis timeout: this test is about lost state, not a slow Redis (F9), and on a loaded
    // machine the 100 ms default would send a request to the in-process fallback counters.
    child = await startChildServer({ REDIS_URL: redisUrl, RATE_LIMIT_PER_MINUTE: String(LIMIT), REDIS_TIMEOUT_MS: '2000' });
    const { server, token } = child;
    probe = new Redis(redisUrl, { lazyConnect: true });
    await probe.connect();

    const f = newFigures();
    const remaining: number[] = [];
    const hit = async () => {
      const r = await request(server.url, 'GET', '/api/v2/admin/users/current', { token });
      count(f, r.status, r.status !== 200);
      remaining.push(Number(r.headers.get('x-rate-limit-remaining')));
      return r;
    };
    for (let i = 0; i < 20; i++) await hit();
    const beforeFlush = remaining.at(-1)!;
    const keysBefore = await scan(probe);
    expect(keysBefore.length).toBeGreaterThan(0);

    await probe.flushall();
    // Concurrent requests right after the loss: the first INCR recreates the key, with its TTL.
    await Promise.all(Array.from({ length: 5 }, hit));
    // A fast client holds units it leased before the flush (README, Rate limits: busy clients lease),
    // and spends those first; the fresh window shows once they are gone. On a quiet machine these
    // requests come faster than 100 a second and lease; on a loaded one they do not.
    for (let i = 0; i < 25 && !remaining.slice(20).some((r) => r > beforeFlush); i++) await hit();
    const afterFlush = remaining.slice(20);
    const keysAfter = await scan(probe);
    const ttls = await Promise.all(keysAfter.map(async (key) => [key, await probe!.pttl(key)] as const));
    const noTtl = ttls.filter(([, ttl]) => ttl < 0);
    report('F11', 'Redis FLUSHALL mid-window', f, {
      remaining_before_flush: beforeFlush,
      lowest_remaining_after: Math.min(...afterFlush),
      limiter_keys: keysAfter.length,
      keys_without_ttl: noTtl.length,
    });

    expect(f.errors).toBe(0);
    expect(beforeFlush).toBe(LIMIT - 20);
    // A fresh window: counting starts from the top again (Remaining goes back above where it was),
    // within the 30 requests after the flush.
    expect(Math.max(...afterFlush)).toBeGreaterThan(beforeFlush);
    expect(keysAfter.length).toBeGreaterThan(0);
    expect(noTtl).toEqual([]);
    expect(child.server.child.exitCode).toBeNull();
  }, 90_000);
});

/** This deployment's limiter keys only (SCAN with the `uv:` prefix, never KEYS on everything). */
async function scan(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', 'uv:*', 'COUNT', 100);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
