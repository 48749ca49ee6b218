/**
 * `npm start` on a fresh database: the banner, the demo client, and the two ready-to-paste curl lines
 * run exactly as a user would paste them into bash.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  POSTGRES_MODE,
  childDatabase,
  childEnv,
  killAllChildren,
  startServer,
  type ChildDatabase,
  type ServerProcess,
} from '../helpers/process.ts';

const TIMEOUT = 120_000;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const databases: ChildDatabase[] = [];

async function freshDatabase(): Promise<ChildDatabase> {
  const db = await childDatabase();
  databases.push(db);
  return db;
}

/** Runs a script with bash -c in a clean environment (PATH, HOME): returns stdout; fails on a non-zero exit. */
function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { env: childEnv(), timeout: 30_000, maxBuffer: 10_000_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`bash failed: ${error.message}\n--- script ---\n${script}\n--- stderr ---\n${stderr}`));
      else resolve(stdout);
    });
  });
}

afterAll(async () => {
  await killAllChildren();
  for (const db of databases) await db.cleanup();
});

describe(POSTGRES_MODE ? 'npm start with DATABASE_URL and SEED_DEMO=1' : 'npm start on a fresh embedded DATA_DIR', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    const db = await freshDatabase();
    // PGlite seeds an empty directory by default; PostgreSQL only when asked.
    server = await startServer({ env: { ...db.env, LOG_LEVEL: 'info', ...(POSTGRES_MODE ? { SEED_DEMO: '1' } : {}) } });
  }, TIMEOUT);

  afterAll(async () => {
    if (server && server.child.exitCode === null) expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it(
    'prints the URL, the demo client_id and client_secret, and both curl lines',
    async () => {
      const { banner } = server;
      expect(banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).toBeGreaterThan(0);
      expect(banner.text).toContain(`UserVoice-compatible API server listening on ${banner.url}\n`);
      expect(banner.clientId).toMatch(/^\S+$/);
      expect(banner.clientSecret).toMatch(/^\S{32,}$/);
      expect(banner.tokenCommand).toContain(`curl -s -X POST ${banner.url}/api/v2/oauth/token`);
      expect(banner.tokenCommand).toContain(`client_id=${banner.clientId}`);
      expect(banner.tokenCommand).toContain(`client_secret=${banner.clientSecret}`);
      expect(banner.listCommand).toBe(`curl -s -H "Authorization: Bearer $TOKEN" '${banner.url}/api/v2/admin/suggestions?includes=forums,users'`);
      // The banner comes first; JSON log lines follow it.
      expect(server.stdout().startsWith('UserVoice-compatible API server listening on ')).toBe(true);
      await server.waitForStdout(/^\{.*"msg":"listening".*\}$/m, 10_000);
      expect(server.stdout().indexOf('"msg":"listening"')).toBeGreaterThan(server.stdout().indexOf('/api/v2/admin/suggestions'));
      expect(server.stderr()).toBe('');
    },
    TIMEOUT,
  );

  it(
    'the pasted token line sets TOKEN to a JWT that the admin API accepts',
    async () => {
      const out = await bash(`${server.banner.tokenCommand}\necho "$TOKEN"`);
      const token = out.trim();
      expect(token).toMatch(JWT);
      const reply = await request(server.url, 'GET', '/api/v2/admin/users/current', { token });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.users).toHaveLength(1);
    },
    TIMEOUT,
  );

  it(
    'the pasted token and list lines print the demo suggestions with their forums and users',
    async () => {
      const out = await bash(`${server.banner.tokenCommand}\n${server.banner.listCommand}\necho; echo "$TOKEN"`);
      const lines = out.replace(/\n$/, '').split('\n');
      const token = lines.pop()!;
      expect(token).toMatch(JWT);
      const listed = lines.join('\n');
      let document: Record<string, unknown>;
      try {
        document = JSON.parse(listed) as Record<string, unknown>;
      } catch {
        throw new Error(`the list line did not print JSON:\n${listed}`);
      }
      expect(document, listed).toMatchObject({
        suggestions: expect.any(Array),
        forums: expect.any(Array),
        users: expect.any(Array),
        links: expect.any(Object),
      });
      expect(document.suggestions as unknown[], listed).toHaveLength(6);
      // The demo's supports and comments (fixtures/demo.json) are counted, newest suggestion first.
      const counts = (document.suggestions as Array<Record<string, unknown>>).map((s) => [s.title, s.supporters_count, s.votes_count, s.requests_count, s.comments_count]);
      expect(counts).toEqual([
        ['Export reports to Excel', 1, 1, 1, 0],
        ['Scheduled report emails', 1, 1, 1, 0],
        ['Offline mode for the mobile app', 0, 0, 0, 0],
        ['Dark mode', 3, 3, 3, 0],
        ['Slack integration', 1, 1, 1, 1],
        ['Export reports to CSV', 2, 2, 2, 1],
      ]);
      expect((document.forums as unknown[]).length).toBeGreaterThan(0);
      expect((document.users as unknown[]).length).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe('no demo data unless asked for', () => {
  it(
    'SEED_DEMO=0 on a fresh database: no demo client in the banner, and /health is ok',
    async () => {
      const db = await freshDatabase();
      const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn', SEED_DEMO: '0' } });
      expect(server.banner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.stdout()).not.toContain('client_secret');
      expect(server.stdout()).not.toContain('Demo data');
      expect(server.banner.clientId).toBeUndefined();
      expect(server.banner.tokenCommand).toBeUndefined();
      const health = await request(server.url, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
    TIMEOUT,
  );

  if (POSTGRES_MODE) {
    it(
      'DATABASE_URL without SEED_DEMO seeds nothing',
      async () => {
        const db = await freshDatabase();
        const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn' } });
        expect(server.stdout()).not.toContain('client_secret');
        expect(server.banner.clientId).toBeUndefined();
        expect((await request(server.url, 'GET', '/health')).status).toBe(200);
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      },
      TIMEOUT,
    );
  }
});
