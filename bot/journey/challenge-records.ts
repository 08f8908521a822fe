// Moves between the store's verification challenge and the domain's code
// challenge, and finds the challenge a click is answering.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CodeChallenge } from '../domain/verification/verification-method';
import { ResetDeskError } from '../errors';
import type { Challenge, ChallengeExpectation, ResetRequest as StoredRequest } from '../store';
import type { Actor, JourneyDeps } from './journey-deps';

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

/** Who answers a card sent to someone other than the requester. */
export type ThirdParty = 'manager' | 'owner';
const METHOD_OF: Record<ThirdParty, Challenge['method']> = { manager: 'manager', owner: 'person' };

/**
 * The token on a card sent to the requester's manager or the account's owner:
 * derived from the challenge, so only that card can answer it.
 */
export function answerToken(pepper: Buffer, who: ThirdParty, challengeId: string): string {
  return createHmac('sha256', pepper).update(`${who}-answer:${challengeId}`).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request and its open challenge that a manager's or owner's card answers; null when that step is over or the token is not that card's. */
export async function challengeAnsweredBy(
  deps: JourneyDeps, actor: Actor, who: ThirdParty, requestId: string, token: string,
): Promise<{ row: StoredRequest; stored: Challenge } | null> {
  const row = await deps.store.getRequest(requestId);
  if (!row || row.tenantId !== actor.tenantId || row.state !== 'verifying') return null;
  const stored = await deps.store.listChallenges(requestId).then((cs) => latestOpenChallenge(cs, [METHOD_OF[who]])).catch(() => undefined);
  if (!stored || !sameToken(answerToken(deps.config.pepper, who, stored.id), token)) return null;
  return { row, stored };
}
