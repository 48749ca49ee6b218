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
  /** Releases connections (an S3 client's sockets) at shutdown. */
  close?(): Promise<void>;
}

export class TruncatedUploadError extends Error {}

/** The store cannot be used at all (missing or unwritable directory); the message is for operators. */
export class StorageUnavailableError extends Error {}

/** The store refused or failed a write for its own reasons (not the client's body): answered 503. */
export class StorageWriteError extends Error {}
