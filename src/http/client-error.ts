import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/** What Node's parser-level errors become, in the same envelope as every other error. */
const ANSWERS: Record<string, [status: number, error: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request_header_fields_too_large', 'The request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'request_entity_too_large', 'The chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'The request was not received in time'],
};
const DEFAULT: [number, string, string] = [400, 'bad_request', 'The request could not be parsed'];

/** A complete JSON error response, for writing straight to a socket (there is no response object). */
export function rawErrorResponse(status: number, error: string, message: string): string {
  const body = JSON.stringify({ errors: { error, message } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * The server's 'clientError' listener: what Node does by default (answer once if nothing of a response
 * was written yet, then close), but with a JSON body instead of an empty text one.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] = ANSWERS[error.code ?? ''] ?? DEFAULT;
  socket.end(rawErrorResponse(status, code, message), () => socket.destroy());
}
