import { HELPDESK_HANK, refusalOf, sampleRequest } from '../request-fixtures';
import { assertMethodUsable, canCompleteVerification, DEFAULT_VERIFICATION_POLICY as policy, remainingMethods, requiredMethodCount, verificationPolicySchema } from './verification-policy';

describe('how much verification a request needs', () => {
  test('one method for an ordinary reset, two for a privileged account', () => {
    expect(requiredMethodCount(policy, { kind: 'reset', privileged: false })).toBe(1);
    expect(requiredMethodCount(policy, { kind: 'reset', privileged: true })).toBe(2);
  });

  test('a password change needs none by default, since AD checks the current password', () => {
    expect(requiredMethodCount(policy, { kind: 'change', privileged: false })).toBe(0);
    expect(requiredMethodCount(policy, { kind: 'change', privileged: true })).toBe(1);
  });

  test('a helpdesk request always verifies the caller', () => {
    expect(requiredMethodCount(policy, { kind: 'change', privileged: false, requestedBy: HELPDESK_HANK })).toBe(1);
  });

  test('an admin can ask for more', () => {
    const strict = verificationPolicySchema.parse({ methodsRequired: { reset: 2 }, methodsRequiredPrivileged: { reset: 3 } });
    expect(requiredMethodCount(strict, { kind: 'reset', privileged: false })).toBe(2);
    expect(requiredMethodCount(strict, { kind: 'reset', privileged: true })).toBe(3);
  });

  test('a policy where privileged accounts need less than others is refused', () => {
    expect(verificationPolicySchema.safeParse({ methodsRequired: { reset: 3 } }).success).toBe(false);
  });

  test('a policy that allows fewer methods than it requires is refused', () => {
    expect(verificationPolicySchema.safeParse({ allowedMethods: { reset: ['email'] } }).success).toBe(false);
  });
});

describe('which methods are offered', () => {
  test('the methods set up for the user, allowed for the kind, not already passed', () => {
    const request = sampleRequest({ methodsPassed: ['email'] });
    expect(remainingMethods(policy, request, ['email', 'sms', 'manager'])).toEqual(['sms', 'manager']);
  });

  test('an admin can restrict methods per kind', () => {
    const p = verificationPolicySchema.parse({ allowedMethods: { unlock: ['sms', 'mfa'] }, methodsRequiredPrivileged: { unlock: 2 } });
    expect(remainingMethods(p, sampleRequest({ kind: 'unlock' }), ['email', 'sms', 'mfa'])).toEqual(['sms', 'mfa']);
    expect(refusalOf(() => assertMethodUsable(p, sampleRequest({ kind: 'unlock' }), ['email', 'sms'], 'email')).code).toBe('VERIFY_METHOD_UNAVAILABLE');
  });

  test('a privileged user with only one method set up cannot complete verification', () => {
    expect(canCompleteVerification(policy, sampleRequest({ privileged: true, methodsRequired: 2 }), ['email'])).toBe(false);
    expect(canCompleteVerification(policy, sampleRequest({ privileged: true, methodsRequired: 2 }), ['email', 'manager'])).toBe(true);
  });

  test('a method already passed cannot be used again', () => {
    expect(refusalOf(() => assertMethodUsable(policy, sampleRequest({ methodsPassed: ['sms'] }), ['sms', 'email'], 'sms')).code).toBe('VERIFY_METHOD_UNAVAILABLE');
  });
});
