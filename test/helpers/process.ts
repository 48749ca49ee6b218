/**
 * Helpers for tests that run the real entry points (src/main.ts, src/cli.ts) as child processes.
 *
 * Children run on the same Node as vitest (process.execPath: the system `node` is too old for .ts), from
 * the repository root, with a clean environment: PATH and HOME plus whatever the test passes. Every
 * child is tracked; killAllChildren() (call it in afterAll) and a process 'exit' hook SIGKILL leftovers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from './app.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** true when the run uses a real PostgreSQL (DATABASE_URL set), false for embedded PGlite. */
export const POSTGRES_MODE = Boolean(process.env.DATABASE_URL?.trim());

export type Env = Record<string, string | undefined>;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** PATH and HOME from the test process, then the given variables (undefined removes one). */
export function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME'] as const) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function track(child: ChildProcess): Promise<ExitInfo> {
  live.add(child);
  return new Promise<ExitInfo>((resolve) => {
    // 'close' rather than 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the exit, or rejects with `message` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILLs every child still running and waits (bounded) until they are gone. */
export async function killAllChildren(): Promise<void> {
  const waits = [...live].map((child) => {
    const gone = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('close', () => resolve());
    });
    child.kill('SIGKILL');
    return withTimeout(gone, 10_000, `child ${child.pid} did not die after SIGKILL`).catch(() => undefined);
  });
  await Promise.all(waits);
}

// ---------------------------------------------------------------------------------------------------------
// Databases for child processes
// ---------------------------------------------------------------------------------------------------------

export interface ChildDatabase {
  mode: 'pglite' | 'postgres';
  /** DATA_DIR (PGlite) or DATABASE_URL (PostgreSQL), to pass to children. */
  env: Record<string, string>;
  /** PGlite: the data directory and its pid lock file. */
  dataDir?: string;
  lockFile?: string;
  /** Removes the temp directory or drops the database. Kill the children first. */
  cleanup(): Promise<void>;
}

