// The end of a request: a writeback job finished (on any replica), so the
// request moves to its last state and the person's card is updated in place,
// followed by the optional after-reset steps (sign-out everywhere, a notice).
import { applyEvent, isTerminal, type ResetRequest as DomainRequest } from '../domain/reset-request';
import { isResetDeskError } from '../errors';
import { nextStepFor, startAgain } from './refusals';
import { view, type View } from './views';
import type { JobFinished, JourneyDeps } from './journey-deps';
import { updateRequesterCard } from './requester-card';
import { giveUseBack, usageSubjectsOf } from './usage-guard';
import { commitTransition, toDomain } from './request-records';

/** A writeback job ended: move the request and update the person's card in place. */
export async function finishJob(deps: JourneyDeps, event: JobFinished): Promise<void> {
  const store = deps.store;
  if (!event.job.requestId) return;
  let row = await store.getRequest(event.job.requestId);
  if (!row || isTerminal(row.state)) return;
  const now = deps.now();
  // A change counted as a guess at the current password; only AD saying it was wrong keeps it counted.
  if (row.kind === 'change' && event.code !== 'AGENT_WRONG_CURRENT_PASSWORD') await giveUseBack(deps, 'change_failure', usageSubjectsOf(toDomain(row)));
  if (event.outcome === 'expired') {
    if (row.state !== 'queued') return;
    await commitTransition(store, row, applyEvent(toDomain(row), { type: 'jobExpired' }, now));
    await updateRequesterCard(deps, row, null, view('requestExpired', { startAgain: startAgain() }));
    return;
  }
  const agentId = event.job.leaseOwner ?? 'agent';
  if (row.state === 'queued') {
    row = (await commitTransition(store, row, applyEvent(toDomain(row), { type: 'leased', agentId }, now), { keepToken: true })).row;
  }
  if (row.state !== 'applying') return;
  const request = toDomain(row);
  if (event.outcome === 'failed') {
    await commitTransition(store, row, applyEvent(request, { type: 'failed', code: event.code, message: event.message, agentId }, now));
    deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'failed' });
    await updateRequesterCard(deps, row, null, view('failure', { reason: event.message, nextStep: nextStepFor(event.code), startAgain: startAgain() }));
    return;
  }
  await commitTransition(store, row, applyEvent(request, { type: 'succeeded', agentId }, now));
  deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'succeeded' });
  let next: View;
  if (row.kind === 'status') {
    const r = event.inspect;
    next = view('status', {
      accountName: request.subject.samAccountName,
      status: r
        ? { state: 'known', locked: r.locked, disabled: r.disabled, passwordExpired: r.passwordExpired ?? false, passwordExpiresAt: r.passwordExpiresAt ? new Date(r.passwordExpiresAt) : null }
        : { state: 'pending' },
      checkedAt: now,
    });
  } else if (row.kind === 'unlock') {
    next = view('accountUnlocked');
  } else {
    const revoked = await afterPasswordChanged(deps, request);
    next = view('passwordChanged', { signedOutEverywhere: revoked });
  }
  await updateRequesterCard(deps, row, null, next);
}

/** Optional follow-ups; a failure here is logged and never undoes the reset. */
async function afterPasswordChanged(deps: JourneyDeps, request: DomainRequest): Promise<boolean> {
  let revoked = false;
  if (deps.config.afterReset.revokeSessions) {
    try {
      await deps.people.revokeSignInSessions(request.ownerAadId);
      revoked = true;
      await deps.store.appendAudit({ actor: { kind: 'system', id: 'after-reset' }, action: 'sessions.revoked', requestId: request.id });
    } catch (err) {
      deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: request.id }, 'could not revoke sign-in sessions');
    }
  }
  if (deps.config.afterReset.notifyMail && deps.config.mailFrom) {
    try {
      const user = await deps.people.getUser(request.ownerAadId);
      const to = user.mail ?? user.userPrincipalName;
      await deps.people.sendMail(deps.config.mailFrom, to, 'Your password was changed', {
        contentType: 'text',
        content: `Hello ${request.subject.displayName},\n\nThe password of your account ${request.subject.samAccountName} was just changed through ResetDesk in Microsoft Teams.\n\nIf this wasn't you, call the IT helpdesk at once.`,
      });
    } catch (err) {
      deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: request.id }, 'could not send the notification mail');
    }
  }
  return revoked;
}
