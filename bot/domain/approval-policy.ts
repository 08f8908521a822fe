import { z } from 'zod';
import { ResetDeskError } from '../errors';
import type { ResetRequest } from './reset-request';

export const approvalConfigSchema = z.object({
  /** How long approvers have to answer before the request expires. */
  ttlMs: z.number().int().positive().max(7 * 24 * 60 * 60 * 1000).default(30 * 60 * 1000),
  /** Some organisations want a second person on every helpdesk-assisted reset, not only on privileged ones. */
  requireForHelpdesk: z.boolean().default(false),
  /** Different approvers a privileged account needs. */
  approvalsRequired: z.number().int().min(1).max(5).default(1),
  /** ... and an account in a tier-0 group (the ones that own the domain). */
  approvalsRequiredTier0: z.number().int().min(1).max(5).default(2),
  /** Protected groups whose members are tier 0, by the names the agent reports (English names for the built-in ones). */
  tier0Groups: z.array(z.string().min(1).max(64)).default(['Domain Admins', 'Enterprise Admins', 'Schema Admins', 'Administrators']),
});
export type ApprovalConfig = z.output<typeof approvalConfigSchema>;
export const DEFAULT_APPROVAL_CONFIG: ApprovalConfig = approvalConfigSchema.parse({});

/**
 * Privileged accounts (adminCount=1 or a member of a protected group, as the
 * agent's inspect reports) need a human's approval before anything is written.
 * A status check writes nothing, so it never does.
 */
export function requiresApproval(request: Pick<ResetRequest, 'kind' | 'privileged' | 'requestedBy'>, config: ApprovalConfig = DEFAULT_APPROVAL_CONFIG): boolean {
  if (request.kind === 'status') return false;
  return request.privileged || (config.requireForHelpdesk && request.requestedBy !== undefined);
}

/**
 * How many different approvers a request needs: none for an ordinary account,
 * more for one in a tier-0 group (as the agent reported its groups). An
 * account whose groups the agent did not name counts as tier 0: unknown is
 * never the cheaper answer.
 */
export function approvalsNeeded(
  request: Pick<ResetRequest, 'kind' | 'privileged' | 'requestedBy'>, privilegeGroups: readonly string[] | undefined, config: ApprovalConfig = DEFAULT_APPROVAL_CONFIG,
): number {
  if (!requiresApproval(request, config)) return 0;
  if (!request.privileged) return config.approvalsRequired;
  const tier0 = privilegeGroups === undefined || privilegeGroups.some((g) => config.tier0Groups.some((t) => t.toLowerCase() === g.toLowerCase()));
  return Math.max(config.approvalsRequired, tier0 ? config.approvalsRequiredTier0 : config.approvalsRequired);
}

export function approvalDeadline(now: Date, config: ApprovalConfig = DEFAULT_APPROVAL_CONFIG): Date {
  return new Date(now.getTime() + config.ttlMs);
}

/** Nobody decides on a request they started or whose account it is. */
export function assertNotSelfInterested(request: Pick<ResetRequest, 'ownerAadId' | 'requestedBy'>, approverAadId: string): void {
  if (approverAadId === request.ownerAadId) {
    throw new ResetDeskError('APPROVAL_SELF', 'You cannot approve or deny a request for your own account.', { relation: 'subject' });
  }
  if (approverAadId === request.requestedBy) {
    throw new ResetDeskError('APPROVAL_SELF', 'You cannot approve or deny a request you started.', { relation: 'requester' });
  }
}

export interface ApproverDecisionInput {
  request: ResetRequest;
  approver: { aadId: string; tenantId: string; isApprover: boolean };
  now: Date;
}

/** Checks everything about who may approve or deny, before the state machine moves. */
export function assertApproverMayDecide({ request, approver, now }: ApproverDecisionInput): void {
  if (approver.tenantId !== request.tenantId) {
    throw new ResetDeskError('APPROVAL_NOT_APPROVER', 'Only members of the approver group in this organisation can decide on requests.');
  }
  if (!approver.isApprover) {
    throw new ResetDeskError('APPROVAL_NOT_APPROVER', 'Only members of the approver group can decide on requests.');
  }
  assertNotSelfInterested(request, approver.aadId);
  if (request.state !== 'awaiting_approval') {
    throw new ResetDeskError('APPROVAL_NOT_PENDING', 'This request is not waiting for approval any more.', { state: request.state });
  }
  if (now.getTime() >= request.expiresAt.getTime()) {
    throw new ResetDeskError('APPROVAL_EXPIRED', 'This approval request has expired; the requester has to start again.');
  }
  if (request.methodsPassed.length < request.methodsRequired) {
    // Cannot happen through applyEvent; refused here too so an approver never vouches for an unverified caller.
    throw new ResetDeskError('APPROVAL_CALLER_NOT_VERIFIED', 'The requester has not finished verification, so this request cannot be approved.');
  }
}

export interface HelpdeskStartInput {
  helpdesk: { aadId: string; tenantId: string; isHelpdesk: boolean };
  subject: { aadId: string; tenantId: string };
}

export function assertHelpdeskMayStart({ helpdesk, subject }: HelpdeskStartInput): void {
  if (!helpdesk.isHelpdesk || helpdesk.tenantId !== subject.tenantId) {
    throw new ResetDeskError('HELPDESK_NOT_MEMBER', 'Only members of the helpdesk group can start a request for someone else.');
  }
  assertHelpdeskNotSelf(helpdesk.aadId, subject.aadId);
}

export function assertHelpdeskNotSelf(helpdeskAadId: string, subjectAadId: string): void {
  if (helpdeskAadId === subjectAadId) {
    throw new ResetDeskError('HELPDESK_SELF', 'Helpdesk staff reset their own password through self-service, not on their own behalf.');
  }
}

/**
 * A helpdesk member may ask for approval or queue work only once the caller
 * has passed every method the policy requires.
 */
export function assertHelpdeskVerifiedCaller(request: ResetRequest): void {
  if (request.requestedBy === undefined) return;
  if (request.methodsRequired < 1 || request.methodsPassed.length < request.methodsRequired) {
    throw new ResetDeskError('APPROVAL_CALLER_NOT_VERIFIED', 'Verify the caller before going on with their request.');
  }
}
