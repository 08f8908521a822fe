import { isResetDeskError } from '../errors';
import { assertNoSecrets, auditEntryDraftSchema } from './audit';
import {
  applyEvent, assertActsOn, canApply, createResetRequest, REQUEST_STATES,
  type RequestState, type ResetEvent, type ResetEventType, type ResetRequest, type Transition,
} from './reset-request';
import { ALICE, APPROVER_ANN, at, HELPDESK_HANK, refusalOf, requestIn, sampleRequest, T0, TENANT } from './request-fixtures';

const EVENTS: { [K in ResetEventType]: Extract<ResetEvent, { type: K }> } = {
  verificationStarted: { type: 'verificationStarted', method: 'email' },
  methodPassed: { type: 'methodPassed', method: 'email' },
  verificationWaived: { type: 'verificationWaived' },
  verificationFailed: { type: 'verificationFailed', method: 'email', reasonCode: 'VERIFY_TOO_MANY_TRIES' },
  passwordRejected: { type: 'passwordRejected', violationCodes: ['POLICY_TOO_SHORT'] },
  approvalRequested: { type: 'approvalRequested', expiresAt: at(90) },
  approved: { type: 'approved', by: APPROVER_ANN, expiresAt: at(90) },
  denied: { type: 'denied', by: APPROVER_ANN, reason: 'Not during the change freeze' },
  approvalExpired: { type: 'approvalExpired' },
  queued: { type: 'queued', jobId: 'job-1', expiresAt: at(70) },
  leased: { type: 'leased', agentId: 'agent-1' },
  leaseExpired: { type: 'leaseExpired', agentId: 'agent-1' },
  succeeded: { type: 'succeeded', agentId: 'agent-1', message: 'Your password was changed.' },
  failed: { type: 'failed', code: 'AGENT_DC_UNAVAILABLE', message: 'The directory cannot be reached right now.', agentId: 'agent-1' },
  jobExpired: { type: 'jobExpired' },
  timedOut: { type: 'timedOut' },
  cancelled: { type: 'cancelled', by: { type: 'user', id: ALICE } },
};
const EVENT_TYPES = Object.keys(EVENTS) as ResetEventType[];

// The sweeper's events come after a step's deadline; everything else before it.
const SWEEPER_EVENTS: ResetEventType[] = ['approvalExpired', 'jobExpired', 'timedOut'];
const nowFor = (type: ResetEventType) => (SWEEPER_EVENTS.includes(type) ? at(61) : at(5));
const requestFor = (state: RequestState, type: ResetEventType) =>
  requestIn(state, type === 'verificationWaived' ? { methodsRequired: 0 } : {});

// The design's state graph, written out edge by edge: [from, event, to].
const GRAPH: Array<[RequestState, ResetEventType, RequestState]> = [
  ['started', 'verificationStarted', 'verifying'],
  ['verifying', 'verificationStarted', 'verifying'],
  ['verifying', 'methodPassed', 'verified'],
  ['started', 'verificationWaived', 'verified'],
  ['verifying', 'verificationFailed', 'closed'],
  ['verified', 'passwordRejected', 'verified'],
  ['approved', 'passwordRejected', 'approved'],
  ['verified', 'approvalRequested', 'awaiting_approval'],
  ['awaiting_approval', 'approved', 'approved'],
  ['awaiting_approval', 'denied', 'denied'],
  ['awaiting_approval', 'approvalExpired', 'expired'],
  ['verified', 'queued', 'queued'],
  ['approved', 'queued', 'queued'],
  ['queued', 'leased', 'applying'],
  ['applying', 'leaseExpired', 'queued'],
  ['applying', 'succeeded', 'succeeded'],
  ['verified', 'failed', 'failed'],
  ['awaiting_approval', 'failed', 'failed'],
  ['approved', 'failed', 'failed'],
  ['queued', 'failed', 'failed'],
  ['applying', 'failed', 'failed'],
  ['queued', 'jobExpired', 'expired'],
  ['started', 'timedOut', 'closed'],
  ['verifying', 'timedOut', 'closed'],
  ['verified', 'timedOut', 'closed'],
  ['approved', 'timedOut', 'closed'],
  ['started', 'cancelled', 'closed'],
  ['verifying', 'cancelled', 'closed'],
  ['verified', 'cancelled', 'closed'],
  ['awaiting_approval', 'cancelled', 'closed'],
  ['approved', 'cancelled', 'closed'],
];
const edge = (from: RequestState, type: ResetEventType) => GRAPH.find(([f, t]) => f === from && t === type)?.[2];

