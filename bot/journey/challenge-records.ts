// Moves between the store's verification challenge and the domain's code
// challenge, and finds the challenge a click is answering.
import type { CodeChallenge } from '../domain/verification/verification-method';
import { ResetDeskError } from '../errors';
import type { Challenge, ChallengeExpectation } from '../store';

export function latestOpenChallenge(challenges: Challenge[], methods: Array<Challenge['method']>): Challenge {
  const open = challenges.filter((c) => (c.status === 'pending' || c.status === 'expired') && methods.includes(c.method));
  const latest = open[open.length - 1];
  if (!latest) throw new ResetDeskError('STEP_OVER', 'This step is over.');
  return latest;
}

export function toCodeChallenge(c: Challenge): CodeChallenge {
  if ((c.method !== 'email' && c.method !== 'sms') || !c.codeHash || !c.codeSalt) throw new ResetDeskError('STEP_OVER', 'This step is over.');
  return {
    id: c.id, requestId: c.requestId, method: c.method, status: c.status, createdAt: c.createdAt, expiresAt: c.expiresAt,
    maskedTarget: c.maskedTarget ?? '', digits: c.digits ?? 6, codeSalt: c.codeSalt, codeHash: c.codeHash,
    attempts: c.attempts, maxAttempts: c.maxAttempts, sendCount: c.sendCount, lastSentAt: c.lastSentAt ?? c.createdAt,
  };
}

export function challengeState(c: CodeChallenge) {
  return { status: c.status, attempts: c.attempts, codeHash: c.codeHash, codeSalt: c.codeSalt, expiresAt: c.expiresAt, sendCount: c.sendCount, lastSentAt: c.lastSentAt };
}

/** What a guarded update of `c` expects to find: the challenge exactly as it was read. */
export function expectationOf(c: Challenge): ChallengeExpectation {
  if (c.status !== 'pending' && c.status !== 'expired') throw new ResetDeskError('STEP_OVER', 'This step is over.');
  return { status: c.status, attempts: c.attempts, sendCount: c.sendCount };
}
