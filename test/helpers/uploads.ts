import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { request, type Reply } from './http.ts';

/** A real PNG of the given size (sharp), for sniffing and thumbnail tests. */
export function png(width = 400, height = 300): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).png().toBuffer();
}

export const sha256 = (data: Buffer | Uint8Array) => createHash('sha256').update(data).digest('hex');

export interface Part {
  name: string;
  data: Buffer | string;
  filename?: string;
  type?: string;
}

/** A multipart/form-data body built by hand, so tests control every byte (names, types, framing). */
export function multipart(parts: Part[], boundary = `----uvtest${Date.now().toString(16)}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POST /api/v2/admin/attachments with one file part named `file`. */
export function upload(baseUrl: string, token: string, data: Buffer, filename = 'file.bin', type = 'application/octet-stream', extra: Part[] = []): Promise<Reply> {
  const { body, contentType } = multipart([{ name: 'file', data, filename, type }, ...extra]);
  return request(baseUrl, 'POST', '/api/v2/admin/attachments', { token, raw: body, headers: { 'Content-Type': contentType } });
}
