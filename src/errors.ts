/**
 * The error family. Handlers and middleware throw these; http/error-handler.ts is the one place that
 * turns any thrown value into a response (DECISIONS.md, Errors).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra keys placed inside `errors` (e.g. `message`), or the whole `errors` object for 422s. */
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message?: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message ?? code);
    this.status = status;
    this.code = code;
    this.details = options.details ?? (message ? { message } : {});
    this.headers = options.headers ?? {};
  }

  /** The `errors` object of the response body. */
  toBody(): Record<string, unknown> {
    return { errors: { error: this.code, ...this.details } };
  }
}

/** 401 for the admin API. `invalid` is set when a token was sent but rejected (RFC 6750 §3). */
export class NotAuthorizedError extends ApiError {
  constructor(invalid: boolean) {
    super(401, 'not_authorized', undefined, {
      headers: {
        'WWW-Authenticate': invalid ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"',
      },
    });
  }
}

/**
 * 403: a valid token that may not do this: a password-grant token of a non-admin, a key without the
 * route's scope, or a publishable key outside what it may do (http/access.ts says which, in `message`).
 */
export class ForbiddenError extends ApiError {
  constructor(message?: string) {
    super(403, 'forbidden', message);
  }
}

export class RecordNotFoundError extends ApiError {
  constructor() {
    super(404, 'record_not_found');
  }
}

export class RouteNotFoundError extends ApiError {
  constructor() {
    super(404, 'not_found');
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(allowed: string[]) {
    super(405, 'method_not_allowed', `Allowed: ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } });
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(message = 'The request body is too large') {
    super(413, 'request_entity_too_large', message);
  }
}

/** 429 `{"errors":{"error":"rate_limit_exceeded"}}`; Retry-After in whole seconds (RFC 9110 §10.2.3). */
export class RateLimitExceededError extends ApiError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate_limit_exceeded', undefined, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

/** 503 `{"errors":{"error":"service_unavailable"}}`; with Retry-After (whole seconds) when retrying helps. */
export class ServiceUnavailableError extends ApiError {
  constructor(message?: string, retryAfterSeconds?: number) {
    super(503, 'service_unavailable', message, retryAfterSeconds ? { headers: { 'Retry-After': String(retryAfterSeconds) } } : {});
  }
}

/** 409: a request with the same Idempotency-Key is still running (http/idempotency.ts). */
export class IdempotencyKeyInUseError extends ApiError {
  constructor() {
    super(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still running; retry after Retry-After seconds', {
      headers: { 'Retry-After': '1' },
    });
  }
}

/** 409: the first request with this Idempotency-Key wrote, but its process stopped before keeping the answer. */
export class IdempotencyOutcomeUnknownError extends ApiError {
  constructor() {
    super(
      409,
      'idempotency_key_outcome_unknown',
      'The request with this Idempotency-Key was carried out, but the server stopped before its answer was kept; read the records to see their state',
    );
  }
}

/** 422 with Rails-style field errors: `{"errors":{"title":["can't be blank"]}}`. */
export class ValidationError extends ApiError {
  readonly fields: Record<string, string[]>;
  constructor(fields: Record<string, string[]>) {
    super(422, 'validation_failed');
    this.fields = fields;
  }
  override toBody(): Record<string, unknown> {
    return { errors: this.fields };
  }
}

/** The token endpoint speaks OAuth 2.0 (RFC 6749 §5.2) instead of the `errors` envelope. */
export class OAuthError extends Error {
  readonly status: number;
  readonly code:
    | 'invalid_request'
    | 'invalid_client'
    | 'invalid_grant'
    | 'unsupported_grant_type'
    | 'unauthorized_client'
    | 'server_error'
    | 'temporarily_unavailable'
    | 'rate_limit_exceeded';
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: OAuthError['code'],
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
  toBody(): Record<string, unknown> {
    return { error: this.code, error_description: this.message };
  }
}
