import { Readable } from 'node:stream';

/**
 * The UserVoice Admin API v2 as a source: a client-credentials token, JSON GETs and file downloads, with
 * the source's rate limit honoured (429 + Retry-After, X-Rate-Limit-Remaining/Reset), 5xx and network
 * errors retried with bounded exponential backoff, and one token refresh on a 401.
 */
export interface SourceOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Retries per request after the first attempt (default 6). */
  retries?: number;
  /** First backoff in ms (default 500), doubled per retry, capped at `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Longest Retry-After honoured, in seconds (default 300): a longer one is waited in steps of this. */
  maxRetryAfterSeconds?: number;
  /** Called before each wait, for the progress display. */
  onWait?: (ms: number, reason: string) => void;
  timeoutMs?: number;
}

export class SourceError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds from a Retry-After header (delta seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export interface ListPage {
  records: Record<string, unknown>[];
  total: number | undefined;
  cursor: string | undefined;
}

export class Source {
  readonly base: string;
  private token: string | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfter: number;
  private readonly timeoutMs: number;
  /** Requests made, for the summary. */
  requests = 0;
  retried = 0;

  private readonly options: SourceOptions;
  constructor(options: SourceOptions) {
    this.options = options;
    this.base = options.url.replace(/\/+$/, '');
    this.retries = options.retries ?? 6;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.maxRetryAfter = options.maxRetryAfterSeconds ?? 300;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  private async authenticate(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.options.clientId, client_secret: this.options.clientSecret });
    const response = await this.send(`${this.base}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    });
    const json = (await response.json().catch(() => ({}))) as { access_token?: unknown };
    if (response.status !== 200 || typeof json.access_token !== 'string') {
      // The secret is never echoed; the status tells what went wrong.
      throw new SourceError(`the source refused the client credentials (HTTP ${response.status})`, response.status);
    }
    this.token = json.access_token;
    return this.token;
  }

  /**
   * One request with the retry policy: waits out 429s (Retry-After, else backoff), retries 5xx and network
   * errors with backoff, and slows down before the quota runs out (X-Rate-Limit-Remaining 0). Other
   * statuses are returned to the caller.
   */
  private async send(url: string, init: RequestInit): Promise<Response> {
    let attempt = 0;
    for (;;) {
      let response: Response | undefined;
      let failure: string;
      try {
        this.requests += 1;
        response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        failure = `network error: ${(error as Error).message}`;
      }
      if (response) {
        if (response.status === 429) {
          await response.body?.cancel();
          const seconds = retryAfterSeconds(response.headers.get('retry-after'));
          if (attempt >= this.retries) throw new SourceError(`rate limited by the source (HTTP 429) after ${attempt + 1} attempts`, 429);
          const ms = seconds !== undefined ? Math.min(seconds, this.maxRetryAfter) * 1000 : this.backoff(attempt);
          this.options.onWait?.(ms, 'rate limited (429)');
          this.retried += 1;
          attempt += 1;
          await sleep(ms);
          continue;
        }
        if (response.status < 500) {
          await this.pace(response);
          return response;
        }
        await response.body?.cancel();
        failure = `HTTP ${response.status}`;
      }
      if (attempt >= this.retries) throw new SourceError(`${url.split('?')[0]}: ${failure!} after ${attempt + 1} attempts`, response?.status);
      // A 503 may say when to come back (this server's do): never sooner than that, never longer than the cap.
      const after = response ? retryAfterSeconds(response.headers.get('retry-after')) : undefined;
      const ms = after === undefined ? this.backoff(attempt) : Math.max(this.backoff(attempt), Math.min(after, this.maxRetryAfter) * 1000);
      this.options.onWait?.(ms, failure!);
      this.retried += 1;
      attempt += 1;
      await sleep(ms);
    }
  }

  private backoff(attempt: number): number {
    const ms = Math.min(this.backoffMs * 2 ** attempt, this.maxBackoffMs);
    return Math.round(ms / 2 + Math.random() * (ms / 2));
  }

  /** Quota exhausted: wait for the window to reset (X-Rate-Limit-Reset, epoch seconds) instead of earning a 429. */
  private async pace(response: Response): Promise<void> {
    const remaining = response.headers.get('x-rate-limit-remaining');
    if (remaining === null || Number(remaining) > 0) return;
    const reset = Number(response.headers.get('x-rate-limit-reset'));
    if (!Number.isFinite(reset) || reset <= 0) return;
    const ms = Math.min(Math.max(0, reset * 1000 - Date.now()), this.maxRetryAfter * 1000);
    if (ms > 0) {
      this.options.onWait?.(ms, 'rate-limit quota used up');
      await sleep(ms);
    }
  }

  /** An authenticated GET; a 401 refreshes the token once (tokens expire mid-import). */
  async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const url = new URL(`${this.base}${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    for (let refreshed = false; ; refreshed = true) {
      const token = this.token ?? (await this.authenticate());
      const response = await this.send(url.toString(), { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel();
        this.token = undefined;
        continue;
      }
      const text = await response.text();
      if (response.status !== 200) throw new SourceError(`GET ${url.pathname}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
      try {
        return JSON.parse(text);
      } catch {
        throw new SourceError(`GET ${url.pathname}: the response is not JSON`);
      }
    }
  }

  /** One page of `/api/v2/admin/<type>`. */
  async list(type: string, query: Record<string, string | number | undefined>): Promise<ListPage> {
    const body = (await this.get(`/api/v2/admin/${type}`, query)) as Record<string, unknown>;
    const records = body[type];
    if (!Array.isArray(records)) throw new SourceError(`GET /api/v2/admin/${type}: no "${type}" array in the response`);
    const pagination = (body.pagination ?? {}) as { total_records?: unknown; cursor?: unknown };
    const total = typeof pagination.total_records === 'number' ? pagination.total_records : undefined;
    const cursor = typeof pagination.cursor === 'string' && pagination.cursor !== '' ? pagination.cursor : undefined;
    return { records: records as Record<string, unknown>[], total, cursor };
  }

  /**
   * A file's bytes as a stream (attachments). The token goes only to the source's own origin: download
   * URLs elsewhere (a CDN) are pre-signed and must not receive it.
   */
  async download(url: string): Promise<Readable> {
    const sameOrigin = new URL(url).origin === new URL(this.base).origin;
    for (let refreshed = false; ; refreshed = true) {
      const headers: Record<string, string> = {};
      if (sameOrigin) headers.Authorization = `Bearer ${this.token ?? (await this.authenticate())}`;
      const response = await this.send(url, { headers });
      if (response.status === 401 && sameOrigin && !refreshed) {
        await response.body?.cancel();
        this.token = undefined;
        continue;
      }
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel();
        throw new SourceError(`download failed: HTTP ${response.status}`, response.status);
      }
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    }
  }
}
