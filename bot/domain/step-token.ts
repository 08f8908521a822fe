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
  return nextRandomBytes(STEP_TOKEN_BYTES).toString('base64url');
}

// Every click issues a token. The bytes come from a pool filled from the
// CSPRNG 64 tokens at a time, so a click costs no call into it (each call is a
// system call, a noticeable share of a click's budget on a small VM). Each
// byte is handed out once; the pool is replaced, never reused.
const POOL_BYTES = STEP_TOKEN_BYTES * 64;
let pool = Buffer.alloc(0);
let used = 0;

function nextRandomBytes(n: number): Buffer {
  if (used + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const out = pool.subarray(used, used + n);
  used += n;
  return out;
}

export function hashStepToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function stepTokenMatches(token: unknown, storedHash: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 256 || !SHA256_HEX.test(storedHash)) return false;
  return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), Buffer.from(storedHash, 'hex'));
}