function run(request: ResetRequest, steps: Array<[ResetEvent, Date]>): { request: ResetRequest; audits: Transition['audit'][] } {
  const audits: Transition['audit'][] = [];
  let current = request;
  for (const [event, now] of steps) {
    const t = applyEvent(current, event, now);
    audits.push(t.audit);
    current = t.request;
  }
  return { request: current, audits };
}

describe('the reset request state graph', () => {
  const matrix = REQUEST_STATES.flatMap((state) => EVENT_TYPES.map((type) => [state, type, edge(state, type)] as const));

  test.each(matrix)('from %s, the event %s leads to %s (undefined = refused)', (state, type, to) => {
    const request = requestFor(state, type);
    if (to === undefined) {
      const err = refusalOf(() => applyEvent(request, EVENTS[type], nowFor(type)));
      expect(err.code).toBe('REQUEST_ILLEGAL_TRANSITION');
      expect(err.details).toMatchObject({ from: state, event: type });
      expect(canApply(state, type)).toBe(false);
    } else {
      const { request: next, audit } = applyEvent(request, EVENTS[type], nowFor(type));
      expect(next.state).toBe(to);
      expect(next.version).toBe(request.version + 1);
      expect(next.updatedAt).toEqual(nowFor(type));
      expect(audit.details).toMatchObject({ from: state, to, version: next.version });
      expect(auditEntryDraftSchema.safeParse(audit).success).toBe(true);
    }
  });

  // One row per family of wrong turn, so a reader sees why each is refused.
  test.each<[string, RequestState, ResetEventType]>([
    ['a finished request accepts nothing more', 'succeeded', 'cancelled'],
    ['a failed request cannot be retried in place', 'failed', 'queued'],
    ['a denied request cannot be approved afterwards', 'denied', 'approved'],
    ['an expired request cannot be picked up by an agent', 'expired', 'leased'],
    ['a closed request cannot go on verifying', 'closed', 'methodPassed'],
    ['nothing is queued before verification', 'verifying', 'queued'],
    ['nothing is queued straight from the start', 'started', 'queued'],
    ['approval cannot be asked before verification', 'verifying', 'approvalRequested'],
    ['an approver cannot decide on a request that is not waiting for them', 'verified', 'approved'],
    ['a job cannot be queued while approval is pending', 'awaiting_approval', 'queued'],
    ['once queued, a request cannot be cancelled', 'queued', 'cancelled'],
    ['once an agent holds the job, it cannot be cancelled', 'applying', 'cancelled'],
    ['success is reported only by an agent holding the job', 'queued', 'succeeded'],
    ['a request does not go back to verification', 'verified', 'verificationStarted'],
    ['a job running on an agent does not expire under it', 'applying', 'jobExpired'],
  ])('%s', (_why, state, type) => {
    expect(refusalOf(() => applyEvent(requestFor(state, type), EVENTS[type], nowFor(type))).code).toBe('REQUEST_ILLEGAL_TRANSITION');
  });
});

