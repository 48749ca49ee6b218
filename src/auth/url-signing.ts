import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signed download links expire after this long (RELIABILITY.md S12: at most 15 minutes). */
export const SIGNED_URL_TTL_SECONDS = 15 * 60;

export interface UrlSigner {
  /** `${publicUrl}${path}?expires=…&signature=…` */
  sign(path: string): string;
  /** 'ok', or why the link is refused. */
  verify(path: string, expires: unknown, signature: unknown): 'ok' | 'expired' | 'invalid';
}

/**
 * HMAC-SHA256 over the path and expiry, with a key derived from the token signing key (so one secret
 * to manage, but a download signature can never pass as a token signature or vice versa).
 */
export function createUrlSigner(signingKey: string, publicUrl: string, now: () => number): UrlSigner {
  const key = createHmac('sha256', signingKey).update('attachment-download-urls').digest();
  const mac = (path: string, expires: number) => createHmac('sha256', key).update(`${path}\n${expires}`).digest('base64url');
  return {
    sign(path) {
      // Rounded up to the minute so one record's URL is stable within a minute (cache- and diff-friendly).
      const expires = Math.ceil((now() / 1000 + SIGNED_URL_TTL_SECONDS) / 60) * 60;
      return `${publicUrl}${path}?expires=${expires}&signature=${mac(path, expires)}`;
    },
    verify(path, expires, signature) {
      if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string') return 'invalid';
      const expected = Buffer.from(mac(path, Number(expires)));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
      return Number(expires) * 1000 < now() ? 'expired' : 'ok';
    },
  };
}
