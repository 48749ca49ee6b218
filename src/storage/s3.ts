import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Config } from '../config.ts';
import { StorageUnavailableError, StorageWriteError, TruncatedUploadError, type BlobStore, type StoredBlob } from './index.ts';
import { measuring } from './measure.ts';
import { releasePartBuffers } from './memory.ts';

const KEY = /^[A-Za-z0-9_-]{8,64}(\.[a-z]+)?$/;

/**
 * Parts of a multipart upload. S3's minimum is 5 MiB; lib-storage holds at most `QUEUE_SIZE` parts
 * plus the one being filled, so a 50 MB upload keeps ~15 MB in memory, never the file.
 */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/**
 * `Initiated` is when a multipart upload began, not its last byte, and a slow upload that keeps moving
 * has no total deadline: only uploads begun this long before the sweeper's cutoff are taken as dead.
 */
const MULTIPART_GRACE_MS = 24 * 3600 * 1000;

export function s3Client(config: S3Config): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
    // Since 3.729 the SDK adds CRC checksums to every upload by default; Garage, R2 and older MinIO
    // releases reject or mishandle some of them. Checksums only where the S3 API requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that does not answer fails the start (or the request) in seconds, not minutes.
    requestHandler: { connectionTimeout: 5_000 },
    maxAttempts: 3,
  });
}

const status = (error: unknown) => (error as S3ServiceException).$metadata?.httpStatusCode;
const isMissing = (error: unknown) => (error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound' || status(error) === 404;
/** Names the error for operators without repeating request details (no credentials are ever in it). */
const describe = (error: unknown) => `${(error as Error).name ?? 'Error'}${status(error) ? ` ${status(error)}` : ''}: ${(error as Error).message}`;

/**
 * Objects `<prefix><key>` in one bucket of an S3-compatible store. Writes are atomic by S3's own rule:
 * a PutObject or a completed multipart upload becomes visible whole, so a crash or a failed stream
 * leaves at most an incomplete multipart upload (never listed as an object; swept by `sweepPartial`
 * and by the bucket's lifecycle rule, see README), never a partial object.
 */
export function s3Store(config: S3Config, client: S3Client = s3Client(config)): BlobStore {
  const { bucket, prefix } = config;
  const objectKey = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key');
    return `${prefix}${key}`;
  };

  return {
    async put(key, stream, options = {}): Promise<StoredBlob> {
      const target = objectKey(key);
      let sourceError: Error | undefined;
      // Before the upload sees the end: a body cut short by the size limit must never be completed
      // into an object (multer ends the stream early instead of failing it).
      const measure = measuring((done) => {
        if (options.truncated?.()) done((sourceError = new TruncatedUploadError('upload exceeded the size limit')));
        else done();
      });
      stream.once('error', (error) => (sourceError ??= error));
      // Callback form: an error on either side destroys the other (a client abort ends the upload,
      // a failed upload stops reading the request).
      pipeline(stream, measure.stream, () => {});
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: target, Body: measure.stream },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        // On failure lib-storage aborts the multipart upload, so its parts do not linger (or bill).
        leavePartsOnError: false,
      });
      let parts = 0;
      upload.on('httpUploadProgress', () => {
        if (++parts > 1 || measure.size > PART_SIZE) releasePartBuffers();
      });
      try {
        await upload.done();
      } catch (error) {
        measure.stream.destroy();
        if (options.truncated?.()) throw new TruncatedUploadError('upload exceeded the size limit');
        // The client's failure, even when aborting the multipart upload failed afterwards (that error
        // is what lib-storage reports then).
        if (sourceError) throw sourceError;
        throw new StorageWriteError(`S3 bucket ${bucket}: ${describe(error)}`, { cause: error });
      }
      return measure.blob();
    },
    async get(key) {
      try {
        const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        return reply.Body as Readable;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      // S3 answers 204 for a missing key too.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },
    async *list(olderThan) {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(prefix.length) ?? '';
          // Only our own keys directly under the prefix (a deeper prefix may belong to another deployment).
          if (KEY.test(name) && object.LastModified && object.LastModified < olderThan) yield name;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async sweepPartial(partialCutoff) {
      const olderThan = new Date(partialCutoff.getTime() - MULTIPART_GRACE_MS);
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          );
          for (const upload of page.Uploads ?? []) {
            if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
            await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
            removed++;
          }
          keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
          uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
        } while (keyMarker);
      } catch (error) {
        // Some servers (s3rver, older Garage) do not list multipart uploads; the lifecycle rule covers them.
        if ((error as Error).name === 'NotImplemented' || status(error) === 501) return removed;
        throw error;
      }
      return removed;
    },
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        throw new StorageUnavailableError(`S3 bucket ${bucket} cannot be reached (${describe(error)})`);
      }
      // A read-only key passes HeadBucket: write and remove a probe, as the local store does.
      const probe = `${prefix}probe/${randomUUID()}`;
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: 'ok' }));
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
      } catch (error) {
        throw new StorageUnavailableError(`S3 bucket ${bucket} is not writable (${describe(error)})`);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
