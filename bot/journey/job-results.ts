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
import { finishForHelpdesk } from './helpdesk-results';
import { commitTransition, toDomain } from './request-records';
import type { ResetRequest as StoredRequest } from '../store';

/** A writeback job ended: move the request and update the person's card in place. */
export async function finishJob(deps: JourneyDeps, event: JobFinished): Promise<void> {
  if (!event.job.requestId) return;
  // The request as the delivery claim read it, when it did: no read of our own.
  // Every write below is guarded by its version, so a request that moved since
  // changes nothing, and the result is decided again on a fresh read.
  const claimed = event.request?.id === event.job.requestId ? event.request : undefined;
  if (claimed) {
    try {
      await finishOn(deps, claimed, event);
      return;
    } catch (err) {
      if (!isResetDeskError(err) || err.code !== 'STORE_VERSION_CONFLICT') throw err;
    }
  }
  const row = await deps.store.getRequest(event.job.requestId);
  if (row) await finishOn(deps, row, event);
}

/** Nothing is changed before the first write (which may refuse a stale `row`), so this may be run again on a fresh read. */
async function finishOn(deps: JourneyDeps, row: StoredRequest, event: JobFinished): Promise<void> {
  const store = deps.store;
  if (isTerminal(row.state)) {
    await retellFinished(deps, row, event);
    return;
  }
  const now = deps.now();
  // A change counted as a guess at the current password; only AD saying it was wrong keeps it counted.
  const giveBack = (): Promise<void> => row.kind === 'change' && event.code !== 'AGENT_WRONG_CURRENT_PASSWORD'
    ? giveUseBack(deps, 'change_failure', usageSubjectsOf(toDomain(row)))
    : Promise.resolve();
  // A job that did not set the password leaves nothing to deliver: its sealed copy goes with it.
  const wipe = row.sealedDelivery ? { patch: { sealedDelivery: null } } : {};
  if (event.outcome === 'expired') {
    if (row.state !== 'queued') return;
    await commitTransition(store, row, applyEvent(toDomain(row), { type: 'jobExpired' }, now), wipe);
    await giveBack();
    await updateRequesterCard(deps, row, null, view('requestExpired', { startAgain: startAgain() }));
    return;
  }
  const agentId = event.job.leaseOwner ?? 'agent';
  // A request still queued went through applying when the agent took the job:
  // both steps are written at once, each with its audit entry, in their order.
  const leased = row.state === 'queued' ? applyEvent(toDomain(row), { type: 'leased', agentId }, now) : null;
  if (!leased && row.state !== 'applying') return;
  const request = leased ? leased.request : toDomain(row);
  const earlier = leased ? [leased] : [];
  if (event.outcome === 'failed') {
    await commitTransition(store, row, applyEvent(request, { type: 'failed', code: event.code, message: event.message, agentId }, now), { ...wipe, earlier });
    await giveBack();
    deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'failed' });
    await updateRequesterCard(deps, row, null, view('failure', { reason: event.message, nextStep: nextStepFor(event.code), startAgain: startAgain() }));
    return;
  }
  const done = await commitTransition(store, row, applyEvent(request, { type: 'succeeded', agentId }, now), { earlier });
  await giveBack();
  deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'succeeded' });
  if (request.requestedBy) {
    await finishForHelpdesk(deps, done.row);
    return;
  }
  const revoked = row.kind === 'reset' || row.kind === 'change' ? await afterPasswordChanged(deps, request) : false;
  await updateRequesterCard(deps, row, null, successView(request, event, revoked, now));
}

function successView(request: DomainRequest, event: JobFinished, signedOutEverywhere: boolean, now: Date): View {
  if (request.kind === 'status') {
    const r = event.inspect;
    return view('status', {
      accountName: request.subject.samAccountName,
      status: r
        ? { state: 'known', locked: r.locked, disabled: r.disabled, passwordExpired: r.passwordExpired ?? false, passwordExpiresAt: r.passwordExpiresAt ? new Date(r.passwordExpiresAt) : null }
        : { state: 'pending' },
      checkedAt: now,
    });
  }
  if (request.kind === 'unlock') return view('accountUnlocked');
  return view('passwordChanged', { signedOutEverywhere });
}

/**
 * The same result delivered again: the replica that moved the request to its
 * end died before the person's card went out (its delivery claim went stale).
 * The card is told again from what was stored; the follow-ups (sign-out, the
 * mail, the helpdesk's notices) are not repeated, since they may have run.
 */
async function retellFinished(deps: JourneyDeps, row: StoredRequest, event: JobFinished): Promise<void> {
  if (row.requestedBy) return;
  const request = toDomain(row);
  if (row.state === 'succeeded' && event.outcome === 'succeeded') {
    await updateRequesterCard(deps, row, null, successView(request, event, false, row.updatedAt));
  } else if (row.state === 'failed' && event.outcome === 'failed') {
    await updateRequesterCard(deps, row, null, view('failure', { reason: event.message, nextStep: nextStepFor(event.code), startAgain: startAgain() }));
  } else if (row.state === 'expired' && event.outcome === 'expired') {
    await updateRequesterCard(deps, row, null, view('requestExpired', { startAgain: startAgain() }));
  }
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
