import { randomUUID } from 'node:crypto';
import { ResetDeskError, asOutcome } from '../../errors';
import type { CheckResult, VerificationChallenge, VerificationContext, VerificationResponse } from './verification-method';

export function challengeTimes(now: Date, ttlMs: number): { createdAt: Date; expiresAt: Date } {
  return { createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
}

export function newChallengeId(): string {
  return randomUUID();
}

export function closedChallengeError(challenge: VerificationChallenge, state: Exclude<VerificationChallenge['status'], 'pending'>): ResetDeskError {
  const isCode = challenge.method === 'email' || challenge.method === 'sms';
  switch (state) {
    case 'passed':
      return new ResetDeskError('VERIFY_CHALLENGE_USED', 'This step is already done.');
    case 'failed':
      return isCode
        ? new ResetDeskError('VERIFY_TOO_MANY_TRIES', 'Too many wrong codes. For your safety this request is closed; please start again.')
        : new ResetDeskError('VERIFY_CHALLENGE_FAILED', 'This verification did not succeed, so this request is closed.');
    case 'expired':
      return isCode
        ? new ResetDeskError('VERIFY_CODE_EXPIRED', 'This code has expired. Ask for a new code or choose another method.')
        : new ResetDeskError('VERIFY_CHALLENGE_EXPIRED', 'This verification step has expired. Please choose a method again.');
  }
}

/**
 * The refusals shared by every method, each changing nothing: a response for
 * another request or method, or for a challenge that is already over.
 */
export function assertChallengeOpen(challenge: VerificationChallenge, response: VerificationResponse, ctx: VerificationContext): void {
  if (challenge.requestId !== ctx.request.id || challenge.method !== response.method) {
    throw new ResetDeskError('VERIFY_CHALLENGE_MISMATCH', 'This answer does not belong to the current verification step.');
  }
  if (challenge.status !== 'pending') {
    throw closedChallengeError(challenge, challenge.status);
  }
}

/** The first answer after the deadline marks the challenge expired, so the store sees the same thing the user does. */
export function expireIfDue<C extends VerificationChallenge>(challenge: C, now: Date): CheckResult<C> | undefined {
  if (now.getTime() < challenge.expiresAt.getTime()) return undefined;
  return { outcome: 'expired', challenge: { ...challenge, status: 'expired' }, error: asOutcome(() => closedChallengeError(challenge, 'expired')) };
}
