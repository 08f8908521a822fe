import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// 256 bits: far beyond guessing, and short enough for a card's data payload.
const STEP_TOKEN_BYTES = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A one-use token for the next card step. Only its hash is stored; the card
 * carries the token with the request id, and the caller issues a new one on
 * every step, so a replayed or stale click no longer matches.
 */
export function issueStepToken(): string {
  return randomBytes(STEP_TOKEN_BYTES).toString('base64url');
}

export function hashStepToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function stepTokenMatches(token: unknown, storedHash: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 256 || !SHA256_HEX.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashStepToken(token), 'hex'), Buffer.from(storedHash, 'hex'));
}
