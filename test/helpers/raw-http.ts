/**
 * Requests over node:http, for what fetch hides: header names exactly as the server sent them, and
 * request bodies sent in two parts with the request held open in between.
 */
import http from 'node:http';

export interface RawReply {
  status: number;
  /** Header names as sent, in order (fetch lower-cases them). */
  headerNames: string[];
  /** Lower-cased name → value. */
  headers: Record<string, string>;
  body: any;
  text: string;
}

export interface RawRequestOptions {
  token?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HeldRequest {
  /** Sends the rest of the body and resolves with the reply. */
  finish(): Promise<RawReply>;
}

function toReply(res: http.IncomingMessage, text: string): RawReply {
  const headers: Record<string, string> = {};
  const headerNames: string[] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    headerNames.push(res.rawHeaders[i]!);
    headers[res.rawHeaders[i]!.toLowerCase()] = res.rawHeaders[i + 1]!;
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode!, headerNames, headers, body, text };
}

function open(baseUrl: string, method: string, path: string, options: RawRequestOptions) {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = Buffer.byteLength(options.body);
  }
  const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers, agent: false });
  const reply = new Promise<RawReply>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve(toReply(res, text)));
      res.once('error', reject);
    });
  });
  reply.catch(() => undefined); // observed by whoever awaits it
  return { req, reply };
}

export function rawRequest(baseUrl: string, method: string, path: string, options: RawRequestOptions = {}): Promise<RawReply> {
  const { req, reply } = open(baseUrl, method, path, options);
  req.end(options.body);
  return reply;
}

/** Sends the head and the first `sent` bytes of `options.body` now; the rest on finish(). */
export function heldRequest(baseUrl: string, method: string, path: string, options: RawRequestOptions & { body: string }, sent = 1): HeldRequest {
  const { req, reply } = open(baseUrl, method, path, options);
  req.write(options.body.slice(0, sent));
  return {
    finish() {
      req.end(options.body.slice(sent));
      return reply;
    },
  };
}
