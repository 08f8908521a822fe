import { z } from 'zod';
import { ResetDeskError } from '../errors';
import { SYSTEM_ACTOR, type AuditActor, type AuditDetails, type AuditEntryDraft } from './audit';
import { assertHelpdeskNotSelf, assertNotSelfInterested } from './approval-policy';
import { VERIFICATION_METHOD_NAMES, type VerificationMethodName } from './verification/method-name';

export const REQUEST_KINDS = ['reset', 'unlock', 'change', 'status'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const REQUEST_STATES = [
  'started', 'verifying', 'verified', 'awaiting_approval', 'approved', 'denied',
  'expired', 'queued', 'applying', 'succeeded', 'failed', 'closed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const TERMINAL_STATES = ['succeeded', 'failed', 'denied', 'expired', 'closed'] as const satisfies readonly RequestState[];
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminal(state: RequestState): state is TerminalState {
  return (TERMINAL_STATES as readonly RequestState[]).includes(state);
}

/** The on-premises account the request acts on. The agent finds it by SID, never by a name that can be renamed. */
export interface AccountSubject {
  onPremisesSid: string;
  samAccountName: string;
  upn: string;
  displayName: string;
  domain: string;
}

export interface ResetRequest {
  id: string;
  tenantId: string;
  /** AAD object id of the account holder (the subject). */
  ownerAadId: string;
  /** AAD object id of the helpdesk member who started the request on the owner's behalf. */
  requestedBy?: string;
  /** The helpdesk's ticket number or reason, kept with every record of the request. */
  ticket?: string;
  kind: RequestKind;
  state: RequestState;
  privileged: boolean;
  /** Why the agent holds the account privileged, as an approver reads it; empty when it is not. */
  privilegedBecause: string[];
  methodsRequired: number;
  methodsPassed: VerificationMethodName[];
  /** How many different approvers must approve before anything is written (0: none). */
  approvalsRequired: number;
  /** Who approved so far, in order; a deny ends the request instead. */
  approvedBy: string[];
  subject: AccountSubject;
  /** Grows by one on every transition; the store writes with `WHERE version = previous` so two replicas cannot both move a request. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Deadline of the step the request is waiting in (verification, approval, the queued job). */
  expiresAt: Date;
  resultCode?: string;
  resultMessage?: string;
}

export interface Transition {
  request: ResetRequest;
  audit: AuditEntryDraft;
}

const aadIdSchema = z.string().min(1).max(128);

export const accountSubjectSchema = z.object({
  onPremisesSid: z.string().regex(/^S-1-5-21(-\d{1,10}){4}$/, 'an on-premises account SID looks like S-1-5-21-…-RID'),
  samAccountName: z.string().min(1).max(256),
  upn: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'a UPN looks like name@domain'),
  displayName: z.string().min(1).max(256),
  domain: z.string().min(1).max(255),
});

export const DEFAULT_REQUEST_TTL_MS = 60 * 60 * 1000;

export const newResetRequestSchema = z.object({
  id: z.string().min(1).max(128),
  tenantId: aadIdSchema,
  ownerAadId: aadIdSchema,
  requestedBy: aadIdSchema.optional(),
  ticket: z.string().trim().min(1).max(64).optional(),
  kind: z.enum(REQUEST_KINDS),
  privileged: z.boolean(),
  privilegedBecause: z.array(z.string().min(1).max(160)).max(8).default([]),
  methodsRequired: z.number().int().min(0).max(VERIFICATION_METHOD_NAMES.length),
  approvalsRequired: z.number().int().min(0).max(5).default(0),
  subject: accountSubjectSchema,
  ttlMs: z.number().int().positive().max(24 * 60 * 60 * 1000).optional(),
});
export type NewResetRequest = z.input<typeof newResetRequestSchema>;

/**
 * Whose clicks move this request: the helpdesk member who started it, or else
 * the owner. Card actions from anyone else are refused.
 */
export function driverOf(request: Pick<ResetRequest, 'ownerAadId' | 'requestedBy'>): AuditActor {
  return request.requestedBy !== undefined
    ? { type: 'helpdesk', id: request.requestedBy }
    : { type: 'user', id: request.ownerAadId };
}

export function assertActsOn(request: ResetRequest, aadId: string): void {
  if (driverOf(request).id !== aadId) {
    throw new ResetDeskError('REQUEST_NOT_YOURS', 'This request belongs to someone else, so you cannot act on it.', { requestId: request.id });
  }
}

export function createResetRequest(input: NewResetRequest, now: Date): Transition {
  const parsed = newResetRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new ResetDeskError('REQUEST_INVALID', 'The request could not be started because some of its details are invalid.', {
      fields: parsed.error.issues.map((i) => i.path.join('.')).join(','),
    });
  }
  const v = parsed.data;
  if (v.requestedBy !== undefined) assertHelpdeskNotSelf(v.requestedBy, v.ownerAadId);
  if (v.requestedBy !== undefined && v.ticket === undefined) {
    throw new ResetDeskError('REQUEST_INVALID', 'A helpdesk request needs a ticket number or a reason.', { fields: 'ticket' });
  }
  if (v.requestedBy !== undefined && v.methodsRequired < 1) {
    // A helpdesk member must prove who is on the phone before acting for them.
    throw new ResetDeskError('REQUEST_INVALID', 'A helpdesk request needs the caller to be verified.', { fields: 'methodsRequired' });
  }
  const request: ResetRequest = {
    id: v.id,
    tenantId: v.tenantId,
    ownerAadId: v.ownerAadId,
    ...(v.requestedBy !== undefined ? { requestedBy: v.requestedBy } : {}),
    ...(v.ticket !== undefined ? { ticket: v.ticket } : {}),
    kind: v.kind,
    state: 'started',
    privileged: v.privileged,
    privilegedBecause: v.privilegedBecause,
    methodsRequired: v.methodsRequired,
    methodsPassed: [],
    approvalsRequired: v.approvalsRequired,
    approvedBy: [],
    subject: v.subject,
    version: 1,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + (v.ttlMs ?? DEFAULT_REQUEST_TTL_MS)),
  };
  return {
    request,
    audit: {
      action: 'request.created',
      actor: driverOf(request),
      requestId: request.id,
      details: {
        to: 'started', kind: v.kind, privileged: v.privileged, methodsRequired: v.methodsRequired, approvalsRequired: v.approvalsRequired, version: 1,
        helpdesk: v.requestedBy !== undefined, ...(v.ticket !== undefined ? { ticket: v.ticket } : {}),
      },
    },
  };
}

