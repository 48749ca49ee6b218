import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Streaming a 50 MB upload allocates 50 MB of short-lived socket buffers. They live outside the JS heap,
 * so V8 only collects them when their small JS wrappers are collected, which can be 60 MB later: the
 * attachments benchmark measured a 50 MB upload peaking 20.7 MB above a 1 MB one. A young-generation
 * collection every few MB of upload frees them promptly (well under a millisecond each).
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

const EVERY_BYTES = 4 * 1024 * 1024;

/** Call with each chunk's length while streaming large bodies. */
export function releaseTransientBuffers(): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since >= EVERY_BYTES) {
      since = 0;
      gc({ type: 'minor' });
    }
  };
}

/**
 * A multipart upload to S3 allocates a 5 MiB buffer per part. Each lives while its part is sent, which
 * spans several of the young-generation collections above, so it is promoted and then waits for a full
 * collection: a 50 MB upload peaked 205 MB above a 1 MB one. A full collection started (concurrently,
 * so the pause stays short) after each part is sent returns them while the upload goes on.
 */
export function releasePartBuffers(): void {
  gc({ type: 'major', execution: 'async' });
}
