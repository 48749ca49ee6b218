import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import multer from '@koa/multer';
import { fileTypeFromBuffer } from 'file-type';
import type { BlobStore, SpaceClaim } from '../storage/index.ts';
import { StorageWriteError, TruncatedUploadError } from '../storage/index.ts';
import { ApiError, BadRequestError, PayloadTooLargeError, ServiceUnavailableError } from '../errors.ts';
import type { UploadedFile } from '../storage/uploaded.ts';
import type { AppContext } from './state.ts';
import type { Logger } from '../log.ts';
import { exemptFromRequestTimeout } from './body-timeouts.ts';
import { lingerOnClose } from './linger.ts';

/** UserVoice's limit: exactly 50,000,000 bytes is accepted, one more is not. */
export const MAX_UPLOAD_BYTES = 50_000_000;
/** Room for the multipart framing and the small `includes` field around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const SNIFF_BYTES = 4100;

/** Types we trust only when the client declares them and the bytes look like text. */
const TEXT_TYPES = ['text/plain', 'text/csv'];


/**
 * The stored content type: what the bytes say (file-type's signatures), else a declared plain-text type
 * when the bytes are text, else application/octet-stream. Markup is never trusted: downloads are
 * served as attachments with nosniff anyway, but the type must not invite inline rendering.
 */
async function sniffType(head: Buffer, declared: string): Promise<string> {
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  if (detected && !/xml|html|svg/.test(detected.mime)) return detected.mime;
  const base = declared.split(';')[0]!.trim().toLowerCase();
  if (TEXT_TYPES.includes(base) && !head.includes(0)) return base;
  return 'application/octet-stream';
}

interface MulterFile {
  originalname: string;
  mimetype: string;
  stream: Readable;
}

/** Per request: called the moment the file passes the size limit (see uploadParser). */
const onLimit = new WeakMap<IncomingMessage, () => void>();
/** Per request: the store's write, which on failure settles only once its temp file is gone. */
const writes = new WeakMap<IncomingMessage, Promise<unknown>>();
/** Per request: the disk space claimed for it (see BlobStore.reserve), told of every byte written. */
const spaceClaims = new WeakMap<IncomingMessage, SpaceClaim>();
/** How long an error answer waits for the store to drop a failed write's temp file. */
const CLEANUP_WAIT_MS = 1_000;

/** A multer storage engine that streams into the BlobStore (never into memory), sniffing the first bytes. */
function blobEngine(store: BlobStore) {
  return {
    _handleFile(req: IncomingMessage, file: MulterFile, cb: (error: Error | null, info?: Partial<UploadedFile>) => void) {
      const key = randomBytes(24).toString('base64url');
      const head: Buffer[] = [];
      let sniffed = 0;
      const sniffer = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          spaceClaims.get(req)?.wrote(chunk.length);
          if (sniffed < SNIFF_BYTES) {
            head.push(chunk.subarray(0, SNIFF_BYTES - sniffed));
            sniffed += Math.min(chunk.length, SNIFF_BYTES - sniffed);
          }
          done(null, chunk);
        },
      });
      // The callback form of pipeline destroys the sniffer when the upload stream fails (client abort).
      const source = pipeline(file.stream, sniffer, () => {});
      const truncated = () => Boolean((file.stream as Readable & { truncated?: boolean }).truncated);
      const stored = store.put(key, source, { truncated });
      writes.set(req, stored);
      stored.then(
        async ({ size, sha256 }) => {
          const contentType = await sniffType(Buffer.concat(head), file.mimetype);
          cb(null, { key, size, sha256, contentType, originalName: file.originalname });
        },
        (error: Error) => cb(error),
      );
      file.stream.once('limit', () => {
        onLimit.get(req)?.();
        // busboy discards the rest of the part; stop the write now, so its temp file goes before the
        // 413 does (a chunked body may keep arriving while the connection lingers).
        sniffer.destroy(new TruncatedUploadError('upload exceeded the size limit'));
      });
    },
    _removeFile(_req: IncomingMessage, file: Partial<UploadedFile>, cb: (error: Error | null) => void) {
      if (!file.key) return cb(null);
      store.delete(file.key).then(() => cb(null), cb);
    },
  };
}

const MULTER_MESSAGES: Record<string, string> = {
  LIMIT_FILE_COUNT: 'Send exactly one file, in the part named "file"',
  LIMIT_UNEXPECTED_FILE: 'Send exactly one file, in the part named "file"',
  LIMIT_PART_COUNT: 'Too many parts in the multipart body',
  LIMIT_FIELD_COUNT: 'Too many fields in the multipart body',
  LIMIT_FIELD_KEY: 'A field name is too long',
  LIMIT_FIELD_VALUE: 'A field value is too long',
};

/**
 * Reads a multipart upload with one file part named `file` into the store, or throws a typed error.
 * Limits: the file size, one file, a few small fields; a declared Content-Length far beyond the limit
 * is refused before reading the body.
 */
