import { ALICE, asyncRefusalOf, at, HELPDESK_HANK, sampleRequest, T0, TENANT } from '../request-fixtures';
import { createMfaMethod } from './mfa-method';
import type { StepUpClaims, StepUpTokenValidator, VerificationContext } from './verification-method';

/** Stands in for the adapter that validates Entra ID tokens; maps token strings to claims. */
const validator = (tokens: Record<string, StepUpClaims>): StepUpTokenValidator => ({ validate: async (t) => tokens[t] ?? null });
const ctx = (now: Date, overrides: Partial<VerificationContext> = {}): VerificationContext => ({ request: sampleRequest(), user: { mfaRegistered: true }, now, ...overrides });
const fresh: StepUpClaims = { aadObjectId: ALICE, tenantId: TENANT, authTime: at(1), mfa: true };

async function answer(claims: StepUpClaims, now = at(2)) {
  const method = createMfaMethod({ validator: validator({ tok: claims }) });
  const { challenge } = await method.start(ctx(T0));
  return method.check(challenge, { method: 'mfa', signInToken: 'tok' }, ctx(now));
}
const reasonOf = async (claims: StepUpClaims, now?: Date) => {
  const r = await answer(claims, now);
  return r.outcome === 'passed' ? 'passed' : `${r.outcome}:${String(r.error.details.reason)}`;
};

describe('a fresh multi-factor sign-in', () => {
  test('passes when the user signs in again with MFA', async () => {
    expect(await reasonOf(fresh)).toBe('passed');
  });

  test('a sign-in without MFA is not enough', async () => {
    expect(await reasonOf({ ...fresh, mfa: false })).toBe('retry:no_mfa');
  });

  test("someone else's sign-in does not count", async () => {
    expect(await reasonOf({ ...fresh, aadObjectId: 'aad-mallory' })).toBe('retry:other_user');
    expect(await reasonOf({ ...fresh, tenantId: 'tenant-other' })).toBe('retry:other_user');
  });

  test('an old sign-in does not count', async () => {
    expect(await reasonOf({ ...fresh, authTime: at(-30) })).toBe('retry:stale');
    expect(await reasonOf(fresh, at(9))).toBe('retry:stale');
  });

  test('a token the validator does not accept does not count', async () => {
    const method = createMfaMethod({ validator: validator({}) });
    const { challenge } = await method.start(ctx(T0));
    const r = await method.check(challenge, { method: 'mfa', signInToken: 'forged' }, ctx(at(1)));
    expect(r.outcome === 'passed' ? 'passed' : r.error.details.reason).toBe('invalid');
  });

  test('when tokens cannot be validated, the user is told to retry', async () => {
    const method = createMfaMethod({ validator: { validate: async () => { throw new Error('jwks down'); } } });
    const { challenge } = await method.start(ctx(T0));
    expect((await asyncRefusalOf(method.check(challenge, { method: 'mfa', signInToken: 'tok' }, ctx(at(1))))).code).toBe('VERIFY_MFA_UNAVAILABLE');
  });

  test('is not possible when the helpdesk acts for a caller', async () => {
    const method = createMfaMethod({ validator: validator({}) });
    expect((await asyncRefusalOf(method.start(ctx(T0, { request: sampleRequest({ requestedBy: HELPDESK_HANK }) })))).code).toBe('VERIFY_METHOD_UNAVAILABLE');
  });

  test('is offered only to users with MFA registered', () => {
    const method = createMfaMethod({ validator: validator({}) });
    expect(method.isAvailable({})).toBe(false);
    expect(method.isAvailable({ mfaRegistered: true })).toBe(true);
  });
});
