/**
 * The attachment directory as the operating system sees it (issue 14 point 4):
 * - a missing or unwritable UPLOADS_DIR stops the start with one line and a non-zero exit;
 * - a full disk answers an upload with 507 and a log line, never 400 "malformed", and leaves no temp file.
 *
 * The full disk is real: the server runs in its own mount namespace (`unshare`) with a 2 MB tmpfs over
 * its UPLOADS_DIR, so the kernel itself answers ENOSPC. Where namespaces are not permitted the test says
 * so and is skipped (there is no honest stand-in for a full disk without one).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.ts';
import { childEnv, killAllChildren, REPO_ROOT, startServer, withTimeout, type ExitInfo } from '../helpers/process.ts';
import { request } from '../helpers/http.ts';
import { multipart } from '../helpers/uploads.ts';

const TIMEOUT = 120_000;
const roots: string[] = [];
function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-uploads-dir-'));
  fs.chmodSync(root, 0o755);
  roots.push(root);
  return root;
}
afterAll(async () => {
  await killAllChildren();
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

/** Runs src/main.ts to its exit (it must not start); returns the exit and the output. */
async function failedStart(env: Record<string, string>, wrap: string[] = []): Promise<ExitInfo & { stdout: string; stderr: string }> {
  const [command, ...args] = [...wrap, process.execPath, 'src/main.ts'];
  const child = spawn(command!, args, {
    cwd: REPO_ROOT,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<ExitInfo>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  try {
    return { ...(await withTimeout(exit, 60_000, 'the server did not exit')), stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('UPLOADS_DIR at start', () => {
  it(
    'missing: exit 4 with one line, before the database is touched',
    async () => {
      const root = tempRoot();
      const missing = path.join(root, 'no-such-dir');
      const result = await failedStart({ UPLOADS_DIR: missing, DATA_DIR: path.join(root, 'data') });
      expect(result.code).toBe(EXIT.config);
      expect(result.stderr).toBe(`configuration error: UPLOADS_DIR ${missing} does not exist; create it or set UPLOADS_DIR to an existing directory\n`);
      expect(result.stdout).toBe('');
      expect(fs.existsSync(missing)).toBe(false);
      expect(fs.existsSync(path.join(root, 'data'))).toBe(false);
    },
    TIMEOUT,
  );

  // As root, only a read-only mount makes a directory unwritable, and that needs a mount namespace.
  it.skipIf(process.getuid?.() === 0 && spawnSync('unshare', ['-rm', 'true']).status !== 0)(
    'not writable: exit 4 with one line',
    async () => {
      const root = tempRoot();
      const readOnly = path.join(root, 'read-only');
      fs.mkdirSync(readOnly, { mode: 0o555 });
      fs.chmodSync(readOnly, 0o555);
      // Permission bits do not stop root: then the server runs in its own mount namespace with the
      // directory bind-mounted read-only (running it as another user fails where the checkout is private,
      // as a mktemp clone in CI is).
      const asRoot = process.getuid?.() === 0;
      const wrap = asRoot ? ['unshare', '-rm', 'sh', '-c', `mount --bind "${readOnly}" "${readOnly}" && mount -o remount,bind,ro "${readOnly}" && exec "$0" "$@"`] : [];
      const result = await failedStart({ UPLOADS_DIR: readOnly, DATA_DIR: path.join(root, 'data') }, wrap);
      expect(result.code).toBe(EXIT.config);
      // The code is whatever the failing call reports (EACCES for permission bits; under the read-only
      // mount Node's recursive mkdir of tmp/ has reported ENOENT, not EROFS).
      expect(result.stderr).toMatch(new RegExp(`^configuration error: UPLOADS_DIR ${readOnly} is not writable \\(E[A-Z]+\\)\\n$`));
      expect(fs.readdirSync(readOnly)).toEqual([]);
    },
    TIMEOUT,
  );
});

const namespaces = spawnSync('unshare', ['-rm', 'true']).status === 0;

describe('a full upload disk', () => {
  it.skipIf(!namespaces)(
    '507 insufficient_storage with a log line; no temp file left; smaller uploads work again',
    async () => {
      const root = tempRoot();
      const uploads = path.join(root, 'uploads');
      fs.mkdirSync(uploads);
      // unshare → sh mounts the tmpfs in the new namespace → exec node: the child's pid is the server's.
      const server = await startServer({
        env: { DATA_DIR: path.join(root, 'data'), UPLOADS_DIR: uploads, LOG_LEVEL: 'info' },
        wrap: ['unshare', '-rm', 'sh', '-c', `mount -t tmpfs -o size=2m tmpfs "${uploads}" && exec "$0" "$@"`],
      });
      const token = await tokenFromBanner(server.banner);
      // The test sees the server's files through its mount namespace.
      const seen = path.join('/proc', String(server.pid), 'root', uploads);
      const filesSeen = () => fs.readdirSync(seen, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

      // The demo data brings its own attachment: what is there before the uploads is the baseline.
      const before = filesSeen();

      const big = multipart([{ name: 'file', data: Buffer.alloc(3 * 1024 * 1024, 1), filename: 'big.bin' }]);
      const reply = await request(server.url, 'POST', '/api/v2/admin/attachments', { token, raw: big.body, headers: { 'Content-Type': big.contentType } });
      expect(reply.status).toBe(507);
      expect(reply.body).toEqual({ errors: { error: 'insufficient_storage', message: 'There is no room to store the file; try again later' } });
      const logLine = await server.waitForStdout(/^\{.*"msg":"upload storage full".*\}$/m, 5_000);
      expect(JSON.parse(logLine[0])).toMatchObject({ level: 'error', msg: 'upload storage full', code: 'ENOSPC' });
      expect(filesSeen()).toEqual(before);

      const small = multipart([{ name: 'file', data: Buffer.alloc(100 * 1024, 2), filename: 'small.bin' }]);
      const ok = await request(server.url, 'POST', '/api/v2/admin/attachments', { token, raw: small.body, headers: { 'Content-Type': small.contentType } });
      expect(ok.status).toBe(200);
      expect(filesSeen()).toHaveLength(before.length + 1);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    },
    TIMEOUT,
  );
});

async function tokenFromBanner(banner: { url: string; clientId?: string; clientSecret?: string }): Promise<string> {
  const reply = await request(banner.url, 'POST', '/api/v2/oauth/token', {
    form: `grant_type=client_credentials&client_id=${banner.clientId}&client_secret=${banner.clientSecret}`,
  });
  expect(reply.status).toBe(200);
  return reply.body.access_token;
}