/** A fresh, empty temp DATA_DIR (not created yet: the server creates it) under os.tmpdir(). */
export function tempDataDir(): ChildDatabase {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-process-test-'));
  const dataDir = path.join(root, 'data');
  // The server refuses to start without an existing UPLOADS_DIR.
  fs.mkdirSync(path.join(root, 'uploads'));
  return {
    mode: 'pglite',
    env: { DATA_DIR: dataDir, UPLOADS_DIR: path.join(root, 'uploads') },
    dataDir,
    lockFile: `${dataDir}.lock`,
    cleanup: async () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The database a child should use: in PostgreSQL mode this file's own database (a copy of the run's
 * migrated template, so it has the schema but no rows); in PGlite mode a fresh temp DATA_DIR.
 */
export async function childDatabase(): Promise<ChildDatabase> {
  if (!POSTGRES_MODE) return tempDataDir();
  const database = await createTestDatabase();
  if (!database.databaseUrl) throw new Error('createTestDatabase() returned no databaseUrl in PostgreSQL mode');
  const uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-process-uploads-'));
  return {
    mode: 'postgres',
    env: { DATABASE_URL: database.databaseUrl, UPLOADS_DIR: uploads },
    cleanup: async () => {
      fs.rmSync(uploads, { recursive: true, force: true });
      await database.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The server (src/main.ts)
// ---------------------------------------------------------------------------------------------------------

export interface Banner {
  /** The whole banner text (what came before the first JSON log line). */
  text: string;
  url: string;
  clientId?: string;
  clientSecret?: string;
  /** `TOKEN=$(curl … /oauth/token …)`, without the leading indentation. */
  tokenCommand?: string;
  /** `curl -s -H "Authorization: Bearer $TOKEN" '…/suggestions…'`, without the leading indentation. */
  listCommand?: string;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  banner: Banner;
  /** Everything the child has written so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the child is gone. */
  exited: Promise<ExitInfo>;
  /** Resolves once stdout matches `pattern` (bounded). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILLs and throws after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
}

export interface StartServerOptions {
  /** Added to the clean environment (PORT=0 and HOST=127.0.0.1 are set unless given). */
  env?: Env;
  /** How long to wait for the banner. A fresh PGlite directory takes several seconds to init. */
  timeoutMs?: number;
  /**
   * A command that runs the server (it gets the node binary and `src/main.ts` as its last arguments and
   * must exec them, so the child's pid is the server's), e.g. `unshare` for a mount namespace.
   */
  wrap?: string[];
}

const LISTENING = /^UserVoice-compatible API server listening on (http:\/\/\S+)\n/m;
const BASE_URL_LINE = /^ {2}Admin API base URL: \S+\n/m;
const DEMO_HEADER = 'Demo data loaded';
const LIST_LINE = /^ {2}(curl -s -H "Authorization: Bearer \$TOKEN" \S+)\n/m;

/**
 * The banner is written with a single write() (see src/main.ts), so it is complete once the base URL
 * line is there and, when a demo client was created, the last (list) curl line too.
 */
function bannerComplete(text: string): boolean {
  if (!LISTENING.test(text) || !BASE_URL_LINE.test(text)) return false;
  return !text.includes(DEMO_HEADER) || LIST_LINE.test(text);
}

export function parseBanner(stdout: string): Banner {
  const start = stdout.search(LISTENING);
  if (start < 0) throw new Error(`no banner in stdout:\n${stdout}`);
  // The banner ends where the first JSON log line starts.
  const rest = stdout.slice(start);
  const logStart = rest.search(/^\{/m);
  const text = logStart < 0 ? rest : rest.slice(0, logStart);
  const line = (re: RegExp) => re.exec(text)?.[1];
  return {
    text,
    url: line(LISTENING)!,
    clientId: line(/^ {2}client_id: +(\S+)$/m),
    clientSecret: line(/^ {2}client_secret: +(\S+)$/m),
    tokenCommand: line(/^ {2}(TOKEN=\$\(curl .*)$/m),
    listCommand: line(/^ {2}(curl -s -H "Authorization: Bearer \$TOKEN" .*)$/m),
  };
}

/** Starts src/main.ts and resolves once it has printed its banner (the port is open by then). */
export async function startServer(options: StartServerOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [command, ...args] = [...(options.wrap ?? []), process.execPath, 'src/main.ts'];
  const child = spawn(command!, args, {
    cwd: REPO_ROOT,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = track(child);
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const describe = () => `pid ${child.pid}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

  /** Resolves with the first non-undefined `probe(stdout)`; rejects on exit or after `waitMs`. */
  const waitFor = <T>(probe: (text: string) => T | undefined, waitMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        watchers.delete(check);
        clearTimeout(timer);
        settle();
      };
      const check = () => {
        const value = probe(stdout);
        if (value !== undefined) finish(() => resolve(value));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${waitMs} ms waiting for ${what}\n${describe()}`))), waitMs);
      watchers.add(check);
      void exited.then((exit) => {
        if (!watchers.has(check)) return;
        check(); // whatever came last, before giving up
        if (watchers.has(check)) {
          finish(() => reject(new Error(`server exited (code ${exit.code}, signal ${exit.signal}) before ${what}\n${describe()}`)));
        }
      });
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 20_000): Promise<ExitInfo> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    try {
      return await withTimeout(exited, stopTimeoutMs, `server pid ${child.pid} did not exit after ${signal}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${describe()}`, { cause: error });
    }
  };

  try {
    await waitFor((text) => (bannerComplete(text) ? true : undefined), timeoutMs, 'the banner');
  } catch (error) {
    child.kill('SIGKILL');
    await withTimeout(exited, 10_000, 'killed server did not exit').catch(() => undefined);
    throw error;
  }
  const banner = parseBanner(stdout);
  return {
    child,
    pid: child.pid!,
    url: banner.url,
    port: Number(new URL(banner.url).port),
    banner,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStdout: (pattern, waitMs = 15_000) => waitFor((text) => pattern.exec(text) ?? undefined, waitMs, `stdout to match ${pattern}`),
    stop,
  };
}

/** Runs `src/main.ts` expecting it to fail before listening: resolves with the exit and the output. */
export async function runServerToExit(env: Env = {}, timeoutMs = 60_000): Promise<CliResult> {
  return runNode('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', ...env }, timeoutMs);
}

// ---------------------------------------------------------------------------------------------------------
// The CLI (src/cli.ts)
// ---------------------------------------------------------------------------------------------------------

export interface CliResult extends ExitInfo {
  stdout: string;
  stderr: string;
}

/** Runs `src/cli.ts ARGS` to completion; SIGKILLs it and throws after `timeoutMs`. */
export function runCli(args: string[], env: Env = {}, timeoutMs = 60_000): Promise<CliResult> {
  return runNode('src/cli.ts', args, env, timeoutMs);
}

async function runNode(script: string, args: string[], env: Env, timeoutMs: number): Promise<CliResult> {
  const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    const exit = await withTimeout(exited, timeoutMs, `${[script, ...args].join(' ')} did not exit`);
    return { ...exit, stdout, stderr };
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------------------------------------

/** One TCP connection attempt: 'connected' (then closed at once), 'refused', or another error code. */
export function tryConnect(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (result: string) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? 'error')));
  });
}

/** Polls until a new connection to the port is refused; returns the milliseconds it took, or throws. */
export async function waitUntilRefused(port: number, withinMs: number): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started <= withinMs) {
    last = await tryConnect(port);
    if (last === 'refused') return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`port ${port} still accepted connections ${withinMs} ms later (last attempt: ${last})`);
}

/** A pid no process has right now (for stale lock files). */
export function deadPid(): number {
  for (let pid = 999_999; pid > 900_000; pid--) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found between 900000 and 999999');
}

export { sleep };
