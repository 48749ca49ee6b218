import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API client secrets are 32 random bytes, so a plain SHA-256 suffices (no slow KDF on the token path). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Client keys are public identifiers: 20 characters, URL- and form-safe. */
export function newClientKey(): string {
  return randomBytes(15).toString('base64url');
}
