import { ResetDeskError } from '../errors';
import {
  approvalConfigSchema, approvalDeadline, approvalsNeeded, assertApproverMayDecide, assertHelpdeskMayStart,
  assertHelpdeskVerifiedCaller, requiresApproval,
} from './approval-policy';
import { ALICE, APPROVER_ANN, at, HELPDESK_HANK, requestIn, T0, TENANT } from './request-fixtures';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ResetDeskError) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

const ann = { aadId: APPROVER_ANN, tenantId: TENANT, isApprover: true };
const pending = (overrides = {}) => requestIn('awaiting_approval', { privileged: true, methodsRequired: 2, methodsPassed: ['email', 'sms'], expiresAt: at(30), ...overrides });

describe('which requests need approval', () => {
  test('a privileged reset, unlock or change needs approval', () => {
    for (const kind of ['reset', 'unlock', 'change'] as const) expect(requiresApproval({ kind, privileged: true })).toBe(true);
  });

  test('an ordinary reset does not', () => {
    expect(requiresApproval({ kind: 'reset', privileged: false })).toBe(false);
  });

  test('a status check never does, because it changes nothing', () => {
    expect(requiresApproval({ kind: 'status', privileged: true })).toBe(false);
  });

  test('an organisation can require approval for every helpdesk-assisted request', () => {
    const config = approvalConfigSchema.parse({ requireForHelpdesk: true });
    expect(requiresApproval({ kind: 'reset', privileged: false, requestedBy: HELPDESK_HANK }, config)).toBe(true);
    expect(requiresApproval({ kind: 'reset', privileged: false }, config)).toBe(false);
  });

  test('approvers have 30 minutes by default, and the window is configurable', () => {
    expect(approvalDeadline(T0)).toEqual(at(30));
    expect(approvalDeadline(T0, approvalConfigSchema.parse({ ttlMs: 2 * 60 * 60 * 1000 }))).toEqual(at(120));
    expect(approvalConfigSchema.safeParse({ ttlMs: -5 }).success).toBe(false);
  });
});

describe('who may approve', () => {
  test('a member of the approver group may approve a pending request', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending(), approver: ann, now: at(10) }))).toBe('NO_ERROR');
  });

  test('an approver cannot approve their own request', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending({ ownerAadId: APPROVER_ANN }), approver: ann, now: at(10) }))).toBe('APPROVAL_SELF');
  });

  test('an approver cannot approve a request they started for someone else', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending({ requestedBy: APPROVER_ANN }), approver: ann, now: at(10) }))).toBe('APPROVAL_SELF');
  });

  test('someone outside the approver group cannot approve', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending(), approver: { ...ann, isApprover: false }, now: at(10) }))).toBe('APPROVAL_NOT_APPROVER');
  });

  test('an approver from another tenant cannot approve', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending(), approver: { ...ann, tenantId: 'tenant-other' }, now: at(10) }))).toBe('APPROVAL_NOT_APPROVER');
  });

  test('a request that is no longer waiting cannot be approved', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending({ state: 'denied' }), approver: ann, now: at(10) }))).toBe('APPROVAL_NOT_PENDING');
  });

  test('an approval that has expired cannot be given', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending(), approver: ann, now: at(30) }))).toBe('APPROVAL_EXPIRED');
  });

  test('an approver never vouches for a caller who has not finished verification', () => {
    expect(codeOf(() => assertApproverMayDecide({ request: pending({ methodsPassed: ['email'] }), approver: ann, now: at(10) }))).toBe('APPROVAL_CALLER_NOT_VERIFIED');
  });
});

describe('helpdesk-assisted requests', () => {
  const subject = { aadId: ALICE, tenantId: TENANT };

  test('a helpdesk member may start a request for a caller', () => {
    expect(codeOf(() => assertHelpdeskMayStart({ helpdesk: { aadId: HELPDESK_HANK, tenantId: TENANT, isHelpdesk: true }, subject }))).toBe('NO_ERROR');
  });

  test('someone outside the helpdesk group cannot', () => {
    expect(codeOf(() => assertHelpdeskMayStart({ helpdesk: { aadId: HELPDESK_HANK, tenantId: TENANT, isHelpdesk: false }, subject }))).toBe('HELPDESK_NOT_MEMBER');
  });

  test('a helpdesk member cannot act for themselves', () => {
    expect(codeOf(() => assertHelpdeskMayStart({ helpdesk: { aadId: ALICE, tenantId: TENANT, isHelpdesk: true }, subject }))).toBe('HELPDESK_SELF');
  });

  test('the helpdesk must verify the caller before going on', () => {
    const request = requestIn('verifying', { requestedBy: HELPDESK_HANK, methodsRequired: 1 });
    expect(codeOf(() => assertHelpdeskVerifiedCaller(request))).toBe('APPROVAL_CALLER_NOT_VERIFIED');
    expect(codeOf(() => assertHelpdeskVerifiedCaller({ ...request, state: 'verified', methodsPassed: ['sms'] }))).toBe('NO_ERROR');
  });

  test('a self-service request is not held to the helpdesk rule', () => {
    expect(codeOf(() => assertHelpdeskVerifiedCaller(requestIn('verified', { methodsRequired: 0 })))).toBe('NO_ERROR');
  });
});

describe('how many approvers a request needs', () => {
  const privileged = { kind: 'reset' as const, privileged: true, requestedBy: undefined };
  test('an ordinary account needs none; a privileged one one; a tier-0 one two, from different people', () => {
    expect(approvalsNeeded({ ...privileged, privileged: false }, [])).toBe(0);
    expect(approvalsNeeded(privileged, ['Backup Operators'])).toBe(1);
    expect(approvalsNeeded(privileged, ['Backup Operators', 'Domain Admins'])).toBe(2);
  });
  test('groups the agent did not name count as tier 0', () => {
    expect(approvalsNeeded(privileged, undefined)).toBe(2);
  });
  test('the numbers and the tier-0 groups are settings', () => {
    const config = approvalConfigSchema.parse({ approvalsRequired: 2, approvalsRequiredTier0: 3, tier0Groups: ['Tier0 Operators'] });
    expect(approvalsNeeded(privileged, ['Domain Admins'], config)).toBe(2);
    expect(approvalsNeeded(privileged, ['tier0 operators'], config)).toBe(3);
  });
  test('a status check never needs one', () => {
    expect(approvalsNeeded({ ...privileged, kind: 'status' }, ['Domain Admins'])).toBe(0);
  });
});
