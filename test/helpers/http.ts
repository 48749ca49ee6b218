import { checkAgainstOpenApi } from './openapi.ts';

/** Small fetch wrappers that return status, headers and the parsed JSON body together. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded, exactly as given. */
  form?: string;
  /** Sent as given with no content type of our choosing. */
  raw?: string | Buffer;
}

export async function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    body = options.form;
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const reply = { status: response.status, headers: response.headers, body: parsed, text };
  if (VALIDATE) await checkAgainstOpenApi(baseUrl, method, path, reply);
  return reply;
}

/** OPENAPI_VALIDATE=1: every reply is checked against the server's OpenAPI document (test/helpers/openapi.ts). */
const VALIDATE = process.env.OPENAPI_VALIDATE === '1';

/** Timestamps in UserVoice's wire form. */
export const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
