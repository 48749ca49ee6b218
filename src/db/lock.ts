import fs from 'node:fs';

/** Raised when another live process holds the embedded database. */
export class DataDirLockedError extends Error {
  readonly pid: number;
  constructor(dataDir: string, lockFile: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is already open in process ${pid}. ` +
        `PGlite allows one process per data directory: stop that process first ` +
        `(or delete ${lockFile} if no such process is running).`,
    );
    this.pid = pid;
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no cross-process lock: a second process on the same directory corrupts it
 * (electric-sql/pglite#1106). So we keep a pid file beside the directory, created with O_EXCL,
 * and take over a stale one only when its process is gone.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = `${dataDir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readOrEmpty(file), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataDirLockedError(dataDir, file, holder);
    }
    // Stale lock from a process that died without cleaning up: remove it and retry the exclusive create.
    try {
      fs.unlinkSync(file);
    } catch {
      // Another starter removed it first; the next exclusive create decides.
    }
  }
  throw new Error(`Could not lock ${dataDir}: the lock file ${file} keeps changing`);
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
