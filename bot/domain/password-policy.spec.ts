import { ResetDeskError } from '../errors';
import { checkNewPassword, checkNewPasswordOffline, effectiveMinLength, type BreachedPasswordChecker, type CheckNewPasswordInput } from './password-policy';

const alice = { samAccountName: 'ajones', displayName: 'Alice Jones-Whitaker', upn: 'alice.jones@contoso.com' };
const GOOD = 'Violet tram at dawn 42';

function input(newPassword: string, extra: Partial<CheckNewPasswordInput> = {}): CheckNewPasswordInput {
  return { newPassword, confirmPassword: newPassword, user: alice, ...extra };
}
const codes = async (i: CheckNewPasswordInput) => (await checkNewPassword(i)).map((v) => v.code);

/** Stands in for the breached-password range client (bot/integrations), which has its own tests against a fake API. */
function breachedList(...passwords: string[]): BreachedPasswordChecker & { asked: number } {
  const list = { asked: 0, check: async (p: string) => (list.asked++, { breached: passwords.includes(p) }) };
  return list;
}

describe('choosing a new password', () => {
  test('a long, unusual password that does not mention the user is accepted', async () => {
    expect(await checkNewPassword(input(GOOD))).toEqual([]);
  });

  test('the two entries must match', async () => {
    expect(await codes({ ...input(GOOD), confirmPassword: GOOD + ' ' })).toEqual(['POLICY_MISMATCH']);
  });

  test('it must have at least 12 characters by default', async () => {
    expect(await codes(input('Short&sw33t'))).toEqual(['POLICY_TOO_SHORT']);
    expect(await codes(input('Short&sw33t!'))).toEqual([]);
  });

  test('the longer of our minimum and the directory minimum applies', async () => {
    expect(effectiveMinLength({ minLength: 12 }, { minLength: 14 })).toBe(14);
    expect(effectiveMinLength({ minLength: 12 }, { minLength: 7 })).toBe(12);
    const [violation] = await checkNewPassword(input('Violet tram 42', { adPolicy: { minLength: 16 } }));
    expect(violation).toEqual({ code: 'POLICY_TOO_SHORT', reason: 'Use at least 16 characters.' });
  });

  test('an emoji counts as one character, never letting a short password through', async () => {
    expect(await codes(input('Violet 🚋 42'))).toEqual(['POLICY_TOO_SHORT']);
  });

  test('a password from the list of most common passwords is refused, whatever its case', async () => {
    expect(await codes(input('1qaz2wsx3edc'))).toEqual(['POLICY_COMMON']);
    expect(await codes(input('1QAZ2WSX3EDC'))).toEqual(['POLICY_COMMON']);
    expect(await codes(input('LeaveMeAlone'))).toEqual(['POLICY_COMMON']);
  });

  test('the account name may not appear in it, in any case', async () => {
    expect(await codes(input('my-AJONES-pass-42'))).toEqual(['POLICY_CONTAINS_NAME']);
  });

  test('no part of the display name of three or more characters may appear in it', async () => {
    expect(await codes(input('whitaker rides trams'))).toEqual(['POLICY_CONTAINS_NAME']);
    expect(await codes(input('ALICE in trams 2026'))).toEqual(['POLICY_CONTAINS_NAME']);
  });

  test('short name parts are not held against the user, as in AD', async () => {
    const user = { samAccountName: 'li', displayName: 'Li Wu', upn: 'li@contoso.com' };
    expect(await codes(input('Li and Wu ride trams', { user }))).toEqual([]);
  });

  test('with AD complexity on, three of the character categories are needed', async () => {
    const adPolicy = { complexity: true };
    expect(await codes(input('violet tram at dawn', { adPolicy }))).toEqual(['POLICY_COMPLEXITY']);
    expect(await codes(input('violet tram at dawn 42', { adPolicy }))).toEqual(['POLICY_COMPLEXITY']);
    expect(await codes(input('violet-tram-at-dawn-42', { adPolicy }))).toEqual([]);
    expect(await codes(input('Violet tram at dawn 42', { adPolicy }))).toEqual([]);
  });

  test('currency signs are not symbols for AD, so not for us either', async () => {
    expect(await codes(input('violettramatdawn€£', { adPolicy: { complexity: true } }))).toEqual(['POLICY_COMPLEXITY']);
  });

  test('with AD complexity off, categories are not counted', async () => {
    expect(await codes(input('violet tram at dawn', { adPolicy: { complexity: false } }))).toEqual([]);
  });

  test('every broken rule is reported at once, in a stable order', async () => {
    expect(await codes({ ...input('alice1'), confirmPassword: 'alice2', adPolicy: { complexity: true } })).toEqual([
      'POLICY_MISMATCH', 'POLICY_TOO_SHORT', 'POLICY_COMMON', 'POLICY_CONTAINS_NAME', 'POLICY_COMPLEXITY',
    ]);
  });

  test('a password longer than AD accepts is refused', async () => {
    expect(await codes(input('Violet tram '.repeat(30)))).toEqual(['POLICY_TOO_LONG']);
  });

  test('settings out of range are refused when checked', () => {
    expect(() => checkNewPasswordOffline(input(GOOD, { config: { minLength: 4 } }))).toThrow(ResetDeskError);
  });
});

describe('breached passwords', () => {
  test('a password seen in a breach is refused', async () => {
    const breached = breachedList('Correct Horse Battery Staple');
    expect(await codes(input('Correct Horse Battery Staple', { config: { breachedCheck: breached } }))).toEqual(['POLICY_BREACHED']);
  });

  test('a password that passes every other rule is checked once', async () => {
    const breached = breachedList();
    expect(await checkNewPassword(input(GOOD, { config: { breachedCheck: breached } }))).toEqual([]);
    expect(breached.asked).toBe(1);
  });

  test('a password that already breaks a rule is not sent to the breach check at all', async () => {
    const breached = breachedList();
    await checkNewPassword(input('short', { config: { breachedCheck: breached } }));
    expect(breached.asked).toBe(0);
  });

  test('when the breach service is down, the user is asked to retry rather than let through', async () => {
    const down: BreachedPasswordChecker = { check: async () => { throw new Error(`connect ECONNREFUSED while checking ${GOOD}`); } };
    const err = await checkNewPassword(input(GOOD, { config: { breachedCheck: down } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResetDeskError);
    expect((err as ResetDeskError).code).toBe('POLICY_CHECK_UNAVAILABLE');
    expect((err as Error).message).not.toContain(GOOD);
    expect((err as Error).cause).toBeUndefined();
  });

  test('an admin can choose to skip the breach check when the service is down', async () => {
    const down: BreachedPasswordChecker = { check: async () => { throw new Error('down'); } };
    expect(await checkNewPassword(input(GOOD, { config: { breachedCheck: down, onBreachedCheckError: 'skip' } }))).toEqual([]);
  });
});

describe('violation messages', () => {
  test('the password is never part of a violation message', async () => {
    const canaries = ['alice', 'Alice-Canary-1', 'ajones!Canary', '1qaz2wsx3edc', 'Canary Pa55word Whitaker', 'canary'];
    for (const canary of canaries) {
      const violations = await checkNewPassword({
        newPassword: canary,
        confirmPassword: canary + 'x',
        user: alice,
        adPolicy: { complexity: true, minLength: 40 },
        config: { breachedCheck: breachedList(canary) },
      });
      expect(violations.length).toBeGreaterThan(0);
      for (const v of violations) expect(v.reason.toLowerCase()).not.toContain(canary.toLowerCase());
    }
  });
});
