/**
 * RELIABILITY.md F14, temp disk full: UPLOADS_DIR is a 60 MB tmpfs (mounted in the server's own mount
 * namespace) and two uploads of 50,000,000 bytes arrive at once. Both fit alone, not together: one must
 * succeed and the other get 507 JSON, with no partial file left and the process alive. Before the fix
 * both streamed until the disk was full and both failed (507, 507): nothing was stored at all.
 * Needs `unshare -rm` (user and mount namespaces); embedded PGlite or PostgreSQL alike; 127.0.0.1 only.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/http.ts';
import { childDatabase, killAllChildren, runCli, startServer, type ChildDatabase, type ServerProcess } from '../helpers/process.ts';
import { multipart } from '../helpers/uploads.ts';
import { tokenFor } from './child-server.ts';
import { count, newFigures, report } from './figures.ts';

const DISK = '60m';
const FILE_BYTES = 50_000_000;

const namespaces = spawnSync('unshare', ['-rm', 'true']).status === 0;
let server: ServerProcess | undefined;
let database: ChildDatabase | undefined;
let root: string | undefined;
afterAll(async () => {
  await server?.stop().catch(() => undefined);
  await killAllChildren();
  await database?.cleanup();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!namespaces)(`F14 upload disk full${namespaces ? '' : ' (skipped: no user and mount namespaces for a private tmpfs)'}`, () => {
  it(`two ${FILE_BYTES}-byte uploads at once into a ${DISK} tmpfs: one 200, one 507 JSON, no partial file, process alive`, async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-f14-'));
    const uploads = path.join(root, 'uploads');
    fs.mkdirSync(uploads);
    database = await childDatabase();
    const env = { ...database.env, UPLOADS_DIR: uploads, LOG_LEVEL: 'warn', SEED_DEMO: '0' };
    // Before the server: the CLI cannot open an embedded database the server holds.
    const created = await runCli(['clients', 'create', '--name', 'F14', '--json'], env);
    expect(created.code).toBe(0);
    // unshare → sh mounts the tmpfs in the new namespace → exec node: the child's pid is the server's.
    server = await startServer({ env, wrap: ['unshare', '-rm', 'sh', '-c', `mount -t tmpfs -o size=${DISK} tmpfs "${uploads}" && exec "$0" "$@"`] });
    const pid = server.pid;
    const token = await tokenFor(server.url, JSON.parse(created.stdout));
    // The test sees the server's files through its mount namespace.
    const seen = path.join('/proc', String(server.pid), 'root', uploads);
    const files = () =>
      fs
        .readdirSync(seen, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(path.relative(seen, e.parentPath), e.name));

    const big = multipart([{ name: 'file', data: Buffer.alloc(FILE_BYTES, 7), filename: 'big.bin' }]);
    const send = () => request(server!.url, 'POST', '/api/v2/admin/attachments', { token, raw: big.body, headers: { 'Content-Type': big.contentType } }).catch((error: Error) => ({ status: 0, text: String(error.cause ?? error), body: undefined }));
    const replies = await Promise.all([send(), send()]);
    const statuses = replies.map((r) => r.status).sort();
    const left = files();

    const f = newFigures();
    for (const r of replies) count(f, r.status, r.status !== 200 && r.status !== 507);
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    report('F14', `upload disk full (${DISK} tmpfs, 2 × ${FILE_BYTES} bytes at once)`, f, { files_left: left.length, same_pid: alive && server.pid === pid });

    expect(statuses).toEqual([200, 507]);
    const refused = replies.find((r) => r.status === 507)!;
    expect(refused.body).toEqual({ errors: { error: 'insufficient_storage', message: 'There is no room to store the file; try again later' } });
    const stored = replies.find((r) => r.status === 200)!;
    expect(stored.body.attachments[0].size_in_bytes).toBe(FILE_BYTES);
    // Only the stored file: no temp file of either upload.
    expect(left.filter((name) => !name.startsWith('tmp'))).toHaveLength(1);
    expect(left.filter((name) => name.startsWith('tmp'))).toEqual([]);
    expect(alive).toBe(true);
    expect(server.pid).toBe(pid);
  }, 180_000);
});
