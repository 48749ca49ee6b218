import type { Readable } from 'node:stream';

export interface StoredBlob {
  size: number;
  sha256: string;
}

/**
 * Where attachment bytes live. Keys are ours (random), never derived from client input.
 * `put` must be atomic: a key is visible only once all its bytes are stored.
 */
export interface BlobStore {
  /**
   * Streams into the store; rejects, leaving nothing, when the stream fails or `truncated()` says it was
   * cut short (multer's size limit ends the stream early instead of failing it).
   */
  put(key: string, stream: Readable, options?: { truncated?: () => boolean }): Promise<StoredBlob>;
  /** A read stream, or undefined when the key does not exist. */
  get(key: string): Promise<Readable | undefined>;
  /** Removes the key; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys stored before `olderThan`, for the orphan sweeper. */
  list(olderThan: Date): AsyncIterable<string>;
  /** Removes leftovers of interrupted writes older than `olderThan`; returns how many. */
  sweepPartial(olderThan: Date): Promise<number>;
  /** At start: rejects with a StorageUnavailableError when the store cannot be written. */
  check?(): Promise<void>;
  /**
   * Claims room for an upload of at most `bytes` before its body is read, so that uploads arriving
   * together on a nearly full disk do not all stream until it is full and all fail: rejects with an
   * ENOSPC error when the free space, less what running uploads have claimed and not yet written, is
   * short. Stores without a local disk leave it out.
   */
  reserve?(bytes: number): Promise<SpaceClaim>;
  /** Releases connections (an S3 client's sockets) at shutdown. */
  close?(): Promise<void>;
}

export interface SpaceClaim {
  /** `bytes` of the upload have been written (they now show in the free space itself). */
  wrote(bytes: number): void;
  /** The upload is over (stored or not); idempotent. */
  release(): void;
}

export class TruncatedUploadError extends Error {}

/** The store cannot be used at all (missing or unwritable directory); the message is for operators. */
export class StorageUnavailableError extends Error {}

/** The store refused or failed a write for its own reasons (not the client's body): answered 503. */
export class StorageWriteError extends Error {}
