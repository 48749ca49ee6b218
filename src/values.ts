/** Scalar values as clients send them in query strings, form fields and JSON: ids, booleans, timestamps. */

const MAX_ID = 2_147_483_647;

/** A whole number from 1 to 2^31 - 1 (every id column is an int4 serial). */
export function parseId(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id >= 1 && id <= MAX_ID ? id : undefined;
}

export function parseBool(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return undefined;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO-8601 in every form UserVoice clients send: `…Z`, `….000Z`, `…+00:00`, .NET's seven fractional
 * digits without a zone (read as UTC), and `+` decoded to a space by an unencoded query string.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = TIMESTAMP.exec(text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = match;
  // Date rolls 2024-02-30 over to March; PostgreSQL rejects it. Refuse impossible calendar dates.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return undefined;
  }
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.length > 3 ? zone.slice(-2) : '00'}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An e-mail address as writes accept it (one `@`, a dot in the domain, no spaces). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