export type ResetEvent =
  | { type: 'verificationStarted'; method: VerificationMethodName }
  | { type: 'methodPassed'; method: VerificationMethodName }
  /** Only when policy needs no method for this kind (and never for a helpdesk request). */
  | { type: 'verificationWaived' }
  /** Too many wrong codes, or the manager refused: the request is closed. */
  | { type: 'verificationFailed'; method: VerificationMethodName; reasonCode: 'VERIFY_TOO_MANY_TRIES' | 'VERIFY_MANAGER_REFUSED' | 'VERIFY_CALLER_DENIED' | 'VERIFY_CHALLENGE_FAILED' }
  | { type: 'passwordRejected'; violationCodes: string[] }
  | { type: 'approvalRequested'; expiresAt: Date }
  /** One approver's yes; `expiresAt`: how long the requester has to finish (e.g. type the new password) once the last needed one is in. */
  | { type: 'approved'; by: string; expiresAt: Date }
  /** The first no ends the request; the reason is the requester's to read. */
  | { type: 'denied'; by: string; reason: string }
  | { type: 'approvalExpired' }
  | { type: 'queued'; jobId: string; expiresAt: Date }
  | { type: 'leased'; agentId: string }
  | { type: 'leaseExpired'; agentId: string }
  | { type: 'succeeded'; agentId: string; message?: string }
  | { type: 'failed'; code: string; message: string; agentId?: string }
  | { type: 'jobExpired' }
  /** The requester walked away: a sweeper closes interactive steps past their deadline. */
  | { type: 'timedOut' }
  | { type: 'cancelled'; by: AuditActor };

export type ResetEventType = ResetEvent['type'];

/**
 * The state graph, in one place. A failed verification, a time-out and a
 * cancel all end in `closed`; an unanswered approval and an unclaimed job end
 * in `expired`. Once a job is queued it cannot be cancelled: an agent may
 * already hold it, and the request must end with what AD actually did.
 * `status` requests go through queued/applying like the others, because only
 * the agent can read the account's state in AD; they never need approval
 * because they change nothing.
 */
