import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BadRequestError, IdempotencyKeyInUseError, IdempotencyOutcomeUnknownError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import { beforeCommit } from '../db/transaction.ts';
import type { Logger } from '../log.ts';
import type { IdempotencyKeys, KeyRow } from '../db/idempotency-keys.ts';
import { LEASE_MS } from '../db/idempotency-keys.ts';
import { exemptFromRequestTimeout } from './body-timeouts.ts';
import { render } from './error-handler.ts';
import { authOf, type AppContext, type AppMiddleware } from './state.ts';
import { MAX_UPLOAD_BYTES } from './upload.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Visible ASCII except `"` and `\` (a quoted key, as the IETF draft writes it, is unquoted first), 1–255 long. */
const KEY = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;
/** Answers that say the request never ran, or not in full: a retry must run it. 5xx are not kept either. */
const NOT_KEPT = new Set([408, 413, 429]);
/** Response headers that belong to the answer (rate-limit headers and X-Request-Id belong to each request). */
const KEPT_HEADERS = ['content-type', 'location'];
/** Longest body read to compare a retry with the first request (an upload and its multipart framing). */
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;
const RENEW_MS = LEASE_MS / 3;

const reused = () => new ValidationError({ 'Idempotency-Key': ['was already used for a different request (method, path, query string or body)'] });

/**
 * SHA-256 of a request body as its readers consume it. Multipart bodies hash without their boundary:
 * clients pick a new random boundary for every attempt, so a retry's bytes differ only there. Hashing as
 * the bytes stream past is what lets a 50 MB upload be fingerprinted without holding it.
 */
export class BodyFingerprint {
  private readonly hash: Hash = createHash('sha256');
  private carry: Buffer = Buffer.alloc(0);
  bytes = 0;
  ended = false;

  private readonly boundary: Buffer | undefined;

  constructor(boundary?: Buffer) {
    this.boundary = boundary;
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    const { boundary } = this;
    if (!boundary) {
      this.hash.update(chunk);
      return;
    }
    // A boundary may straddle two chunks: the last boundary.length - 1 bytes wait for the next one.
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let at = data.indexOf(boundary); at !== -1; at = data.indexOf(boundary, start)) {
      this.hash.update(data.subarray(start, at));
      start = at + boundary.length;
    }
    const keep = Math.max(start, data.length - boundary.length + 1);
    this.hash.update(data.subarray(start, keep));
    this.carry = Buffer.from(data.subarray(keep));
  }

  digest(): string {
    this.hash.update(this.carry);
    this.carry = Buffer.alloc(0);
    return this.hash.digest('hex');
  }
}

/**
 * Feeds every body chunk to `fingerprint` as it is read, whoever reads it (koa-body, multer, or the drain
 * below): Readable emits 'data' for each chunk read, in flowing mode and through read() alike. Listening
 * for 'data' instead would start the flow before the body's reader is there.
 */
function tap(req: IncomingMessage, fingerprint: BodyFingerprint): void {
  const emit = req.emit;
  req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') fingerprint.update(Buffer.isBuffer(args[0]) ? args[0] : Buffer.from(String(args[0])));
    else if (event === 'end') fingerprint.ended = true;
    return emit.call(this, event, ...args);
  } as typeof req.emit;
}

