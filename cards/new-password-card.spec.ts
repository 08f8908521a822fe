import { buildChangePasswordCard, buildNewPasswordCard, describeRules } from './new-password-card';
import { ACTION } from './testing/card-samples';
import { buttons, inputs, visibleText } from './testing/card-text';

describe('the new-password card', () => {
  it('has two required password inputs, new and confirm, and submits them as password.submit', () => {
    const card = buildNewPasswordCard({ ...ACTION, rules: { minLength: 12 } });
    expect(inputs(card).map((i) => [i.id, i.style, i.isRequired])).toEqual([
      ['newPassword', 'password', true],
      ['confirmPassword', 'password', true],
    ]);
    expect(buttons(card).map((b) => b.verb)).toEqual(['password.submit', 'request.cancel']);
  });

  it('the change flavour also asks for the current password and submits as password.submitChange', () => {
    const card = buildChangePasswordCard({ ...ACTION, rules: { minLength: 12 } });
    expect(inputs(card).map((i) => i.id)).toEqual(['currentPassword', 'newPassword', 'confirmPassword']);
    expect(buttons(card).map((b) => b.verb)).toEqual(['password.submitChange', 'request.cancel']);
    expect(visibleText(card)).toContain('Change your password');
  });

  it('states the policy as short rules', () => {
    expect(describeRules({ minLength: 14, complexity: true, historyLength: 24, notNames: true, notCommon: true, notBreached: true })).toEqual([
      'At least 14 characters',
      '3 of these: capital letters, small letters, numbers, symbols',
      'Not your name or account name',
      'Not a common or leaked password',
      'Not one of your last 24 passwords',
    ]);
    expect(describeRules({ minLength: 8, complexity: false, historyLength: 0, notNames: false, notCommon: false, notBreached: false })).toEqual([
      'At least 8 characters',
    ]);
  });

  it('lists each reason for a refusal once, and words an unknown reason as a plain refusal', () => {
    const card = buildNewPasswordCard({
      ...ACTION,
      rules: { minLength: 12 },
      problems: ['POLICY_TOO_SHORT', 'POLICY_TOO_SHORT', 'POLICY_SOMETHING_NEW' as 'POLICY_REJECTED'],
    });
    const text = visibleText(card);
    expect(text.match(/too short: use at least 12 characters/g)).toHaveLength(1);
    expect(text).toContain('The company directory did not accept it.');
  });

  it('shows no problem box on a first try', () => {
    expect(visibleText(buildNewPasswordCard({ ...ACTION, rules: { minLength: 12 } }))).not.toContain('Please try again');
  });
});
