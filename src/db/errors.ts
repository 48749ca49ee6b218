import { ServiceUnavailableError } from '../errors.ts';

/** SQLSTATEs after which the same transaction, run again, can succeed (deadlock, serialization failure). */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40P01', '40001']);

/** The database is there but did not serve this request in time: lock or statement timeout, full pool. */
const BUSY_SQLSTATES = new Set(['55P03', '57014', '53300', '53400', ...RETRYABLE_SQLSTATES]);

/** Connection exceptions (class 08), shutdowns, a database that does not exist (any more). */
const GONE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '3D000']);

const GONE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Messages of the driver layers that carry no code: pg-pool's wait for a connection, pg's dropped
 * socket, and an embedded PGlite that has been closed.
 */
const BUSY_MESSAGES = /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;
const GONE_MESSAGES = /Connection terminated unexpectedly|Client has encountered a connection error|PGlite is closed|PGlite.*closed/i;

/** Seconds a client should wait before retrying. */
export const RETRY_AFTER_BUSY = 1;
export const RETRY_AFTER_GONE = 5;

function codeOf(error: object): string | undefined {
  const e = error as { code?: unknown; sqlState?: unknown; cause?: unknown };
  if (typeof e.sqlState === 'string') return e.sqlState;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.cause === 'object' && e.cause !== null) return codeOf(e.cause);
  return undefined;
}

/** The SQLSTATE (or Node errno code) of a driver error, also when MikroORM has wrapped it. */
export function sqlStateOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? codeOf(error) : undefined;
}

export function isRetryable(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

/**
 * A 503 for errors that say "the database cannot serve this now" rather than "this request is wrong":
 * the client may retry after Retry-After. Anything else stays what it is (a 500 when unexpected).
 */
export function databaseUnavailable(error: unknown): ServiceUnavailableError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = codeOf(error);
  const message = (error as { message?: unknown }).message;
  const text = typeof message === 'string' ? message : '';
  if ((code && BUSY_SQLSTATES.has(code)) || BUSY_MESSAGES.test(text)) return busy();
  if ((code && (GONE_SQLSTATES.has(code) || code.startsWith('08') || GONE_ERRNOS.has(code))) || GONE_MESSAGES.test(text)) {
    return new ServiceUnavailableError(undefined, RETRY_AFTER_GONE);
  }
  return undefined;
}

export function busy(): ServiceUnavailableError {
  return new ServiceUnavailableError(undefined, RETRY_AFTER_BUSY);
}

/** A short reason for the log (code and first line of the message; never parameters or SQL text). */
export function unavailableReason(error: unknown): string {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  const code = sqlStateOf(error);
  return code ? `${code}: ${message.slice(0, 200)}` : message.slice(0, 200);
}