/** Write errors that mean the upload disk is full (507), as opposed to a broken one (500). */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** How long an upload over the limit may take to finish on its own before the 413 goes out. */
const LIMIT_GRACE_MS = 250;

/**
 * Answers and closes the connection without reading the rest of the body, lingering (see linger.ts)
 * so the client gets to read the answer instead of a reset.
 */
function closeAfterAnswer(ctx: AppContext): void {
  ctx.set('Connection', 'close');
  lingerOnClose(ctx.req.socket);
}

const tooLarge = () => new PayloadTooLargeError(`Files may be at most ${MAX_UPLOAD_BYTES} bytes`);

/** 507, and the log line operators watch for (the disk needs room, not the client a fix). */
function storageFull(ctx: AppContext, log: Logger, code: string, message: string): ApiError {
  log.error('upload storage full', { request_id: ctx.state.requestId, code, error: message });
  return new ApiError(507, 'insufficient_storage', 'There is no room to store the file; try again later');
}

export function uploadParser(store: BlobStore, log: Logger) {
  const options = {
    storage: blobEngine(store) as never,
    // File names without an explicit charset are UTF-8 in every client we know (multer defaults to latin1).
    defParamCharset: 'utf8',
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, fieldSize: 8 * 1024, fieldNameSize: 100, parts: 8, headerPairs: 50 },
  };
  const middleware = multer(options as multer.Options).single('file');

  return async (ctx: AppContext): Promise<UploadedFile | undefined> => {
    if (!ctx.is('multipart/form-data')) throw new BadRequestError('Send the file as multipart/form-data, in a part named "file"');
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES) {
      closeAfterAnswer(ctx);
      throw tooLarge();
    }
    // Room on the disk for the whole declared body, claimed before reading it: two uploads that fit
    // alone but not together get one 200 and one 507, instead of both writing until the disk is full.
    // The body is then left to Node, which reads and discards it, so the client gets to read the 507.
    let claim: SpaceClaim | undefined;
    if (declared > 0 && store.reserve) {
      try {
        claim = await store.reserve(declared);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code && DISK_FULL.has(code)) throw storageFull(ctx, log, code, (error as Error).message);
        throw error;
      }
      spaceClaims.set(ctx.req, claim);
    }
    // Slow uploads are bounded by the idle timeout and the size limit, not by a total deadline.
    exemptFromRequestTimeout(ctx.req);
    // On an error multer reads the rest of the body before it reports (for a chunked 200 MB body: all
    // of it); a file over the limit is answered at once instead, and the connection closed after it.
    let limitReached!: (error: Error) => void;
    const limit = new Promise<never>((_, reject) => (limitReached = reject));
    onLimit.set(ctx.req, () => limitReached(tooLarge()));
    const parsing = middleware(ctx as never, async () => {});
    parsing.catch(() => undefined); // settles after the race below when the limit wins
    try {
      await Promise.race([parsing, limit]);
    } catch (error) {
      // A body with a Content-Length ends at most 64 KB after the limit (checked above): multer and the
      // store get to clean up first. A chunked one may never end and is cut off when the connection
      // closes after the answer.
      if (error instanceof PayloadTooLargeError && declared > 0) await Promise.race([parsing.catch(() => undefined), sleep(LIMIT_GRACE_MS)]);
      // multer may report a failed request (client gone, busboy error) before the store has removed its
      // temp file; answer once it has (bounded), so an error answer never leaves a partial file behind.
      const write = writes.get(ctx.req);
      if (write) {
        await Promise.race([write.catch(() => undefined), sleep(CLEANUP_WAIT_MS)]);
      }
      const code = (error as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE' || error instanceof TruncatedUploadError || error instanceof PayloadTooLargeError) {
        closeAfterAnswer(ctx);
        throw tooLarge();
      }
      if (code && MULTER_MESSAGES[code]) throw new BadRequestError(MULTER_MESSAGES[code]);
      if (error instanceof ApiError) throw error;
      // The object store refused or could not be reached: the client may retry (another replica, later).
      if (error instanceof StorageWriteError) {
        log.error('upload storage failed', { request_id: ctx.state.requestId, error: error.message });
        closeAfterAnswer(ctx);
        throw new ServiceUnavailableError('The file could not be stored; try again later', 5);
      }
      // The store failed to write (it reports system errors with a syscall; a client abort has none).
      if (typeof (error as NodeJS.ErrnoException).syscall === 'string') {
        if (code && DISK_FULL.has(code)) {
          closeAfterAnswer(ctx);
          throw storageFull(ctx, log, code, (error as Error).message);
        }
        throw error; // a 500, logged by the error handler
      }
      // busboy's parse errors (no boundary, truncated body, malformed part headers) and aborted requests.
      throw new BadRequestError('The multipart body is malformed');
    } finally {
      onLimit.delete(ctx.req);
      claim?.release();
      spaceClaims.delete(ctx.req);
    }
    return (ctx as unknown as { file?: UploadedFile }).file;
  };
}

export { sanitizeFileName, type UploadedFile } from '../storage/uploaded.ts';