const ALLOWED_FROM: { readonly [K in ResetEventType]: readonly RequestState[] } = {
  verificationStarted: ['started', 'verifying'],
  methodPassed: ['verifying'],
  verificationWaived: ['started'],
  verificationFailed: ['verifying'],
  passwordRejected: ['verified', 'approved'],
  approvalRequested: ['verified'],
  approved: ['awaiting_approval'],
  denied: ['awaiting_approval'],
  approvalExpired: ['awaiting_approval'],
  queued: ['verified', 'approved'],
  leased: ['queued'],
  leaseExpired: ['applying'],
  succeeded: ['applying'],
  // Before the job runs too: no agent alive, sealing impossible, or approvers who cannot be reached fail the request at once rather than leaving it hanging.
  failed: ['verified', 'awaiting_approval', 'approved', 'queued', 'applying'],
  jobExpired: ['queued'],
  timedOut: ['started', 'verifying', 'verified', 'approved'],
  cancelled: ['started', 'verifying', 'verified', 'awaiting_approval', 'approved'],
};

/** Events a person or agent sends while waiting in a step; after the step's deadline they are too late. */
const REFUSED_AFTER_DEADLINE: ReadonlySet<ResetEventType> = new Set<ResetEventType>([
  'verificationStarted', 'methodPassed', 'verificationWaived', 'passwordRejected', 'approvalRequested', 'approved', 'denied', 'queued', 'leased',
]);

/** Events the sweeper sends; before the deadline they would cut a step short. */
const ONLY_AFTER_DEADLINE: ReadonlySet<ResetEventType> = new Set<ResetEventType>(['approvalExpired', 'jobExpired', 'timedOut']);

export function canApply(state: RequestState, type: ResetEventType): boolean {
  return !isTerminal(state) && ALLOWED_FROM[type].includes(state);
}

function illegal(request: ResetRequest, event: ResetEvent, reason: string): ResetDeskError {
  return new ResetDeskError('REQUEST_ILLEGAL_TRANSITION', 'This step is over or not possible any more; nothing was changed.', {
    requestId: request.id, from: request.state, event: event.type, reason,
  });
}

export function applyEvent(request: ResetRequest, event: ResetEvent, now: Date): Transition {
  if (isTerminal(request.state)) throw illegal(request, event, 'terminal');
  if (!ALLOWED_FROM[event.type].includes(request.state)) throw illegal(request, event, 'not_from_this_state');
  const late = now.getTime() >= request.expiresAt.getTime();
  if (late && REFUSED_AFTER_DEADLINE.has(event.type)) {
    throw new ResetDeskError('REQUEST_STEP_EXPIRED', 'This step has timed out; please start again.', { requestId: request.id, from: request.state, event: event.type });
  }
  if (!late && ONLY_AFTER_DEADLINE.has(event.type)) throw illegal(request, event, 'deadline_not_reached');

  const step = decide(request, event);
  const next: ResetRequest = {
    ...request,
    ...step.changes,
    state: step.to,
    version: request.version + 1,
    updatedAt: now,
  };
  return {
    request: next,
    audit: {
      action: step.action,
      actor: step.actor,
      requestId: request.id,
      details: { from: request.state, to: step.to, kind: request.kind, version: next.version, ...step.details },
    },
  };
}

interface Step {
  to: RequestState;
  action: string;
  actor: AuditActor;
  details?: AuditDetails;
  changes?: Partial<Pick<ResetRequest, 'methodsPassed' | 'approvedBy' | 'expiresAt' | 'resultCode' | 'resultMessage'>>;
}