describe('a self-service reset', () => {
  test('goes from the first message to success, one version and one audit entry per step', () => {
    const created = createResetRequest(
      { id: 'req-9', tenantId: TENANT, ownerAadId: ALICE, kind: 'reset', privileged: false, methodsRequired: 1, subject: sampleRequest().subject },
      T0,
    );
    expect(created.request).toMatchObject({ state: 'started', version: 1, expiresAt: at(60) });
    expect(created.audit).toMatchObject({ action: 'request.created', actor: { type: 'user', id: ALICE } });

    const { request, audits } = run(created.request, [
      [{ type: 'verificationStarted', method: 'sms' }, at(1)],
      [{ type: 'methodPassed', method: 'sms' }, at(2)],
      [{ type: 'queued', jobId: 'job-9', expiresAt: at(12) }, at(3)],
      [{ type: 'leased', agentId: 'agent-1' }, at(3)],
      [{ type: 'succeeded', agentId: 'agent-1', message: 'Your password was changed.' }, at(4)],
    ]);
    expect(request).toMatchObject({ state: 'succeeded', version: 6, methodsPassed: ['sms'], resultMessage: 'Your password was changed.' });
    expect(audits.map((a) => a.action)).toEqual(['verification.started', 'verification.passed', 'job.queued', 'job.leased', 'request.succeeded']);
    expect(audits[3]?.actor).toEqual({ type: 'agent', id: 'agent-1' });
  });

  test('does not change the request it was given (the store keeps the old version until it commits)', () => {
    const before = requestIn('verifying');
    const copy = structuredClone(before);
    applyEvent(before, EVENTS.methodPassed, at(5));
    expect(before).toEqual(copy);
  });

  test('stays in verification until the required number of distinct methods has passed', () => {
    const { request } = run(requestIn('verifying', { methodsRequired: 2 }), [[{ type: 'methodPassed', method: 'email' }, at(1)]]);
    expect(request.state).toBe('verifying');
    expect(refusalOf(() => applyEvent(request, { type: 'methodPassed', method: 'email' }, at(2))).code).toBe('VERIFY_METHOD_ALREADY_PASSED');
    expect(applyEvent(request, { type: 'methodPassed', method: 'manager' }, at(2)).request.state).toBe('verified');
  });

  test('a code refused five times closes the request and says why', () => {
    const { request, audit } = applyEvent(requestIn('verifying'), EVENTS.verificationFailed, at(5));
    expect(request).toMatchObject({ state: 'closed', resultCode: 'VERIFY_TOO_MANY_TRIES' });
    expect(audit.action).toBe('verification.failed');
  });

  test('an agent lease that runs out puts the job back in the queue for another agent', () => {
    const { request } = run(requestIn('queued'), [
      [{ type: 'leased', agentId: 'agent-1' }, at(1)],
      [{ type: 'leaseExpired', agentId: 'agent-1' }, at(2)],
      [{ type: 'leased', agentId: 'agent-2' }, at(3)],
      [{ type: 'failed', code: 'AGENT_USER_NOT_FOUND', message: 'Your account was not found in the directory.', agentId: 'agent-2' }, at(4)],
    ]);
    expect(request).toMatchObject({ state: 'failed', resultCode: 'AGENT_USER_NOT_FOUND', resultMessage: 'Your account was not found in the directory.' });
  });

  test('a password change that needs no extra method is verified without one', () => {
    const { request, audit } = applyEvent(requestIn('started', { kind: 'change', methodsRequired: 0 }), EVENTS.verificationWaived, at(1));
    expect(request.state).toBe('verified');
    expect(audit.action).toBe('verification.waived');
  });

  test('verification cannot be waived when the policy asks for a method', () => {
    expect(refusalOf(() => applyEvent(requestIn('started'), EVENTS.verificationWaived, at(1))).details).toMatchObject({ reason: 'verification_required' });
  });

  test('rejected passwords are audited by rule, and the request waits for another try', () => {
    const { request, audit } = applyEvent(requestIn('verified'), { type: 'passwordRejected', violationCodes: ['POLICY_TOO_SHORT', 'POLICY_COMMON'] }, at(5));
    expect(request.state).toBe('verified');
    expect(audit).toMatchObject({ action: 'password.rejected', details: { violations: 'POLICY_TOO_SHORT,POLICY_COMMON' } });
  });

  test('an unlock has no password to reject', () => {
    expect(refusalOf(() => applyEvent(requestIn('verified', { kind: 'unlock' }), EVENTS.passwordRejected, at(5))).details).toMatchObject({ reason: 'no_password_for_kind' });
  });

  test('only the requester can cancel their request', () => {
    expect(refusalOf(() => applyEvent(requestIn('verifying'), { type: 'cancelled', by: { type: 'user', id: 'aad-mallory' } }, at(5))).code).toBe('REQUEST_NOT_YOURS');
    expect(applyEvent(requestIn('verifying'), { type: 'cancelled', by: { type: 'user', id: ALICE } }, at(5)).request).toMatchObject({ state: 'closed', resultCode: 'REQUEST_CANCELLED' });
  });

  test('someone else cannot act on the request', () => {
    expect(() => assertActsOn(sampleRequest(), ALICE)).not.toThrow();
    expect(refusalOf(() => assertActsOn(sampleRequest(), 'aad-mallory')).code).toBe('REQUEST_NOT_YOURS');
  });
});

