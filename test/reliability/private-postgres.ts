/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp directory, 127.0.0.1 and a free
 * port), for faults that must not touch the machine's shared cluster: restarting it, stopping it.
 *
 * PostgreSQL refuses to run as root. As root (CI runs so) every PostgreSQL command runs as the
 * `postgres` user through `runuser`, and the temp directory is given to that user; as any other user the
 * commands run directly. The binaries come from `pg_config --bindir`, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`; resolves with when it began and when a new session got `select 1` back. */
  restart(): Promise<{ began: number; accepting: number }>;
  /** Stops the cluster (immediate) and removes its directory. */
  destroy(): Promise<void>;
}

/** Why a private cluster cannot run here (no binaries, root without a `postgres` user), or undefined. */
export function privatePostgresUnavailable(): string | undefined {
  if (!binDir()) return 'no PostgreSQL server binaries (initdb, pg_ctl) found';
  if (process.getuid?.() === 0 && !postgresUser()) return 'running as root and there is no `postgres` user to run PostgreSQL as';
  return undefined;
}

function binDir(): string | undefined {
  const has = (dir: string) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'));
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (has(dir)) return dir;
  } catch {
    // not installed with its development files; try Debian's layout
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(root, v, 'bin')).find(has);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<() => void>();
// A crashed or killed test must not leave a PostgreSQL running behind it.
process.once('exit', () => {
  for (const stop of live) stop();
});

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  if (!bin) throw new Error(privatePostgresUnavailable());
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : undefined;
  if (asRoot && !owner) throw new Error(privatePostgresUnavailable());
  const command = (tool: string, args: string[]): [string, string[]] =>
    owner ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-private-pg-'));
  if (owner) fs.chownSync(root, owner.uid, owner.gid);
  // Run from the temp directory: the `postgres` user may not be allowed into the checkout (e.g. /root).
  const pgTool = async (tool: string, args: string[], timeoutMs = 120_000) => {
    const [file, argv] = command(tool, args);
    return run(file, argv, { cwd: root, timeout: timeoutMs, env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  };
  const data = path.join(root, 'data');
  const log = path.join(root, 'postgres.log');
  const port = await freePort();
  const stopNow = () => {
    const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { cwd: root, stdio: 'ignore', timeout: 30_000 });
  };
  live.add(stopNow);
  try {
    await pgTool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // Only TCP on 127.0.0.1 (no socket file in a shared directory); fsync off: nothing here must survive
    // a machine crash, and the machine is slow enough already. Stop and restart keep these (postmaster.opts).
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c max_connections=60`;
    await pgTool('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '120', 'start']);
  } catch (error) {
    stopNow();
    live.delete(stopNow);
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  return {
    url,
    port,
    async restart() {
      const began = Date.now();
      await pgTool('pg_ctl', ['-D', data, '-l', log, '-m', 'fast', '-w', '-t', '60', 'restart']);
      // pg_ctl -w returns once the postmaster says it is ready; confirm with a session of our own.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('select 1');
          return { began, accepting: Date.now() };
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      throw new Error(`the private PostgreSQL on port ${port} did not accept a session within 30 s of its restart`);
    },
    async destroy() {
      stopNow();
      live.delete(stopNow);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
