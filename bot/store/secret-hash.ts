import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashStepToken, stepTokenMatches as tokenMatchesHash } from '../domain/step-token';

// Secrets cross the store boundary in clear only on their way to being hashed
// here; the tables hold digests. Step tokens and enrollment codes are long
// random values, so a plain SHA-256 suffices. One-time codes are short (6–8
// digits), so each gets its own salt, which stops one precomputed table from
// serving every row; the attempt limit is what really protects them.

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

// Step tokens are the domain's: issued, hashed and checked there.
export { hashStepToken };
export const hashEnrollmentCode = sha256Hex;

export function newCodeSalt(): string {
  return randomBytes(16).toString('hex');
}

export function hashChallengeCode(code: string, salt: string): string {
  return createHmac('sha256', salt).update(code, 'utf8').digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/** Constant-time check of a presented step token against a request's stored hash (none: no step is open). */
export function stepTokenMatches(stepTokenHash: string | null, presented: string): boolean {
  return stepTokenHash !== null && tokenMatchesHash(presented, stepTokenHash);
}

/** Constant-time check of a typed one-time code against a challenge's salted hash. */
export function challengeCodeMatches(challenge: { codeHash: string | null; codeSalt: string | null }, presented: string): boolean {
  if (!challenge.codeHash || !challenge.codeSalt) return false;
  return equalHex(challenge.codeHash, hashChallengeCode(presented, challenge.codeSalt));
}