describe('deadlines', () => {
  test.each<ResetEventType>(['verificationStarted', 'methodPassed', 'approvalRequested', 'queued'])('a %s that arrives after the step has timed out is refused', (type) => {
    const state = edge('verified', type) ? 'verified' : edge('verifying', type) ? 'verifying' : 'started';
    const err = refusalOf(() => applyEvent(requestIn(state, { expiresAt: at(10) }), EVENTS[type], at(10)));
    expect(err.code).toBe('REQUEST_STEP_EXPIRED');
  });

  test('an approver answering after the approval window is too late', () => {
    expect(refusalOf(() => applyEvent(requestIn('awaiting_approval', { expiresAt: at(30) }), EVENTS.approved, at(31))).code).toBe('REQUEST_STEP_EXPIRED');
  });

  test('an agent cannot lease a job whose time is up', () => {
    expect(refusalOf(() => applyEvent(requestIn('queued', { expiresAt: at(10) }), EVENTS.leased, at(10))).code).toBe('REQUEST_STEP_EXPIRED');
  });

  test('an agent result is accepted even after the deadline, because AD has already done it', () => {
    expect(applyEvent(requestIn('applying', { expiresAt: at(10) }), EVENTS.succeeded, at(20)).request.state).toBe('succeeded');
  });

  test.each<[ResetEventType, RequestState]>([['approvalExpired', 'awaiting_approval'], ['jobExpired', 'queued'], ['timedOut', 'verifying']])(
    'the sweeper cannot %s a request before its deadline',
    (type, state) => {
      expect(refusalOf(() => applyEvent(requestIn(state, { expiresAt: at(10) }), EVENTS[type], at(9))).details).toMatchObject({ reason: 'deadline_not_reached' });
    },
  );

  test('a queued job that no agent picks up expires and the user can be told', () => {
    const { request, audit } = applyEvent(requestIn('queued', { expiresAt: at(10) }), EVENTS.jobExpired, at(10));
    expect(request).toMatchObject({ state: 'expired', resultCode: 'JOB_EXPIRED' });
    expect(audit.actor.type).toBe('system');
  });

  test('approval, and the job, each set the deadline of the step they open', () => {
    const { request } = run(requestIn('verified', { privileged: true }), [
      [{ type: 'approvalRequested', expiresAt: at(35) }, at(5)],
      [{ type: 'approved', by: APPROVER_ANN, expiresAt: at(50) }, at(20)],
      [{ type: 'queued', jobId: 'job-1', expiresAt: at(31) }, at(21)],
    ]);
    expect(request.expiresAt).toEqual(at(31));
  });
});

describe('privileged accounts and approvals', () => {
  test('a privileged reset cannot be queued without an approval', () => {
    expect(refusalOf(() => applyEvent(requestIn('verified', { privileged: true }), EVENTS.queued, at(5))).details).toMatchObject({ reason: 'approval_required' });
  });

  test('a privileged reset, once approved, is queued', () => {
    const { request, audits } = run(requestIn('verified', { privileged: true, methodsRequired: 2, methodsPassed: ['email', 'manager'] }), [
      [{ type: 'approvalRequested', expiresAt: at(35) }, at(5)],
      [{ type: 'approved', by: APPROVER_ANN, expiresAt: at(50) }, at(10)],
      [EVENTS.queued, at(11)],
    ]);
    expect(request.state).toBe('queued');
    expect(audits[1]).toMatchObject({ action: 'approval.approved', actor: { type: 'approver', id: APPROVER_ANN } });
  });

  test('an approver cannot approve their own request', () => {
    const err = refusalOf(() => applyEvent(requestIn('awaiting_approval'), { type: 'approved', by: ALICE, expiresAt: at(50) }, at(5)));
    expect(err.code).toBe('APPROVAL_SELF');
  });

  test('a helpdesk member cannot approve a request they started for a caller', () => {
    const request = requestIn('awaiting_approval', { requestedBy: HELPDESK_HANK });
    expect(refusalOf(() => applyEvent(request, { type: 'approved', by: HELPDESK_HANK, expiresAt: at(50) }, at(5))).code).toBe('APPROVAL_SELF');
    expect(refusalOf(() => applyEvent(request, { type: 'denied', by: HELPDESK_HANK, reason: 'no' }, at(5))).code).toBe('APPROVAL_SELF');
  });

  test('a denied request ends, with the reason recorded for the requester to read', () => {
    const denied = applyEvent(requestIn('awaiting_approval'), EVENTS.denied, at(5));
    expect(denied.request).toMatchObject({ state: 'denied', resultCode: 'APPROVAL_DENIED', resultMessage: 'Not during the change freeze' });
    expect(denied.audit.details).toMatchObject({ reason: 'Not during the change freeze' });
  });

  test('a deny without a reason is refused and changes nothing', () => {
    expect(refusalOf(() => applyEvent(requestIn('awaiting_approval'), { type: 'denied', by: APPROVER_ANN, reason: '  ' }, at(5))).code).toBe('APPROVAL_REASON_REQUIRED');
  });

  test('an account that needs two approvers waits for a second, different person; the first deny ends it', () => {
    const request = requestIn('awaiting_approval', { privileged: true, approvalsRequired: 2 });
    const first = applyEvent(request, { type: 'approved', by: APPROVER_ANN, expiresAt: at(50) }, at(5));
    expect(first.request).toMatchObject({ state: 'awaiting_approval', approvedBy: [APPROVER_ANN] });
    expect(first.audit).toMatchObject({ action: 'approval.recorded', details: { approvals: 1, required: 2 } });
    expect(refusalOf(() => applyEvent(first.request, { type: 'approved', by: APPROVER_ANN, expiresAt: at(50) }, at(6))).code).toBe('APPROVAL_ALREADY_GIVEN');
    const second = applyEvent(first.request, { type: 'approved', by: 'aad-bob-0005', expiresAt: at(50) }, at(6));
    expect(second.request).toMatchObject({ state: 'approved', approvedBy: [APPROVER_ANN, 'aad-bob-0005'], expiresAt: at(50) });
    const deniedAfterOne = applyEvent(first.request, { type: 'denied', by: 'aad-bob-0005', reason: 'Unexpected at 3 a.m.' }, at(6));
    expect(deniedAfterOne.request.state).toBe('denied');
  });

  test('a status check goes to the agent without approval, even for a privileged account', () => {
    const request = requestIn('verified', { kind: 'status', privileged: true });
    expect(refusalOf(() => applyEvent(request, EVENTS.approvalRequested, at(5))).details).toMatchObject({ reason: 'status_needs_no_approval' });
    expect(applyEvent(request, EVENTS.queued, at(5)).request.state).toBe('queued');
  });
});

