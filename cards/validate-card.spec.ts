import { validateCard } from './validate-card';

const ids = { requestId: '5f0c6a52-8d8e-4b55-9a43-3f6c9e2b7a10', stepToken: 'stp_Xq3v9LmR2kP8wT4yZ1aB6cD0eF' };

function card(body: unknown[], actions: unknown[] = []): Record<string, unknown> {
  return { type: 'AdaptiveCard', version: '1.5', body, actions };
}

const good = () =>
  card(
    [
      { type: 'TextBlock', text: 'Type the code', wrap: true },
      { type: 'Input.Text', id: 'code', label: 'Code', isRequired: true, errorMessage: 'Type the code.' },
    ],
    [{ type: 'Action.Execute', title: 'Check', verb: 'verify.submitCode', data: { ...ids } }],
  );

describe('the card checker', () => {
  it('passes a well-formed card', () => {
    expect(validateCard(good())).toEqual([]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a misspelt element type', () => card([{ type: 'TextBlok', text: 'hi', wrap: true }]), /UnknownElementType/],
    ['an unknown action type', () => card([], [{ type: 'Action.Foo', title: 'x' }]), /UnknownActionType/],
    ['an invalid enum value', () => card([{ type: 'TextBlock', text: 'hi', wrap: true, size: 'Huge' }]), /InvalidPropertyValue/],
    ['two inputs with the same id', () => card([{ type: 'Input.Text', id: 'a' }, { type: 'Input.Text', id: 'a' }]), /DuplicateId/],
    ['a required input without a label', () => card([{ type: 'Input.Text', id: 'a', isRequired: true, errorMessage: 'e' }]), /RequiredInputsShouldHaveLabel/],
    ['a choice set without choices', () => card([{ type: 'Input.ChoiceSet', id: 'c', choices: [] }]), /CollectionCantBeEmpty/],
    ['a card version Teams does not know', () => ({ ...good(), version: '1.9' }), /UnsupportedCardVersion|version must be "1.5"/],
    ['a card that is not version 1.5', () => ({ ...good(), version: '1.2' }), /version must be "1.5"/],
    ['a binding left unexpanded', () => card([{ type: 'TextBlock', text: 'Hi ${displayName}', wrap: true }]), /unexpanded/],
    ['text that does not wrap', () => card([{ type: 'TextBlock', text: 'hi' }]), /must wrap/],
    ['a TextBlock with no text', () => card([{ type: 'TextBlock', wrap: true }]), /has no text/],
    ['an Action.Submit', () => card([], [{ type: 'Action.Submit', title: 'Go' }]), /use Action.Execute/],
    ['an unknown verb', () => card([], [{ type: 'Action.Execute', title: 'Go', verb: 'menu.hack', data: { ...ids } }]), /is not a CardVerb/],
    ['an action without a step token', () => card([], [{ type: 'Action.Execute', title: 'Go', verb: 'menu.reset', data: { requestId: ids.requestId } }]), /data.stepToken/],
    [
      'a button that does not send the input its verb needs',
      () => card([], [{ type: 'Action.Execute', title: 'Check', verb: 'verify.submitCode', data: { ...ids } }]),
      /needs "code"/,
    ],
    [
      'a button that sends an input its verb does not read',
      () =>
        card(
          [{ type: 'Input.Text', id: 'newPassword', label: 'New', style: 'password' }],
          [{ type: 'Action.Execute', title: 'Cancel', verb: 'request.cancel', data: { ...ids } }],
        ),
      /submits input "newPassword"/,
    ],
    [
      'a password input with a value',
      () =>
        card(
          [
            { type: 'Input.Text', id: 'newPassword', label: 'New', style: 'password', value: 'hunter2' },
            { type: 'Input.Text', id: 'confirmPassword', label: 'Again', style: 'password' },
          ],
          [{ type: 'Action.Execute', title: 'Set', verb: 'password.submit', data: { ...ids } }],
        ),
      /takes a secret and must not have a value/,
    ],
  ])('reports %s', (_what, broken, expected) => {
    const problems = validateCard(broken());
    expect(problems.join('\n')).toMatch(expected);
  });
});
