import { createHash } from 'node:crypto';
import { hashStepToken, stepTokenMatches as tokenMatchesHash } from '../domain/step-token';

// Secrets cross the store boundary in clear only on their way to being hashed
// here; the tables hold digests. Step tokens and enrollment codes are long
// random values, so a plain SHA-256 suffices. One-time codes never reach the
// store: the domain salts and peppers them (verification/one-time-code.ts).

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

// Step tokens are the domain's: issued, hashed and checked there.
export { hashStepToken };
export const hashEnrollmentCode = sha256Hex;

/** Constant-time check of a presented step token against a request's stored hash (none: no step is open). */
export function stepTokenMatches(stepTokenHash: string | null, presented: string): boolean {
  return stepTokenHash !== null && tokenMatchesHash(presented, stepTokenHash);
}
