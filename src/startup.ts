import type http from 'node:http';
import { ConfigError } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { EXIT } from './exit-codes.ts';
import { StorageUnavailableError } from './storage/index.ts';

/**
 * A start-up failure an operator can act on: one line for stderr and the process exit code
 * (README, Exit codes). The server and the CLI print nothing else for these — no stack trace.
 */
export class StartupError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Errors of `listen()`: the address is taken, not permitted, or not one of this machine's. */
export async function listen(server: http.Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (error.code === 'EADDRINUSE') throw new StartupError(`address in use: ${where} (another process listens there; stop it or choose another PORT)`, EXIT.address);
    if (error.code === 'EACCES') throw new StartupError(`address not permitted: ${where} (ports below 1024 need privileges; choose another PORT)`, EXIT.address);
    if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EINVAL', 'EAFNOSUPPORT'].includes(error.code ?? '')) {
      throw new StartupError(`configuration error: HOST ${host} is not an address of this machine (${error.code})`, EXIT.config);
    }
    throw error;
  });
}

/** The line and exit code for any error that ends a start (or a CLI command). */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof StartupError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError) return { line: `configuration error: ${error.message}`, exitCode: EXIT.config };
  if (error instanceof DataDirLockedError) return { line: error.message, exitCode: EXIT.locked };
  // A missing or unwritable UPLOADS_DIR (checked before the database opens).
  if (error instanceof StorageUnavailableError) return { line: `configuration error: ${error.message}`, exitCode: EXIT.config };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: ${message.split('\n')[0]}`, exitCode: EXIT.failure };
}
