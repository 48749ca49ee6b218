import { createHash } from 'node:crypto';
import { Transform, type TransformOptions } from 'node:stream';
import type { StoredBlob } from './index.ts';
import { releaseTransientBuffers } from './memory.ts';

/**
 * The pass-through every store writes a blob through: counts and hashes (SHA-256) the bytes, and lets
 * go of the socket buffers behind them as it goes. `flush` runs before the writer sees the end.
 */
export function measuring(flush?: TransformOptions['flush']) {
  const hash = createHash('sha256');
  const release = releaseTransientBuffers();
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      release(chunk.length);
      hash.update(chunk);
      done(null, chunk);
    },
    ...(flush ? { flush } : {}),
  });
  return {
    stream,
    get size() {
      return size;
    },
    /** Once the stream has ended: what was written. */
    blob: (): StoredBlob => ({ size, sha256: hash.digest('hex') }),
  };
}
