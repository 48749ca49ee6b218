/**
 * Graceful shutdown of the real server process (src/main.ts → src/server.ts shutdown()): on SIGTERM or
 * SIGINT it stops accepting, lets in-flight requests finish (bounded by SHUTDOWN_TIMEOUT_MS), closes
 * the database and exits 0.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import {
  childDatabase,
  childEnv,
  REPO_ROOT,
  killAllChildren,
  sleep,
  startServer,
  tryConnect,
  waitUntilRefused,
  withTimeout,
  type ChildDatabase,
} from '../helpers/process.ts';

const TIMEOUT = 120_000;
const TOKEN_PATH = '/api/v2/oauth/token';
/** Time for the server to accept the connection and parse the request head before we signal it. */
const SETTLE_MS = 500;

interface PartialPost {
  req: http.ClientRequest;
  /** Settles with the response, or rejects when the connection fails. */
  response: Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>;
  /** The rest of the body; ends the request. */
  finish(): void;
}

/** A POST whose Content-Length announces `body` but that sends only its first `sent` bytes for now. */
async function partialPost(port: number, path: string, body: string, sent: number, agent: http.Agent | false = false): Promise<PartialPost> {
  const req = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    agent,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode!, text, headers: res.headers }));
      res.once('error', reject);
    });
  });
  response.catch(() => undefined); // observed by the tests that expect it
  const connected = new Promise<void>((resolve, reject) => {
    req.once('socket', (socket) => (socket.connecting ? socket.once('connect', () => resolve()) : resolve()));
    req.once('error', reject);
  });
  req.write(body.slice(0, sent));
  await withTimeout(connected, 10_000, 'the partial POST did not connect');
  return { req, response, finish: () => req.end(body.slice(sent)) };
}

let db: ChildDatabase;

beforeAll(async () => {
  db = await childDatabase();
});

const extraDbs: ChildDatabase[] = [];
/** A database of its own (a seeded PGlite directory prints its demo credentials only once). */
async function ownDatabase(): Promise<ChildDatabase> {
  const own = await childDatabase();
  extraDbs.push(own);
  return own;
}

afterAll(async () => {
  await killAllChildren();
  await db?.cleanup();
  for (const own of extraDbs) await own.cleanup();
});

