/** A file an upload stored (http/upload.ts writes it; services/attachments.ts records it). */
export interface UploadedFile {
  key: string;
  size: number;
  sha256: string;
  /** From the bytes where possible; never text/html or SVG (see sniffType). */
  contentType: string;
  /** As the client sent it (display only; see sanitizeFileName). */
  originalName: string;
}

/**
 * Display name only: no path, no control or bidi-override characters, NFC, at most 255 UTF-8 bytes
 * (keeping the extension), never empty.
 */
export function sanitizeFileName(name: string): string {
  let clean = name
    .normalize('NFC')
    .split(/[/\\]/)
    .pop()!
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069"]/g, '')
    .trim()
    .replace(/^\.+/, '');
  if (!clean) clean = 'file';
  const encoder = new TextEncoder();
  if (encoder.encode(clean).length <= 255) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  let stem = [...clean.slice(0, clean.length - ext.length)];
  while (encoder.encode(stem.join('') + ext).length > 255) stem = stem.slice(0, -1);
  return stem.join('') + ext;
}
