/**
 * haproxy (Debian's package; .ci/run installs it) in front of server processes, running
 * deploy/haproxy.cfg — README's example — with the addresses in its environment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, sleep, withTimeout } from './process.ts';

export const HAPROXY_CONFIG = path.join(REPO_ROOT, 'deploy/haproxy.cfg');

/** The haproxy binary, or undefined when it is not installed. */
export function haproxyBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', 'haproxy']) {
    const probe = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** A port nothing listens on right now (a small race with other processes; fine on a test machine). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Haproxy {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts haproxy on `port` in front of `backends` (host:port each; the file names three servers: with
 * fewer, the extra `server` lines are left out of a temp copy, nothing else changes) and waits until
 * every backend has answered through it.
 */
export async function startHaproxy(port: number, backends: string[]): Promise<Haproxy> {
  const binary = haproxyBinary();
  if (!binary) throw new Error('haproxy is not installed: apt-get install haproxy (.ci/run does this)');
  if (backends.length < 1 || backends.length > 3) throw new Error('deploy/haproxy.cfg names one to three servers');
  let config = HAPROXY_CONFIG;
  let tmp: string | undefined;
  if (backends.length < 3) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-haproxy-'));
    config = path.join(tmp, 'haproxy.cfg');
    const keep = (line: string) => !/^\s*server app(\d)\b/.exec(line) || Number(/app(\d)/.exec(line)![1]) <= backends.length;
    fs.writeFileSync(config, fs.readFileSync(HAPROXY_CONFIG, 'utf8').split('\n').filter(keep).join('\n'));
  }
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LISTEN: `127.0.0.1:${port}` };
  backends.forEach((address, i) => (env[`APP${i + 1}`] = address));
  // -db: stay in the foreground, so the child is haproxy itself and dies with a signal to it.
  const child = spawn(binary, ['-db', '-f', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await withTimeout(exited, 10_000, 'haproxy did not stop').catch(() => kill());
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  // Every backend seen answering /health through haproxy (X-Served-By names it).
  const seen = new Set<string>();
  const deadline = Date.now() + 20_000;
  while (seen.size < backends.length) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not reach every backend (saw ${[...seen].join(',') || 'none'}):\n${output}`);
    }
    try {
      const reply = await fetch(`${url}/health`);
      await reply.arrayBuffer();
      if (reply.status === 200) seen.add(reply.headers.get('x-served-by') ?? '?');
    } catch {
      await sleep(50);
    }
  }
  return { url, child, output: () => output, stop };
}
