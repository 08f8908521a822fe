import { buildChooseMethodCard } from './choose-method-card';
import { ACTION } from './testing/card-samples';
import { buttons, inputs, visibleText } from './testing/card-text';

const methods = [
  { id: 'email-1', kind: 'email', address: 'alice@contoso.com' },
  { id: 'sms-1', kind: 'sms', phoneNumber: '+1 4255550142' },
  { id: 'manager', kind: 'manager', managerName: 'Dana Smith' },
  { id: 'mfa', kind: 'mfa' },
] as const;

describe('the choose-a-method card', () => {
  it('lists the methods with masked targets, the first one chosen, under one Continue button', () => {
    const card = buildChooseMethodCard({ ...ACTION, operation: 'reset', methods: [...methods] });
    const [choice] = inputs(card);
    expect(choice).toMatchObject({ type: 'Input.ChoiceSet', id: 'method', style: 'expanded', value: 'email-1' });
    expect(choice!.choices).toEqual([
      { title: 'E-mail a code to a•••@contoso.com', value: 'email-1' },
      { title: 'Text a code to +1 ••• ••• ••42', value: 'sms-1' },
      { title: 'Ask my manager, Dana Smith', value: 'manager' },
      { title: 'Sign in again with MFA', value: 'mfa' },
    ]);
    expect(buttons(card).map((b) => b.verb)).toEqual(['verify.chooseMethod', 'request.cancel']);
    expect(visibleText(card)).not.toMatch(/Step \d of/);
  });

  it('shows "step X of Y" when the account needs more than one check', () => {
    const card = buildChooseMethodCard({ ...ACTION, operation: 'reset', methods: [methods[1]], step: { current: 2, total: 2 } });
    expect(visibleText(card)).toContain('Step 2 of 2');
    expect(visibleText(card)).toContain('One more check');
  });

  it('refuses an empty method list, a repeated method id, and a step past the last', () => {
    expect(() => buildChooseMethodCard({ ...ACTION, operation: 'reset', methods: [] })).toThrow(/methods/);
    expect(() => buildChooseMethodCard({ ...ACTION, operation: 'reset', methods: [methods[3], methods[3]] })).toThrow(/methods/);
    expect(() => buildChooseMethodCard({ ...ACTION, operation: 'reset', methods: [methods[3]], step: { current: 3, total: 2 } })).toThrow(/step/);
  });
});
