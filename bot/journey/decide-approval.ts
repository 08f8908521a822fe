// An approver's click on the approval card in the channel: approve or deny,
// by a member of the approver group who is neither the account's owner nor
// the one who asked. The requester's card moves on in place.
import { assertApproverMayDecide } from '../domain/approval-policy';
import { stepOffers } from '../domain/card-steps';
import { applyEvent, driverOf } from '../domain/reset-request';
import { stepTokenMatches } from '../store';
import type { Actor, JourneyDeps } from './journey-deps';
import { nextStepView, passwordStepOf } from './next-step';
import { startAgain } from './refusals';
import { updateRequesterCard } from './requester-card';
import { commitTransition, toDomain } from './request-records';
import { PRIVILEGED_BECAUSE } from './request-approval';
import { view, type View } from './views';

export async function decideApproval(deps: JourneyDeps, actor: Actor, requestId: string, stepToken: string, decision: 'approved' | 'denied'): Promise<View> {
  const row = await deps.store.getRequest(requestId);
  const verb = decision === 'approved' ? 'approval.approve' : 'approval.deny';
  if (!row || row.tenantId !== actor.tenantId || row.state !== 'awaiting_approval' || !row.stepTokenHash || !stepTokenMatches(row.stepTokenHash, stepToken) || !stepOffers(row.step, verb)) {
    return view('stepOver');
  }
  const groupId = deps.config.approverGroupId;
  const isApprover = groupId ? await deps.people.isMemberOfGroup(actor.aadObjectId, groupId) : false;
  const request = toDomain(row);
  const now = deps.now();
  assertApproverMayDecide({ request, approver: { aadId: actor.aadObjectId, tenantId: actor.tenantId, isApprover }, now });
  const event = decision === 'approved'
    ? { type: 'approved' as const, by: actor.aadObjectId, expiresAt: new Date(now.getTime() + deps.config.approval.ttlMs) }
    : { type: 'denied' as const, by: actor.aadObjectId };
  const decided = applyEvent(request, event, now);
  const moved = await commitTransition(deps.store, row, decided, {
    step: decision === 'approved' ? passwordStepOf(decided.request) : null,
    options: { recordApproval: { requestId, approverAadId: actor.aadObjectId, decision } },
  });
  const next = decision === 'approved' ? await nextStepView(deps, moved.row, moved.stepToken, undefined) : view('approvalDenied', { startAgain: startAgain() });
  await updateRequesterCard(deps, row, { tenantId: row.tenantId, aadObjectId: driverOf(request).id }, next);
  const approver = await deps.people.getUser(actor.aadObjectId).catch(() => null);
  return view('approvalResolved', {
    requester: { displayName: request.subject.displayName, account: request.subject.upn },
    account: { displayName: request.subject.displayName, account: request.subject.samAccountName },
    operation: row.kind === 'unlock' ? 'unlock' : 'reset',
    privilegedBecause: [PRIVILEGED_BECAUSE],
    askedAt: row.createdAt,
    decision: { outcome: decision, by: approver?.displayName ?? 'an approver', at: now },
  });
}