const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** Reads what nobody read of the body (into the fingerprint); false if it did not arrive whole or was too long. */
async function readRest(req: IncomingMessage, fingerprint: BodyFingerprint): Promise<boolean> {
  if (fingerprint.ended || !hasBody(req)) return true;
  if (req.destroyed) return false;
  return new Promise<boolean>((resolve) => {
    const done = (whole: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      if (!whole) req.pause();
      resolve(whole);
    };
    const onData = () => {
      if (fingerprint.bytes > MAX_BODY_BYTES) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(fingerprint.ended);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}

/** Method, path, query string and media type (without parameters such as the multipart boundary). */
function requestHash(ctx: AppContext): string {
  const type = (ctx.get('Content-Type').split(';')[0] ?? '').trim().toLowerCase();
  return createHash('sha256')
    .update([ctx.method, ctx.path, ctx.querystring, type, ctx.get('Content-Encoding').toLowerCase()].join('\n'))
    .digest('hex');
}

function boundaryOf(ctx: AppContext): Buffer | undefined {
  if (!ctx.is('multipart/form-data')) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ctx.get('Content-Type'));
  const boundary = match?.[1] ?? match?.[2];
  return boundary ? Buffer.from(boundary, 'latin1') : undefined;
}

function parseKey(raw: string): string {
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!KEY.test(key)) {
    throw new BadRequestError('Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces, quotes or backslashes)');
  }
  return key;
}

function replay(ctx: AppContext, row: KeyRow): void {
  ctx.status = row.status!;
  ctx.set(row.headers ?? {});
  ctx.set('Idempotent-Replayed', 'true');
  ctx.body = row.body;
}

/** The answer as bytes-to-be: a JSON body is serialised here (as Koa would), so a replay sends the same bytes. */
function keepable(ctx: AppContext): string | undefined {
  if (ctx.status >= 500 || NOT_KEPT.has(ctx.status)) return undefined;
  const body: unknown = ctx.body;
  if (typeof body === 'string') return body;
  if (body === null || body === undefined || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  const text = JSON.stringify(body);
  ctx.body = text;
  return text;
}

/**
 * `Idempotency-Key` on POST/PUT/DELETE (mount after bearerAuth and the rate limit, before the body is
 * read). Keys are per API client and kept 24 hours:
 * - a new key runs the request and keeps its answer (status, Content-Type, body bytes), unless the
 *   answer is a 5xx, 408, 413 or 429, or the body did not arrive whole: then the key is freed;
 * - the same key with the same method, path, query string and body answers the kept answer, with
 *   `Idempotent-Replayed: true`, without running anything;
 * - the same key with another request is a 422; while the first request runs, a 409 with Retry-After;
 * - the write and the mark that it happened commit together (db/transaction.ts beforeCommit): a retry
 *   after a crash between that commit and keeping the answer gets a 409, never a second write.
 */
export function idempotency(keys: IdempotencyKeys, clock: () => number, log: Logger): AppMiddleware {
  return async (ctx, next) => {
    const raw = ctx.headers['idempotency-key'];
    if (!WRITES.has(ctx.method) || raw === undefined) return next();
    const key = parseKey(Array.isArray(raw) ? raw.join(', ') : raw);
    const { clientId } = authOf(ctx);
    const fingerprint = new BodyFingerprint(boundaryOf(ctx));
    tap(ctx.req, fingerprint);
    const hash = requestHash(ctx);
    const claim = await keys.claim(clientId, key, hash, clock());

    if (!claim.claimed) {
      const { row } = claim;
      if (row.requestHash !== hash) throw reused();
      if (row.status === null) {
        if (row.committedAt && row.lockedUntil && row.lockedUntil.getTime() <= clock()) throw new IdempotencyOutcomeUnknownError();
        throw new IdempotencyKeyInUseError();
      }
      // An upload's retry is read whole to compare it; like the upload itself it has only the idle timeout.
      if (ctx.is('multipart/form-data')) exemptFromRequestTimeout(ctx.req);
      if (!(await readRest(ctx.req, fingerprint))) {
        if (fingerprint.bytes > MAX_BODY_BYTES) throw new PayloadTooLargeError();
        throw new BadRequestError('The request body did not arrive whole');
      }
      if (fingerprint.digest() !== row.bodyHash) throw reused();
      ctx.state.idempotency = 'replayed';
      replay(ctx, row);
      return;
    }

    const renewal = setInterval(() => {
      keys.renew(clientId, key, clock()).catch((error: unknown) => log.warn('idempotency key lease not renewed', { error: String(error) }));
    }, RENEW_MS).unref();
    try {
      await beforeCommit.run(
        (tx) => keys.markCommitted(tx, clientId, key, clock()),
        async () => {
          try {
            await next();
          } catch (error) {
            render(ctx, error, log);
          }
        },
      );
    } finally {
      clearInterval(renewal);
    }
    try {
      const body = keepable(ctx);
      if (body !== undefined && (await readRest(ctx.req, fingerprint))) {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = ctx.response.get(name);
          if (value) headers[name] = String(value);
        }
        await keys.save(clientId, key, { bodyHash: fingerprint.digest(), status: ctx.status, headers, body });
        ctx.state.idempotency = 'stored';
      } else {
        await keys.finish(clientId, key, clock());
        ctx.state.idempotency = 'not_stored';
      }
    } catch (error) {
      // The answer still goes out; a retry then finds the key unanswered (409) rather than running twice.
      log.warn('idempotency key not recorded', { request_id: ctx.state.requestId, error: String(error) });
    }
  };
}
