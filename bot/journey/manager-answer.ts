// The manager's answer on the card that asked them to confirm: only the
// manager who was asked, only on that card (its token is derived from the
// challenge), and the requester's card moves on in place.
import { applyEvent, driverOf } from '../domain/reset-request';
import type { ManagerChallenge, VerificationMethod } from '../domain/verification/verification-method';
import { isResetDeskError } from '../errors';
import { answerToken, challengeAnsweredBy } from './challenge-records';
import type { Actor, JourneyDeps } from './journey-deps';
import { updateRequesterCard } from './requester-card';
import { commitTransition, toAuditInput, toDomain } from './request-records';
import { methodPassed } from './verify';
import { view, type View } from './views';

/** The manager's card carries a token derived from the challenge id, so only that card can answer it. */
export function managerToken(pepper: Buffer, challengeId: string): string {
  return answerToken(pepper, 'manager', challengeId);
}

export async function answerAsManager(deps: JourneyDeps, actor: Actor, requestId: string, token: string, decision: 'confirm' | 'refuse'): Promise<View> {
  const answered = await challengeAnsweredBy(deps, actor, 'manager', requestId, token);
  if (!answered) return view('stepOver');
  const { row, stored } = answered;
  const method = deps.methods.manager as VerificationMethod<ManagerChallenge> | undefined;
  if (!method) return view('stepOver');
  const request = toDomain(row);
  const challenge: ManagerChallenge = { id: stored.id, requestId, method: 'manager', status: stored.status, createdAt: stored.createdAt, expiresAt: stored.expiresAt, managerAadId: stored.targetRef ?? '' };
  const result = await method.check(challenge, { method: 'manager', responderAadId: actor.aadObjectId, decision }, { request, user: {}, now: deps.now() });
  if (result.outcome !== 'passed' && isResetDeskError(result.error, 'VERIFY_NOT_MANAGER')) return view('notAllowed');
  await deps.store.setChallengeStatus(stored.id, result.challenge.status === 'pending' ? 'failed' : result.challenge.status);
  if (result.audit) await deps.store.appendAudit(toAuditInput(result.audit));
  const owner = { tenantId: row.tenantId, aadObjectId: driverOf(request).id };
  if (result.outcome === 'passed') {
    const next = await methodPassed(deps, row, 'manager');
    await updateRequesterCard(deps, row, owner, next);
    return view('managerAnswered', { requesterName: request.subject.displayName, decision: 'confirmed' });
  }
  await commitTransition(deps.store, row, applyEvent(request, { type: 'verificationFailed', method: 'manager', reasonCode: 'VERIFY_MANAGER_REFUSED' }, deps.now()));
  const managerName = (await deps.people.getManager(request.ownerAadId).catch(() => null))?.displayName ?? 'Your manager';
  await updateRequesterCard(deps, row, owner, view('managerRefused', { managerName }));
  return view('managerAnswered', { requesterName: request.subject.displayName, decision: 'refused' });
}