describe('starting a request', () => {
  const base = { id: 'req-2', tenantId: TENANT, ownerAadId: ALICE, kind: 'unlock' as const, privileged: false, methodsRequired: 1, subject: sampleRequest().subject };

  test('a helpdesk request is audited as the helpdesk member acting, with the ticket', () => {
    expect(createResetRequest({ ...base, requestedBy: HELPDESK_HANK, ticket: 'INC-1' }, T0).audit).toMatchObject({ actor: { type: 'helpdesk', id: HELPDESK_HANK }, details: { helpdesk: true, ticket: 'INC-1' } });
  });

  test('a helpdesk request needs a ticket number or a reason', () => {
    expect(refusalOf(() => createResetRequest({ ...base, requestedBy: HELPDESK_HANK }, T0)).details).toMatchObject({ fields: 'ticket' });
  });

  test('a helpdesk member cannot start a request for themselves', () => {
    expect(refusalOf(() => createResetRequest({ ...base, requestedBy: ALICE, ticket: 'INC-1' }, T0)).code).toBe('HELPDESK_SELF');
  });

  test('a helpdesk request always verifies the caller, and cannot skip it later', () => {
    expect(refusalOf(() => createResetRequest({ ...base, requestedBy: HELPDESK_HANK, ticket: 'INC-1', methodsRequired: 0 }, T0)).code).toBe('REQUEST_INVALID');
    const request = requestIn('started', { requestedBy: HELPDESK_HANK, methodsRequired: 0 });
    expect(refusalOf(() => applyEvent(request, EVENTS.verificationWaived, at(1))).details).toMatchObject({ reason: 'helpdesk_must_verify_caller' });
  });

  test('bad details are refused with the fields named and nothing created', () => {
    const err = refusalOf(() => createResetRequest({ ...base, subject: { ...base.subject, onPremisesSid: 'alice' } }, T0));
    expect(err.code).toBe('REQUEST_INVALID');
    expect(err.details.fields).toBe('subject.onPremisesSid');
  });
});

describe('audit entries from transitions', () => {
  test('never carry the agent message text or anything but flat values', () => {
    const canary = 'Canary-Pa55word!';
    const { audit } = applyEvent(requestIn('applying'), { type: 'failed', code: 'AGENT_POLICY_VIOLATION', message: 'The new password does not meet the directory policy.', agentId: 'agent-1' }, at(5));
    expect(() => assertNoSecrets(audit.details, [canary])).not.toThrow();
    expect(audit.details).toMatchObject({ resultCode: 'AGENT_POLICY_VIOLATION' });
    for (const value of Object.values(audit.details)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  test('every refusal is a typed error with a user-safe message', () => {
    const err = refusalOf(() => applyEvent(requestIn('succeeded'), EVENTS.cancelled, at(5)));
    expect(isResetDeskError(err, 'REQUEST_ILLEGAL_TRANSITION')).toBe(true);
    expect(err.message).toBe('This step is over or not possible any more; nothing was changed.');
  });
});
