// A verified request for a privileged account goes to the approver channel:
// the request moves to awaiting_approval and the card is posted there.
import type { CompletedCheck } from '../../cards';
import { approvalDeadline } from '../domain/approval-policy';
import { applyEvent } from '../domain/reset-request';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import { commitTransition, toDomain } from './request-records';
import { render, view, type View } from './views';

export const PRIVILEGED_BECAUSE = 'The directory marks this account as privileged (a member of a protected admin group).';

export async function requestApproval(deps: JourneyDeps, row: StoredRequest): Promise<View> {
  const request = toDomain(row);
  const now = deps.now();
  const channel = deps.config.approverChannel;
  if (!channel) {
    // Nobody could ever approve: say so at once instead of leaving the person waiting.
    const message = 'This account is privileged and needs an approver, but no approver channel is set up.';
    await commitTransition(deps.store, row, applyEvent(request, { type: 'failed', code: 'APPROVAL_UNAVAILABLE', message }, now));
    return view('failure', { reason: message, nextStep: 'Please contact the IT helpdesk.' });
  }
  const moved = await commitTransition(deps.store, row, applyEvent(request, { type: 'approvalRequested', expiresAt: approvalDeadline(now, deps.config.approval) }, now), { step: 'await_approval' });
  await deps.messenger.postToChannel(
    { tenantId: row.tenantId, ...channel },
    render(view('approvalRequest', {
      requestId: row.id,
      stepToken: moved.stepToken!,
      requester: { displayName: request.subject.displayName, account: request.subject.upn },
      account: { displayName: request.subject.displayName, account: request.subject.samAccountName },
      operation: row.kind === 'unlock' ? 'unlock' : 'reset',
      privilegedBecause: [PRIVILEGED_BECAUSE],
      checksPassed: await checksPassed(deps, row.id),
      askedAt: now,
      expiresAt: moved.row.expiresAt,
    })),
  );
  return view('awaitingApproval');
}

/** What the approver reads under "Checks passed": the methods, with the masked targets the codes went to. */
export async function checksPassed(deps: JourneyDeps, requestId: string): Promise<CompletedCheck[]> {
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
    }
  });
}
