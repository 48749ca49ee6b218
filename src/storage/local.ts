import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StorageUnavailableError, TruncatedUploadError, type BlobStore, type SpaceClaim, type StoredBlob } from './index.ts';
import { measuring } from './measure.ts';

const KEY = /^[A-Za-z0-9_-]{8,64}(\.[a-z]+)?$/;

/**
 * Files under one directory: `<dir>/<key[0..1]>/<key>`, written to `<dir>/tmp/` first, fsynced and
 * renamed into place, so a crash leaves at most a temp file (swept later) and never a partial blob.
 */
export function localStore(dir: string): BlobStore {
  const tmpDir = path.join(dir, 'tmp');
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key');
    return path.join(dir, key.slice(0, 2), key);
  };
  let ready: Promise<void> | undefined;
  const ensureDirs = () => (ready ??= fsp.mkdir(tmpDir, { recursive: true }).then(() => undefined));
  // Per process: several processes sharing one UPLOADS_DIR do not see each other's claims.
  const claims = new Set<{ bytes: number; written: number }>();

  return {
    async put(key, stream, options = {}): Promise<StoredBlob> {
      await ensureDirs();
      const target = pathOf(key);
      const tmp = path.join(tmpDir, `${randomUUID()}.part`);
      const measure = measuring();
      try {
        await pipeline(stream, measure.stream, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
        if (options.truncated?.()) throw new TruncatedUploadError('upload exceeded the size limit');
        // Durable before it becomes visible: fsync (any descriptor of the file will do), then rename.
        const handle = await fsp.open(tmp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fsp.mkdir(path.dirname(target), { recursive: true });
        await fsp.rename(tmp, target);
      } catch (error) {
        await fsp.rm(tmp, { force: true });
        throw error;
      }
      return measure.blob();
    },
    async get(key) {
      const file = pathOf(key);
      try {
        const handle = await fsp.open(file, 'r');
        return handle.createReadStream();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async delete(key) {
      await fsp.rm(pathOf(key), { force: true });
    },
    async *list(olderThan) {
      let shards: fs.Dirent[];
      try {
        shards = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const shard of shards) {
        if (!shard.isDirectory() || shard.name === 'tmp') continue;
        for (const name of await fsp.readdir(path.join(dir, shard.name))) {
          if (!KEY.test(name)) continue;
          const stat = await fsp.stat(path.join(dir, shard.name, name)).catch(() => undefined);
          if (stat && stat.mtime < olderThan) yield name;
        }
      }
    },
    async check() {
      const code = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);
      let stat: fs.Stats;
      try {
        stat = await fsp.stat(dir);
      } catch (error) {
        // Not created for the operator: a mistyped path would silently put attachments on the wrong disk.
        if (code(error) === 'ENOENT') throw new StorageUnavailableError(`UPLOADS_DIR ${dir} does not exist; create it or set UPLOADS_DIR to an existing directory`);
        throw new StorageUnavailableError(`UPLOADS_DIR ${dir} cannot be read (${code(error)})`);
      }
      if (!stat.isDirectory()) throw new StorageUnavailableError(`UPLOADS_DIR ${dir} is not a directory`);
      const probe = path.join(tmpDir, `${randomUUID()}.probe`);
      try {
        await ensureDirs();
        await fsp.writeFile(probe, 'ok', { flag: 'wx', mode: 0o600 });
        await fsp.rm(probe, { force: true });
      } catch (error) {
        ready = undefined;
        throw new StorageUnavailableError(`UPLOADS_DIR ${dir} is not writable (${code(error)})`);
      }
    },
    async reserve(bytes): Promise<SpaceClaim> {
      await ensureDirs();
      // Without a figure for the free space the write itself finds out (and answers 507 when full).
      const stat = await fsp.statfs(tmpDir).catch(() => undefined);
      if (!stat) return { wrote: () => {}, release: () => {} };
      const { bavail, bsize } = stat;
      // Counted after the await and claimed in the same synchronous step, so two uploads that arrive
      // together never both count the same free bytes.
      let unwritten = 0;
      for (const claim of claims) unwritten += Math.max(0, claim.bytes - claim.written);
      if (bavail * bsize - unwritten < bytes) {
        throw Object.assign(new Error(`no room for an upload of ${bytes} bytes in UPLOADS_DIR`), { code: 'ENOSPC', syscall: 'statfs' });
      }
      const claim = { bytes, written: 0 };
      claims.add(claim);
      return {
        wrote: (n) => void (claim.written += n),
        release: () => void claims.delete(claim),
      };
    },
    async sweepPartial(olderThan) {
      let removed = 0;
      for (const name of await fsp.readdir(tmpDir).catch(() => [] as string[])) {
        const file = path.join(tmpDir, name);
        const stat = await fsp.stat(file).catch(() => undefined);
        if (stat && stat.mtime < olderThan) {
          await fsp.rm(file, { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}
