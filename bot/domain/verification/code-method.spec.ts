import { randomBytes } from 'node:crypto';
import { ResetDeskError } from '../../errors';
import { assertNoSecrets } from '../audit';
import { asyncRefusalOf, at, HELPDESK_HANK, sampleRequest, T0 } from '../request-fixtures';
import { createEmailMethod } from './email-method';
import { DEFAULT_CODE_POLICY } from './one-time-code';
import { createSmsMethod, smsNumberOf } from './sms-method';
import type { MailSender, SmsSender, VerificationContext } from './verification-method';

const pepper = randomBytes(32);
const user = { alternateEmail: 'alice.private@example.org', mobilePhone: '+1 425 555 0142' };
const ctx = (now: Date = T0, request = sampleRequest()): VerificationContext => ({ request, user, now });

function mailbox(): MailSender & { sent: Array<{ to: string; subject: string; text: string }> } {
  const sent: Array<{ to: string; subject: string; text: string }> = [];
  return { sent, sendMail: async (m) => void sent.push(m) };
}
function phone(): SmsSender & { sent: Array<{ to: string; text: string }> } {
  const sent: Array<{ to: string; text: string }> = [];
  return { sent, send: async (to, text) => void sent.push({ to, text }) };
}
const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? '';

describe('a code by e-mail', () => {
  test('goes to the registered alternate address, and passes when typed back', async () => {
    const mail = mailbox();
    const method = createEmailMethod({ mail, pepper, policy: DEFAULT_CODE_POLICY });
    const { challenge, audit } = await method.start(ctx());
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]?.to).toBe('alice.private@example.org');
    expect(mail.sent[0]?.text).toContain('expires in 10 minutes');
    const code = codeIn(mail.sent[0]?.text ?? '');
    expect(challenge.maskedTarget).toBe('a•••@example.org');
    expect(audit).toMatchObject({ action: 'verification.code_sent', details: { method: 'email', target: 'a•••@example.org' } });
    expect((await method.check(challenge, { method: 'email', code }, ctx(at(2)))).outcome).toBe('passed');
  });

  test('the code appears in the message only: not in the challenge, the audit entry or the card text', async () => {
    const mail = mailbox();
    const method = createEmailMethod({ mail, pepper, policy: DEFAULT_CODE_POLICY });
    const { challenge, audit } = await method.start(ctx());
    const code = codeIn(mail.sent[0]?.text ?? '');
    expect(() => assertNoSecrets(audit.details, [code])).not.toThrow();
    expect(JSON.stringify(challenge)).not.toContain(code);
  });

  test('is not offered to a user without an alternate address, and sends nothing', async () => {
    const mail = mailbox();
    const method = createEmailMethod({ mail, pepper, policy: DEFAULT_CODE_POLICY });
    expect(method.isAvailable({})).toBe(false);
    const err = await asyncRefusalOf(method.start({ ...ctx(), user: {} }));
    expect(err.code).toBe('VERIFY_METHOD_UNAVAILABLE');
    expect(mail.sent).toHaveLength(0);
  });

  test('a mail failure is reported without the code, even if the mail system quoted it', async () => {
    let quoted = '';
    const broken: MailSender = { sendMail: async (m) => { quoted = m.text; throw new Error(`550 rejected: ${m.text}`); } };
    const method = createEmailMethod({ mail: broken, pepper, policy: DEFAULT_CODE_POLICY });
    const err = await asyncRefusalOf(method.start(ctx()));
    expect(err.code).toBe('VERIFY_DELIVERY_FAILED');
    expect(JSON.stringify({ message: err.message, details: err.details, cause: String(err.cause) })).not.toContain(codeIn(quoted));
  });

  test('a resend is rate-limited, then sends a fresh code', async () => {
    const mail = mailbox();
    const method = createEmailMethod({ mail, pepper, policy: DEFAULT_CODE_POLICY });
    const { challenge } = await method.start(ctx());
    expect((await asyncRefusalOf(method.resend(challenge, ctx(at(0.5))))).code).toBe('VERIFY_RESEND_TOO_SOON');
    expect(mail.sent).toHaveLength(1);
    const resent = await method.resend(challenge, ctx(at(1)));
    expect(mail.sent).toHaveLength(2);
    expect(resent.audit).toMatchObject({ action: 'verification.code_resent', details: { send: 2 } });
    expect((await method.check(resent.challenge, { method: 'email', code: codeIn(mail.sent[1]?.text ?? '') }, ctx(at(2)))).outcome).toBe('passed');
  });

  test('when the helpdesk asked for it, the message says so', async () => {
    const mail = mailbox();
    const method = createEmailMethod({ mail, pepper, policy: DEFAULT_CODE_POLICY });
    await method.start(ctx(T0, sampleRequest({ requestedBy: HELPDESK_HANK })));
    expect(mail.sent[0]?.text).toContain('helpdesk colleague you are speaking with');
  });
});

describe('a code by SMS', () => {
  test('goes to the registered mobile in E.164 and passes when typed back', async () => {
    const sms = phone();
    const method = createSmsMethod({ sms, pepper, policy: DEFAULT_CODE_POLICY });
    const { challenge } = await method.start(ctx());
    expect(sms.sent[0]?.to).toBe('+14255550142');
    expect(challenge.maskedTarget).toBe('+1 ••• ••• ••42');
    const code = codeIn(sms.sent[0]?.text ?? '');
    expect((await method.check(challenge, { method: 'sms', code }, ctx(at(1)))).outcome).toBe('passed');
  });

  test('is not offered for a number that cannot take a text', () => {
    const method = createSmsMethod({ sms: phone(), pepper, policy: DEFAULT_CODE_POLICY });
    expect(method.isAvailable({ mobilePhone: '+1 4255550100x123' })).toBe(false);
    expect(method.isAvailable({ mobilePhone: '425 555 0142' })).toBe(false);
    expect(smsNumberOf('+44 7700 900142')).toBe('+447700900142');
  });

  test("the SMS provider's own typed error reaches the user as it is", async () => {
    const throttled: SmsSender = { send: async () => { throw new ResetDeskError('SMS_THROTTLED', 'Too many text messages are being sent right now.'); } };
    const method = createSmsMethod({ sms: throttled, pepper, policy: DEFAULT_CODE_POLICY });
    expect((await asyncRefusalOf(method.start(ctx()))).code).toBe('SMS_THROTTLED');
  });
});