describe('shutdown of the server process', () => {
  it(
    'SIGTERM: new connections are refused at once, the in-flight request completes with a token, then exit 0',
    async () => {
      // SEED_DEMO=1 so PostgreSQL gets a demo client too; PGlite seeds a fresh directory anyway.
      const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'info', SEED_DEMO: '1' } });
      const { clientId, clientSecret } = server.banner;
      expect(clientId).toEqual(expect.any(String));
      expect(clientSecret).toEqual(expect.any(String));
      const body = `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`;

      const inFlight = await partialPost(server.port, TOKEN_PATH, body, Math.floor(body.length / 2));
      await sleep(SETTLE_MS);
      expect(server.child.exitCode).toBeNull();

      const signalled = Date.now();
      server.child.kill('SIGTERM');
      await waitUntilRefused(server.port, 1_000);
      const refusedAfter = Date.now() - signalled;
      expect(refusedAfter).toBeLessThan(1_500);
      // Over HTTP too, and the process is still there for the request it owes.
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
      await server.waitForStdout(/"msg":"shutting down","signal":"SIGTERM"/, 5_000);
      expect(server.child.exitCode).toBeNull();

      inFlight.finish();
      const reply = await withTimeout(inFlight.response, 10_000, 'the in-flight token request got no response');
      expect(reply.status, reply.text).toBe(200);
      const token = JSON.parse(reply.text) as Record<string, unknown>;
      expect(token).toMatchObject({ token_type: 'bearer', expires_in: expect.any(Number) });
      expect(token.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      expect(await withTimeout(server.exited, 15_000, 'the server did not exit after the last request')).toEqual({ code: 0, signal: null });
      expect(server.stderr()).toBe('');
    },
    TIMEOUT,
  );

  it(
    'SIGINT on an idle server (with an idle keep-alive connection open) exits 0 promptly',
    async () => {
      const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'warn' } });
      const agent = new http.Agent({ keepAlive: true });
      try {
        // Leave one idle keep-alive socket behind: it must not hold the shutdown for keepAliveTimeout.
        const status = await new Promise<number>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: server.port, path: '/health', agent }, (res) => {
              res.resume();
              res.once('end', () => resolve(res.statusCode!));
            })
            .once('error', reject);
        });
        expect(status).toBe(200);
        expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

        const started = Date.now();
        const exit = await server.stop('SIGINT', 15_000);
        const took = Date.now() - started;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(took).toBeLessThan(5_000);
        expect(await tryConnect(server.port)).toBe('refused');
      } finally {
        agent.destroy();
      }
    },
    TIMEOUT,
  );

  it(
    'SHUTDOWN_TIMEOUT_MS=500: a request whose body never completes does not keep the process alive',
    async () => {
      const server = await startServer({ env: { ...db.env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '500' } });
      const body = 'grant_type=client_credentials&client_id=someone&client_secret=something-long-enough';
      const stuck = await partialPost(server.port, TOKEN_PATH, body, 10);
      await sleep(SETTLE_MS);
      // The server has the request: it is still waiting for the body.
      const health = await request(server.url, 'GET', '/health');
      expect(health.status).toBe(200);

      const started = Date.now();
      const exit = await server.stop('SIGTERM', 15_000);
      const took = Date.now() - started;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(took).toBeLessThan(3_000);
      expect(took).toBeGreaterThanOrEqual(400); // it did wait for the request, up to the timeout
      // The unfinished request was cut off rather than answered.
      await expect(stuck.response).rejects.toThrow();
      expect(server.stdout()).toContain('shutdown timeout');
    },
    TIMEOUT,
  );

  it(
    'SIGTERM: a response during the drain carries Connection: close, so a keep-alive client does not reuse the socket',
    async () => {
      const server = await startServer({ env: { ...(await ownDatabase()).env, LOG_LEVEL: 'info', SEED_DEMO: '1' } });
      const { clientId, clientSecret } = server.banner;
      const body = `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        // A keep-alive connection that has served one request, and now carries a second one in flight.
        const first = await partialPost(server.port, TOKEN_PATH, body, body.length - 1, agent);
        first.finish();
        const firstReply = await first.response;
        expect(firstReply.status).toBe(200);
        expect(firstReply.headers.connection).toBe('keep-alive');
        const inFlight = await partialPost(server.port, TOKEN_PATH, body, 10, agent);
        await sleep(SETTLE_MS);

        server.child.kill('SIGTERM');
        await server.waitForStdout(/"msg":"shutting down","signal":"SIGTERM"/, 5_000);
        inFlight.finish();
        const reply = await withTimeout(inFlight.response, 10_000, 'the in-flight request got no response');
        expect(reply.status, reply.text).toBe(200);
        expect(reply.headers.connection).toBe('close');
        expect(await withTimeout(server.exited, 15_000, 'the server did not exit')).toEqual({ code: 0, signal: null });
      } finally {
        agent.destroy();
      }
    },
    TIMEOUT,
  );
});

describe('npm start', () => {
  it(
    'SIGTERM to the npm process reaches the server: it drains and exits, and npm with it',
    async () => {
      const child = spawn('npm', ['start', '--silent'], {
        cwd: REPO_ROOT,
        env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...(await ownDatabase()).env }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group, so leftovers can be killed as a group
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('close', (code, signal) => resolve({ code, signal })),
      );
      try {
        const started = Date.now();
        while (!/listening on (http:\/\/\S+)/.test(stdout)) {
          if (Date.now() - started > 60_000) throw new Error(`no banner:\n${stdout}`);
          if (child.exitCode !== null) throw new Error(`npm start exited:\n${stdout}`);
          await sleep(100);
        }
        const url = /listening on (http:\/\/\S+)/.exec(stdout)![1]!;
        const port = Number(new URL(url).port);
        expect((await request(url, 'GET', '/health')).status).toBe(200);

        process.kill(child.pid!, 'SIGTERM');
        await waitUntilRefused(port, 10_000);
        const exit = await withTimeout(exited, 15_000, `npm start did not exit after SIGTERM:\n${stdout}`);
        expect(stdout).toMatch(/"msg":"shutting down","signal":"SIGTERM"/);
        expect(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit)).toBe(true);
        expect(await tryConnect(port)).toBe('refused');
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    TIMEOUT,
  );
});
