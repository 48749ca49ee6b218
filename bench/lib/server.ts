/**
 * The real server (src/main.ts, through bench/server.ts) as a child process for benchmarks, on its own fresh database, with the
 * demo seed so the banner hands us an API client. Pinned to CPU 0 when the machine has two or more
 * cores and `taskset` exists (the load generator then runs on CPU 1, see pinSelf()).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

const canPin = (() => {
  if (os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Moves this process (the load generator) to CPU 1, away from the server on CPU 0. */
export function pinSelf(): string {
  if (!canPin) return 'not pinned';
  execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  return 'server on CPU 0, load generator on CPU 1';
}

export interface BenchDatabase {
  kind: 'pglite' | 'postgresql';
  env: Record<string, string>;
  drop(): Promise<void>;
}

let forcePglite = false;

/** `--pglite`: every fresh database is a temp PGlite directory, even when DATABASE_URL is set. */
export function useEmbeddedDatabase(): void {
  forcePglite = true;
}

/** The kind freshDatabase() creates: PostgreSQL when DATABASE_URL is set (and --pglite is not given). */
export function databaseKind(): BenchDatabase['kind'] {
  return !forcePglite && process.env.DATABASE_URL?.trim() ? 'postgresql' : 'pglite';
}

/** A fresh database: a temp PGlite DATA_DIR, or a temp database on DATABASE_URL's server when it is set. */
export async function freshDatabase(label: string): Promise<BenchDatabase> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `uv-bench-${label}-`));
  const uploads = path.join(root, 'uploads');
  // The server refuses to start without an existing UPLOADS_DIR.
  fs.mkdirSync(uploads);
  const removeRoot = () => fs.rmSync(root, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL?.trim();
  if (!serverUrl || forcePglite) {
    return { kind: 'pglite', env: { DATA_DIR: path.join(root, 'data'), UPLOADS_DIR: uploads }, drop: async () => removeRoot() };
  }
  const name = `uvbench_${label}_${Date.now().toString(36)}_${process.pid}`.replace(/[^a-z0-9_]/g, '_');
  const admin = async (sql: string) => {
    const url = new URL(serverUrl);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgresql',
    env: { DATABASE_URL: url.toString(), UPLOADS_DIR: uploads },
    drop: async () => {
      await admin(`drop database if exists "${name}" with (force)`);
      removeRoot();
    },
  };
}

export interface BenchServer {
  url: string;
  pid: number;
  /** CPU time (user + system) the server process has used so far, in ms (Linux /proc; 10 ms resolution). */
  cpuMs(): number;
  clientId: string;
  clientSecret: string;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** USER_HZ: 100 on Linux. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The node flags `npm start` gives the server (package.json's start script, e.g. the young generation's
 * size, which V8 reads only at start-up), so the bench measures the server as it is started in production.
 */
export const START_FLAGS: string[] = (() => {
  const start = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return /\bnode\s+((?:--\S+\s+)*)src\/main\.ts/.exec(start)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
})();

export interface StartOptions {
  /** An API client that already exists in the database (bench/lib/dataset.ts); otherwise the demo seed creates one. */
  credentials?: { clientId: string; clientSecret: string };
  /** Extra `node` flags after START_FLAGS (e.g. `--cpu-prof`; a V8 flag given again overrides). */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts bench/server.ts (src/main.ts plus the /_bench baselines) with `env` on top of a clean environment and waits for its banner (with the demo
 * client's credentials, unless `credentials` names an existing client).
 */
export async function startServer(env: Record<string, string>, options: StartOptions = {}): Promise<BenchServer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const given = options.credentials;
  const childEnv: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: given ? '0' : '1', ...env };
  for (const name of ['PATH', 'HOME'] as const) if (process.env[name]) childEnv[name] = process.env[name]!;
  const node = [process.execPath, ...START_FLAGS, ...(options.nodeArgs ?? []), 'bench/server.ts'];
  const command = canPin ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('close', () => (live.delete(child), resolve())));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-100_000)));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-100_000)));

  const banner = await new Promise<{ url: string; clientId: string; clientSecret: string }>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no banner after ${timeoutMs} ms`)), timeoutMs);
    const check = () => {
      const url = /listening on (http:\/\/\S+)\n/.exec(stdout)?.[1];
      if (url && given) return finish(undefined, { url, ...given });
      const clientId = /^ {2}client_id: +(\S+)$/m.exec(stdout)?.[1];
      const clientSecret = /^ {2}client_secret: +(\S+)$/m.exec(stdout)?.[1];
      if (url && clientId && clientSecret) finish(undefined, { url, clientId, clientSecret });
      else if (url && !stdout.includes('Demo data loaded')) finish(new Error('the server created no demo client (database not empty?)'));
    };
    const finish = (error?: Error, value?: { url: string; clientId: string; clientSecret: string }) => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      if (error) reject(new Error(`${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      else resolve(value!);
    };
    child.stdout!.on('data', check);
    void exited.then(() => finish(new Error(`server exited with ${child.exitCode ?? child.signalCode}`)));
  });

  const pid = child.pid!;
  return {
    ...banner,
    pid,
    cpuMs() {
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised command name): utime, stime in ticks.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A field of /proc/PID/status in kB: the resident set now (VmRSS) or its high-water mark (VmHWM). */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** Resets the kernel's RSS high-water mark of `pid` to its RSS now (/proc/PID/clear_refs); false if not permitted. */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A Bearer token from the server's token endpoint. */
export async function tokenFor(server: BenchServer): Promise<string> {
  const response = await fetch(`${server.url}/api/v2/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${server.clientId}&client_secret=${server.clientSecret}`,
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`token request failed: ${response.status}`);
  return body.access_token;
}