function decide(request: ResetRequest, event: ResetEvent): Step {
  const driver = driverOf(request);
  switch (event.type) {
    case 'verificationStarted':
      return { to: 'verifying', action: 'verification.started', actor: driver, details: { method: event.method } };
    case 'methodPassed': {
      if (request.methodsPassed.includes(event.method)) {
        // Each method counts once; passing e-mail twice is not two factors.
        throw new ResetDeskError('VERIFY_METHOD_ALREADY_PASSED', 'You have already used this method; please choose another one.', { method: event.method });
      }
      const methodsPassed = [...request.methodsPassed, event.method];
      const complete = methodsPassed.length >= request.methodsRequired;
      return {
        to: complete ? 'verified' : 'verifying',
        action: 'verification.passed',
        actor: driver,
        details: { method: event.method, passed: methodsPassed.length, required: request.methodsRequired, complete },
        changes: { methodsPassed },
      };
    }
    case 'verificationWaived':
      if (request.methodsRequired !== 0) throw illegal(request, event, 'verification_required');
      if (request.requestedBy !== undefined) throw illegal(request, event, 'helpdesk_must_verify_caller');
      return { to: 'verified', action: 'verification.waived', actor: driver };
    case 'verificationFailed':
      return {
        to: 'closed', action: 'verification.failed', actor: driver,
        details: { method: event.method, reasonCode: event.reasonCode },
        changes: { resultCode: event.reasonCode },
      };
    case 'passwordRejected':
      if (request.kind !== 'reset' && request.kind !== 'change') throw illegal(request, event, 'no_password_for_kind');
      return { to: request.state, action: 'password.rejected', actor: driver, details: { violations: event.violationCodes.join(',') } };
    case 'approvalRequested':
      if (request.kind === 'status') throw illegal(request, event, 'status_needs_no_approval');
      return { to: 'awaiting_approval', action: 'approval.requested', actor: driver, changes: { expiresAt: event.expiresAt } };
    case 'approved': {
      assertNotSelfInterested(request, event.by);
      if (request.approvedBy.includes(event.by)) {
        // A second yes from the same person is not a second approver.
        throw new ResetDeskError('APPROVAL_ALREADY_GIVEN', 'You have already approved this request; another approver must approve it too.');
      }
      const approvedBy = [...request.approvedBy, event.by];
      const needed = Math.max(1, request.approvalsRequired);
      const complete = approvedBy.length >= needed;
      return {
        to: complete ? 'approved' : 'awaiting_approval',
        action: complete ? 'approval.approved' : 'approval.recorded',
        actor: { type: 'approver', id: event.by },
        details: { approvals: approvedBy.length, required: needed },
        changes: complete ? { approvedBy, expiresAt: event.expiresAt } : { approvedBy },
      };
    }
    case 'denied': {
      assertNotSelfInterested(request, event.by);
      const reason = event.reason.trim();
      if (reason.length === 0 || reason.length > 500) throw new ResetDeskError('APPROVAL_REASON_REQUIRED', 'Say why you deny it, in at most 500 characters; the requester reads it.');
      return {
        to: 'denied', action: 'approval.denied', actor: { type: 'approver', id: event.by },
        details: { reason },
        changes: { resultCode: 'APPROVAL_DENIED', resultMessage: reason },
      };
    }
    case 'approvalExpired':
      return { to: 'expired', action: 'approval.expired', actor: SYSTEM_ACTOR, changes: { resultCode: 'APPROVAL_EXPIRED' } };
    case 'queued':
      if (request.state === 'verified' && (request.privileged || request.approvalsRequired > 0) && request.kind !== 'status') {
        // The one place that guarantees a privileged account is never written without a human's approval.
        throw illegal(request, event, 'approval_required');
      }
      return { to: 'queued', action: 'job.queued', actor: driver, details: { jobId: event.jobId }, changes: { expiresAt: event.expiresAt } };
    case 'leased':
      return { to: 'applying', action: 'job.leased', actor: { type: 'agent', id: event.agentId } };
    case 'leaseExpired':
      return { to: 'queued', action: 'job.lease_expired', actor: SYSTEM_ACTOR, details: { agentId: event.agentId } };
    case 'succeeded':
      return {
        to: 'succeeded', action: 'request.succeeded', actor: { type: 'agent', id: event.agentId },
        changes: event.message !== undefined ? { resultMessage: event.message } : {},
      };
    case 'failed':
      return {
        to: 'failed', action: 'request.failed',
        actor: event.agentId !== undefined ? { type: 'agent', id: event.agentId } : SYSTEM_ACTOR,
        details: { resultCode: event.code },
        changes: { resultCode: event.code, resultMessage: event.message },
      };
    case 'jobExpired':
      return { to: 'expired', action: 'job.expired', actor: SYSTEM_ACTOR, changes: { resultCode: 'JOB_EXPIRED' } };
    case 'timedOut':
      return { to: 'closed', action: 'request.timed_out', actor: SYSTEM_ACTOR, changes: { resultCode: 'REQUEST_TIMED_OUT' } };
    case 'cancelled':
      if (event.by.type !== 'system') assertActsOn(request, event.by.id);
      return { to: 'closed', action: 'request.cancelled', actor: event.by, changes: { resultCode: 'REQUEST_CANCELLED' } };
  }
}
