import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

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

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Client keys are public identifiers: 20 letters and digits (~119 bits), like UserVoice's API keys.
 * Not base64url: one key in 64 then began with `-`, which the CLI (`clients revoke ID`) read as an option.
 */
export function newClientKey(): string {
  let key = '';
  for (let i = 0; i < 20; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}
