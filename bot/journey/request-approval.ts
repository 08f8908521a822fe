// A verified request for a privileged account goes to the approver channel:
// the request moves to awaiting_approval, the card is posted there, and where
// it landed is kept so the card can be updated for everyone when it is
// decided (by a click, from the console, or by its deadline). If the card
// cannot be posted, nobody could ever approve: the person is told at once
// and nothing is queued.
import type { CompletedCheck } from '../../cards';
import type { ApprovalRequestCardData } from '../../cards';
import { approvalDeadline } from '../domain/approval-policy';
import { applyEvent } from '../domain/reset-request';
import { isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import type { ChannelPost } from './ports';
import { commitTransition, toDomain } from './request-records';
import { render, view, type View } from './views';

/** Said to approvers when the agent gave no reason (an older agent). */
export const PRIVILEGED_FALLBACK = 'The directory marks this account as privileged (a member of a protected admin group).';

/** The setting an admin changes by @mentioning the bot in a channel. */
export const APPROVER_CHANNEL_SETTING = 'approver_channel';

/** Where approval cards go: the channel an admin set from Teams, else the one in the environment. */
export async function approverChannelOf(deps: JourneyDeps): Promise<{ channelId: string; serviceUrl: string } | undefined> {
  const set = await deps.store.getSetting(APPROVER_CHANNEL_SETTING);
  const value = set?.value as { channelId?: unknown; serviceUrl?: unknown } | undefined;
  if (value && typeof value.channelId === 'string' && typeof value.serviceUrl === 'string') return { channelId: value.channelId, serviceUrl: value.serviceUrl };
  return deps.config.approverChannel;
}

async function displayNameOf(deps: JourneyDeps, aadObjectId: string, fallback: string): Promise<string> {
  return deps.people.getUser(aadObjectId).then((u) => u.displayName ?? u.userPrincipalName, () => fallback);
}

/** What every version of the approval card shows: who asked, for which account, why, what was checked, who approved. */
export async function approvalFacts(deps: JourneyDeps, row: StoredRequest): Promise<Omit<ApprovalRequestCardData, 'requestId' | 'stepToken'>> {
  const request = toDomain(row);
  const askedBy = request.requestedBy
    ? { displayName: await displayNameOf(deps, request.requestedBy, 'the helpdesk'), account: 'helpdesk' }
    : { displayName: request.subject.displayName, account: request.subject.upn };
  return {
    requester: askedBy,
    account: { displayName: request.subject.displayName, account: request.subject.samAccountName },
    operation: row.kind === 'unlock' ? 'unlock' : 'reset',
    startedBy: request.requestedBy ? 'helpdesk' : 'user',
    privilegedBecause: request.privilegedBecause.length > 0 ? request.privilegedBecause : [PRIVILEGED_FALLBACK],
    checksPassed: await checksPassed(deps, row.id, request.subject.displayName),
    askedAt: row.createdAt,
    approvalsRequired: Math.max(1, request.approvalsRequired),
    approvedBy: await Promise.all(request.approvedBy.map((id) => displayNameOf(deps, id, 'an approver'))),
  };
}

export async function requestApproval(deps: JourneyDeps, row: StoredRequest): Promise<View> {
  const request = toDomain(row);
  const now = deps.now();
  const channel = await approverChannelOf(deps);
  if (!channel) {
    // Nobody could ever approve: say so at once instead of leaving the person waiting.
    const message = 'This account is privileged and needs an approver, but no approver channel is set up.';
    await commitTransition(deps.store, row, applyEvent(request, { type: 'failed', code: 'APPROVAL_UNAVAILABLE', message }, now));
    return view('failure', { reason: message, nextStep: 'Please contact the IT helpdesk.' });
  }
  const moved = await commitTransition(deps.store, row, applyEvent(request, { type: 'approvalRequested', expiresAt: approvalDeadline(now, deps.config.approval) }, now), { step: 'await_approval' });
  let post: ChannelPost;
  try {
    post = await deps.messenger.postToChannel(
      { tenantId: row.tenantId, ...channel },
      render(view('approvalRequest', { ...(await approvalFacts(deps, moved.row)), requestId: row.id, stepToken: moved.stepToken!, expiresAt: moved.row.expiresAt })),
    );
  } catch (err) {
    deps.logger.error({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'the approval card could not be posted; the request fails');
    const message = 'The approvers could not be reached in Teams just now, so nobody can approve this request.';
    await commitTransition(deps.store, moved.row, applyEvent(toDomain(moved.row), { type: 'failed', code: 'APPROVAL_UNREACHABLE', message }, deps.now()));
    return view('failure', { reason: message, nextStep: 'Nothing was queued. Try again in a few minutes, or contact the IT helpdesk.' });
  }
  // Where the card is, so every later decision (or its expiry) updates it for everyone; the step token stays.
  await deps.store.transitionFrom(moved.row, { approvalPost: post }, { actor: { kind: 'system', id: 'approvals' }, action: 'approval.posted', requestId: row.id, details: { channelId: post.channelId } });
  return view('awaitingApproval');
}

/** Replaces the approval card in the channel for everyone; a failure is logged and counted (the decision stands). */
export async function updateApprovalCard(deps: JourneyDeps, row: StoredRequest, next: View): Promise<boolean> {
  if (!row.approvalPost) return false;
  try {
    await deps.messenger.updateChannelCard({ ...row.approvalPost, tenantId: row.tenantId }, render(next));
    return true;
  } catch (err) {
    deps.metrics.undeliveredCards.inc({ kind: 'approval_card' });
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'could not update the approval card in the channel');
    return false;
  }
}

/** What the approver reads under "Checks passed": the methods, with the masked targets the codes went to. */
export async function checksPassed(deps: JourneyDeps, requestId: string, ownerName = 'the account owner'): Promise<CompletedCheck[]> {
  const passed = (await deps.store.listChallenges(requestId)).filter((c) => c.status === 'passed');
  return passed.map((c): CompletedCheck => {
    switch (c.method) {
      case 'email':
        return { kind: 'email', address: c.maskedTarget ?? 'e-mail' };
      case 'sms':
        return { kind: 'sms', phoneNumber: c.maskedTarget ?? '+' };
      case 'manager':
        return { kind: 'manager', managerName: 'their manager' };
      case 'mfa':
        return { kind: 'mfa' };
      case 'person':
        return { kind: 'person', personName: ownerName };
    }
  });
}
