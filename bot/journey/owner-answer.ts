// The account owner's answer to "is that you on the phone?": only the owner,
// only on the card sent to them (its token is derived from the challenge).
// Yes counts as the caller's check passed; "Not me" stops the request at once,
// tells the helpdesk member on their card, alerts the owner by mail, and is
// audited: someone on the phone claimed to be them.
import { applyEvent, driverOf } from '../domain/reset-request';
import type { PersonChallenge, VerificationMethod } from '../domain/verification/verification-method';
import { isResetDeskError } from '../errors';
import { answerToken, challengeAnsweredBy } from './challenge-records';
import type { Actor, JourneyDeps } from './journey-deps';
import { newMenuToken } from './refusals';
import { updateRequesterCard } from './requester-card';
import { commitTransition, toAuditInput, toDomain } from './request-records';
import { methodPassed } from './verify';
import { view, type View } from './views';
import { randomUUID } from 'node:crypto';

export function ownerToken(pepper: Buffer, challengeId: string): string {
  return answerToken(pepper, 'owner', challengeId);
}

export async function answerAsOwner(deps: JourneyDeps, actor: Actor, requestId: string, token: string, decision: 'confirm' | 'refuse'): Promise<View> {
  const answered = await challengeAnsweredBy(deps, actor, 'owner', requestId, token);
  if (!answered) return view('stepOver');
  const { row, stored } = answered;
  const method = deps.methods.person as VerificationMethod<PersonChallenge> | undefined;
  if (!method) return view('stepOver');
  const request = toDomain(row);
  const challenge: PersonChallenge = { id: stored.id, requestId, method: 'person', status: stored.status, createdAt: stored.createdAt, expiresAt: stored.expiresAt, ownerAadId: stored.targetRef ?? '' };
  const result = await method.check(challenge, { method: 'person', responderAadId: actor.aadObjectId, decision }, { request, user: {}, now: deps.now() });
  if (result.outcome !== 'passed' && isResetDeskError(result.error, 'VERIFY_NOT_OWNER')) return view('notAllowed');
  await deps.store.setChallengeStatus(stored.id, result.challenge.status === 'pending' ? 'failed' : result.challenge.status);
  if (result.audit) await deps.store.appendAudit(toAuditInput(result.audit));
  const helpdesk = { tenantId: row.tenantId, aadObjectId: driverOf(request).id };
  if (result.outcome === 'passed') {
    await updateRequesterCard(deps, row, helpdesk, await methodPassed(deps, row, 'person'));
    return view('ownerAnswered', { decision: 'confirmed' });
  }
  if (result.outcome === 'expired') return view('requestExpired');
  await commitTransition(deps.store, row, applyEvent(request, { type: 'verificationFailed', method: 'person', reasonCode: 'VERIFY_CALLER_DENIED' }, deps.now()));
  deps.metrics.callerDenied.inc();
  await updateRequesterCard(deps, row, helpdesk, view('helpdeskResult', {
    outcome: 'caller_denied',
    displayName: request.subject.displayName,
    ticket: request.ticket ?? 'none',
    searchAgain: { requestId: randomUUID(), stepToken: newMenuToken() },
  }));
  await alertOwner(deps, row.ownerAadId, request.subject.samAccountName);
  return view('ownerAnswered', { decision: 'refused' });
}

/** "Someone said they were you": by mail, where the person reads it even if the caller has their Teams. */
async function alertOwner(deps: JourneyDeps, ownerAadId: string, accountName: string): Promise<void> {
  if (!deps.config.mailFrom) return;
  try {
    const owner = await deps.people.getUser(ownerAadId);
    await deps.people.sendMail(deps.config.mailFrom, owner.mail ?? owner.userPrincipalName, 'Someone called the helpdesk as you', {
      contentType: 'text',
      content: `Someone on the phone with the IT helpdesk said they were you and asked about your account ${accountName}.\n\nYou answered "Not me" in Teams, so nothing was changed and the helpdesk stopped.\n\nIf anything about this looks wrong, tell IT security.`,
    });
  } catch (err) {
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' } }, 'could not mail the owner about a denied caller');
  }
}
