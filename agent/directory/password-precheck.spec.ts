import { meetsComplexity, precheckPassword } from './password-precheck';
import type { PasswordPolicy } from './policy';

const policy: PasswordPolicy = {
  source: 'domain', psoDn: null, fallback: null, minLength: 8, complexity: true, historyLength: 5, minAgeSeconds: 86_400, maxAgeSeconds: null, lockoutThreshold: 5,
};

describe('password precheck, as AD applies the policy', () => {
  test('three of the character categories are enough', () => {
    expect(meetsComplexity('abcDEF12', {})).toBe(true);
    expect(meetsComplexity('abc-def-12', {})).toBe(true);
    expect(meetsComplexity('abcdefgh12', {})).toBe(false);
    expect(meetsComplexity('ÄÖÜäöü12', {})).toBe(true);
  });

  test('the account name and display-name tokens of three or more characters are not allowed', () => {
    expect(meetsComplexity('xJsmith-99', { samAccountName: 'jsmith' })).toBe(false);
    expect(meetsComplexity('Pw-Berg-2024', { displayName: 'Bob Berg' })).toBe(false);
    expect(meetsComplexity('Pw-Bo-2024x', { displayName: 'Bo Li' })).toBe(true);
  });

  test('the first broken rule is reported', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    expect(precheckPassword({ password: 'Ab1!', policy })).toBe('too_short');
    expect(precheckPassword({ password: 'abcdefghij', policy })).toBe('complexity');
    expect(precheckPassword({ password: 'Good-Pass-123', policy, passwordLastSet: new Date('2026-01-01T12:00:00Z'), now })).toBe('too_young');
    expect(precheckPassword({ password: 'Good-Pass-123', policy, passwordLastSet: new Date('2025-12-31T23:00:00Z'), now })).toBeNull();
    expect(precheckPassword({ password: 'abcdefghij', policy: { ...policy, complexity: false } })).toBeNull();
  });
});
