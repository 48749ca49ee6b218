import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.ts';
import { databaseUnavailable, unavailableReason } from '../db/errors.ts';
import {
  ApiError,
  BadRequestError,
  OAuthError,
  PayloadTooLargeError,
} from '../errors.ts';
import type { AppMiddleware, AppContext } from './state.ts';

interface ForeignHttpError {
  code?: string;
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

const ABORTED = 'The request was aborted';

/**
 * Errors raised by libraries (co-body, raw-body, the router) carry an HTTP status but their own
 * message; map the client-caused ones to our classes with messages we choose.
 */
function fromForeign(error: unknown, req: IncomingMessage): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as ForeignHttpError;
  // raw-body's 500 "stream is not readable": the client closed the connection while auth or the rate
  // limiter ran, so Node destroyed the request before its body was read. Nobody will read the answer;
  // it is the client's doing, like a body cut short (request.aborted below), so it is a 400 in the
  // request log and not an "unhandled error". Not nginx's 499: no registered status and not in the
  // error envelope's list (DECISIONS.md).
  // A stream not readable for another reason (read twice: our bug) stays a logged 500.
  if (e.type === 'stream.not.readable' && (req.destroyed || req.readableAborted)) return new BadRequestError(ABORTED);
  // zlib's errors (a Content-Encoding the body does not match) carry no HTTP status; Brotli's codes are
  // its decoder's error names (`ERR__ERROR_FORMAT_PADDING_1`, …).
  if (typeof e.code === 'string' && /^(Z_|ERR__ERROR_)/.test(e.code)) return new BadRequestError('The request body could not be decompressed');
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413 || e.type === 'entity.too.large') return new PayloadTooLargeError();
  if (e.type === 'entity.parse.failed' || error instanceof SyntaxError) return new BadRequestError('The request body is not valid JSON');
  if (e.type === 'request.size.invalid') return new BadRequestError('The request body is shorter or longer than its Content-Length');
  if (e.type === 'request.aborted') return new BadRequestError(ABORTED);
  if (status === 415) return new ApiError(415, 'unsupported_media_type', 'Unsupported charset or content encoding');
  return new BadRequestError('The request could not be parsed');
}

function toOAuth(error: ApiError): OAuthError {
  if (error.status === 503) return new OAuthError(503, 'temporarily_unavailable', 'The server is busy; retry after Retry-After seconds', error.headers);
  if (error.status >= 500) return new OAuthError(error.status, 'server_error', 'The server could not answer');
  // The brute-force guard: stays a 429, keeps Retry-After, in the OAuth shape this route speaks.
  if (error.status === 429) {
    return new OAuthError(429, 'rate_limit_exceeded', 'Too many failed client authentications; retry after Retry-After seconds', error.headers);
  }
  const message = typeof error.details.message === 'string' ? error.details.message : 'The request is malformed';
  return new OAuthError(error.status === 413 ? 413 : 400, 'invalid_request', message);
}

/**
 * First middleware: the only place where a thrown value becomes a response. Bodies never carry
 * stack traces, SQL or file paths; unexpected errors are logged with their stack instead.
 */
export function errorHandler(log: Logger): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      render(ctx, error, log);
    }
  };
}

/**
 * Turns a thrown value into the response. The error handler calls it for every request; the idempotency
 * middleware (http/idempotency.ts) calls it early for the requests it records, to keep the answer.
 */
export function render(ctx: AppContext, error: unknown, log: Logger): void {
  let known: ApiError | OAuthError | undefined =
    error instanceof ApiError || error instanceof OAuthError ? error : fromForeign(error, ctx.req);
  if (!known && (known = databaseUnavailable(error))) {
    log.warn('database unavailable', { request_id: ctx.state.requestId, path: ctx.path, error: unavailableReason(error) });
  }
  if (!known) {
    log.error('unhandled error', {
      request_id: ctx.state.requestId,
      method: ctx.method,
      path: ctx.path,
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    });
    known = new ApiError(500, 'internal_server_error');
  }
  if (ctx.state.oauth && known instanceof ApiError) known = toOAuth(known);
  ctx.status = known.status;
  ctx.set(known.headers);
  ctx.body = known.toBody();
}
