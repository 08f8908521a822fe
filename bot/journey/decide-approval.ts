// An approver's decision on a privileged request, from the card in the
// channel (or the console): approve or deny, by a member of the approver
// group who is neither the account's owner nor the one who asked. An account
// may need several different approvers; the first deny ends it, with a reason
// the requester reads. The card is updated for everyone in the channel, and
// the requester's card moves on in place. Anyone who may not decide is told
// so privately, and nothing changes for anyone.
import { assertApproverMayDecide } from '../domain/approval-policy';
import { stepOffers } from '../domain/card-steps';
import { applyEvent, driverOf } from '../domain/reset-request';
import { isResetDeskError } from '../errors';
import { stepTokenMatches } from '../store';
import type { Actor, JourneyDeps } from './journey-deps';
import { nextStepView, passwordStepOf } from './next-step';
import { startAgain } from './refusals';
import { updateRequesterCard } from './requester-card';
import { commitTransition, toDomain } from './request-records';
import { approvalFacts, updateApprovalCard } from './request-approval';
import { view, type Answer } from './views';

export type ApprovalDecision = { outcome: 'approved' } | { outcome: 'denied'; reason: string };

/** Words for an approver who clicked and may not decide; only they see them. */
const PRIVATE_REFUSALS: Record<string, string> = {
  APPROVAL_NOT_APPROVER: 'Only members of the approver group can decide on requests. Nothing was changed.',
  APPROVAL_SELF: 'You cannot approve or deny a request for your own account, or one you started. Nothing was changed.',
  APPROVAL_ALREADY_GIVEN: 'You have already approved this request; another approver must approve it too.',
  APPROVAL_REASON_REQUIRED: 'Say why you deny it: the requester reads your reason.',
};

/**
 * Where the decision comes from: the channel card, which carries its step
 * token, or the console, whose caller the console signed in and checked for
 * the approver role (and whom the approver group is checked for again here).
 */
export type DecisionOrigin = { via: 'card'; stepToken: string } | { via: 'console' };

const OVER = 'This request is already decided or over, so nothing happened.';
const RACED = 'Another approver acted on this request at the same moment, so your click was not counted. Look at the request again: it may not need you any more.';

export async function decideApproval(deps: JourneyDeps, actor: Actor, requestId: string, origin: DecisionOrigin, decision: ApprovalDecision): Promise<Answer> {
  const row = await deps.store.getRequest(requestId);
  const verb = decision.outcome === 'approved' ? 'approval.approve' : 'approval.deny';
  if (!row || row.tenantId !== actor.tenantId || row.state !== 'awaiting_approval' || !stepOffers(row.step, verb)) return { privateNotice: OVER };
  if (origin.via === 'card' && (!row.stepTokenHash || !stepTokenMatches(row.stepTokenHash, origin.stepToken))) return { privateNotice: OVER };
  const groupId = deps.config.approverGroupId;
  const isApprover = groupId ? await deps.people.isMemberOfGroup(actor.aadObjectId, groupId) : false;
  const request = toDomain(row);
  const now = deps.now();
  let decided;
  try {
    assertApproverMayDecide({ request, approver: { aadId: actor.aadObjectId, tenantId: actor.tenantId, isApprover }, now });
    decided = applyEvent(
      request,
      decision.outcome === 'approved'
        ? { type: 'approved', by: actor.aadObjectId, expiresAt: new Date(now.getTime() + deps.config.approval.ttlMs) }
        : { type: 'denied', by: actor.aadObjectId, reason: decision.reason },
      now,
    );
  } catch (err) {
    if (isResetDeskError(err) && PRIVATE_REFUSALS[err.code]) return { privateNotice: PRIVATE_REFUSALS[err.code]! };
    throw err;
  }
  const stillWaiting = decided.request.state === 'awaiting_approval';
  let moved;
  try {
    moved = await commitTransition(deps.store, row, decided, {
      // While more approvers are needed, the card in the channel keeps its buttons, and so its token;
      // a decision from the console has no token to keep, so the card gets a fresh one with its update.
      ...(stillWaiting
        ? origin.via === 'card' ? { keepToken: true } : { step: 'await_approval' as const }
        : { step: decided.request.state === 'approved' ? passwordStepOf(decided.request) : null }),
      options: { recordApproval: { requestId, approverAadId: actor.aadObjectId, decision: decision.outcome } },
    });
  } catch (err) {
    // The card and the console race on the request's version: one decision wins, the other is told.
    if (isResetDeskError(err, 'STORE_VERSION_CONFLICT')) return { privateNotice: RACED };
    throw err;
  }
  const facts = await approvalFacts(deps, moved.row);
  if (stillWaiting) {
    const stepToken = origin.via === 'card' ? origin.stepToken : moved.stepToken!;
    const pending = view('approvalRequest', { ...facts, requestId, stepToken, expiresAt: moved.row.expiresAt });
    await updateApprovalCard(deps, moved.row, pending);
    return pending;
  }
  const approverName = await deps.people.getUser(actor.aadObjectId).then((u) => u.displayName ?? u.userPrincipalName, () => 'an approver');
  const resolved = view('approvalResolved', {
    ...facts,
    decision: decision.outcome === 'approved' ? { outcome: 'approved', by: approverName, at: now } : { outcome: 'denied', by: approverName, at: now, reason: decision.reason },
  });
  await updateApprovalCard(deps, moved.row, resolved);
  const next = decision.outcome === 'approved'
    ? await nextStepView(deps, moved.row, moved.stepToken, undefined)
    : view('approvalDenied', { reason: decision.reason, startAgain: startAgain() });
  await updateRequesterCard(deps, row, { tenantId: row.tenantId, aadObjectId: driverOf(request).id }, next);
  return resolved;
}
