import { buildEnterCodeCard } from './enter-code-card';
import { ACTION } from './testing/card-samples';
import { buttons, inputs, visibleText } from './testing/card-text';

const destination = { kind: 'email', address: 'alice@contoso.com' } as const;

describe('the enter-code card', () => {
  it('says where the code went and how long it works, with a required numeric input of at most 8 characters', () => {
    const card = buildEnterCodeCard({ ...ACTION, destination });
    expect(visibleText(card)).toContain('We sent a 6-digit code to a•••@contoso.com. It works for 10 minutes.');
    expect(inputs(card)).toEqual([expect.objectContaining({ id: 'code', type: 'Input.Text', maxLength: 8, isRequired: true, style: 'tel' })]);
    expect(inputs(card)[0]).not.toHaveProperty('value');
  });

  it('offers Submit, "Send a new code" and Cancel, and only Submit sends the code', () => {
    const card = buildEnterCodeCard({ ...ACTION, destination });
    expect(buttons(card).map((b) => [b.title, b.verb])).toEqual([
      ['Check code', 'verify.submitCode'],
      ['Send a new code', 'verify.resendCode'],
      ['Cancel', 'request.cancel'],
    ]);
    expect(card.actions!.map((a) => a.associatedInputs)).toEqual([undefined, 'none', 'none']);
  });

  it.each([
    [{ kind: 'wrongCode', triesLeft: 3 }, 'That code is not right. 3 tries left.'],
    [{ kind: 'wrongCode', triesLeft: 1 }, 'That code is not right. 1 try left.'],
    [{ kind: 'codeExpired' }, 'That code has expired. Tap "Send a new code".'],
    [{ kind: 'newCodeSent' }, 'We sent you a new code. Use the newest one.'],
    [{ kind: 'resendTooSoon', retryAfterSeconds: 90 }, 'Please wait 2 minutes before asking for a new code.'],
    [{ kind: 'resendTooSoon', retryAfterSeconds: 60 }, 'Please wait 1 minute before asking for a new code.'],
    [{ kind: 'resendTooSoon', retryAfterSeconds: 1 }, 'Please wait 1 second before asking for a new code.'],
  ] as const)('explains what happened: %j', (notice, text) => {
    expect(visibleText(buildEnterCodeCard({ ...ACTION, destination, notice }))).toContain(text);
  });

  it('reads naturally for an 8-digit code sent by text message', () => {
    const card = buildEnterCodeCard({ ...ACTION, destination: { kind: 'sms', phoneNumber: '+1 4255550142' }, codeLength: 8 });
    expect(visibleText(card)).toContain('We sent an 8-digit code to +1 ••• ••• ••42.');
  });
});
