import { randomBytes } from 'node:crypto';
import { assertNoSecrets } from '../audit';
import { ALICE, at, refusalOf, sampleRequest, T0 } from '../request-fixtures';
import {
  checkCodeChallenge, codeMatches, codePolicySchema, DEFAULT_CODE_POLICY, generateCode, hashCode, openCodeChallenge, reissueCode,
} from './one-time-code';
import type { CodeChallenge, VerificationContext } from './verification-method';

const pepper = randomBytes(32);
const ctxAt = (now: Date): VerificationContext => ({ request: sampleRequest(), user: {}, now });
const open = () => openCodeChallenge({ method: 'email', requestId: 'req-1', maskedTarget: 'a•••@contoso.com', policy: DEFAULT_CODE_POLICY, pepper, now: T0 });
const check = (challenge: CodeChallenge, code: string, now: Date) => checkCodeChallenge(challenge, { method: 'email', code }, ctxAt(now), pepper, { type: 'user', id: ALICE });
const wrong = (code: string) => (code === '000000' ? '000001' : '000000');

describe('one-time codes', () => {
  test('a code has the configured number of digits, leading zeros included', () => {
    for (const digits of [6, 7, 8]) {
      for (let i = 0; i < 200; i++) expect(generateCode(digits)).toMatch(new RegExp(`^[0-9]{${digits}}$`));
    }
    expect(Array.from({ length: 5000 }, () => generateCode(6)).some((c) => c.startsWith('0'))).toBe(true);
  });

  test('every first digit is about equally likely', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[Number(generateCode(6)[0])]! += 1;
    // ±9 standard deviations around 2,000: a real bias shows, chance does not.
    for (const n of counts) expect(Math.abs(n - 2000)).toBeLessThan(400);
  });

  test('codes shorter than 6 or longer than 8 digits are refused', () => {
    expect(refusalOf(() => generateCode(4)).code).toBe('CONFIG_INVALID');
    expect(refusalOf(() => generateCode(9)).code).toBe('CONFIG_INVALID');
    expect(codePolicySchema.safeParse({ digits: 5 }).success).toBe(false);
  });

  test('the challenge keeps only a salted hash, never the code', () => {
    const { challenge, code } = open();
    expect(() => assertNoSecrets(Object.fromEntries(Object.entries(challenge).map(([k, v]) => [k, String(v)])), [code])).not.toThrow();
    expect(challenge.codeHash).toBe(hashCode(code, challenge.codeSalt, pepper));
  });

  test('the same code gets a different hash in every challenge, and the server key is part of it', () => {
    expect(hashCode('123456', 'salt-a', pepper)).not.toBe(hashCode('123456', 'salt-b', pepper));
    expect(hashCode('123456', 'salt-a', pepper)).not.toBe(hashCode('123456', 'salt-a', randomBytes(32)));
    expect(codeMatches('123456', 'salt-a', hashCode('123456', 'salt-a', pepper), pepper)).toBe(true);
    expect(codeMatches('123457', 'salt-a', hashCode('123456', 'salt-a', pepper), pepper)).toBe(false);
  });

  test('a server key shorter than 32 bytes is refused', () => {
    expect(refusalOf(() => openCodeChallenge({ method: 'sms', requestId: 'r', maskedTarget: 'x', policy: DEFAULT_CODE_POLICY, pepper: Buffer.from('short'), now: T0 })).code).toBe('CONFIG_INVALID');
  });
});

describe('checking a code', () => {
  test('the right code passes', () => {
    const { challenge, code } = open();
    const result = check(challenge, code, at(3));
    expect(result.outcome).toBe('passed');
    expect(result.challenge.status).toBe('passed');
  });

  test('a code typed with spaces or a dash still passes', () => {
    const { challenge, code } = open();
    expect(check(challenge, `${code.slice(0, 3)} ${code.slice(3)}`, at(1)).outcome).toBe('passed');
    expect(check(challenge, `${code.slice(0, 3)}-${code.slice(3)}`, at(1)).outcome).toBe('passed');
  });

  test('a wrong code says how many tries are left', () => {
    const { challenge, code } = open();
    const result = check(challenge, wrong(code), at(1));
    expect(result.outcome).toBe('retry');
    if (result.outcome === 'passed') throw new Error('unreachable');
    expect(result.error.code).toBe('VERIFY_CODE_WRONG');
    expect(result.error.details).toEqual({ triesLeft: 4 });
    expect(result.error.message).toBe('That code is not right. You have 4 tries left.');
    expect(result.challenge.attempts).toBe(1);
    expect(result.audit).toMatchObject({ action: 'verification.code_wrong', details: { triesLeft: 4 } });
  });

  test('a code is refused after five wrong tries and the request is to be closed', () => {
    let { challenge, code } = open();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = check(challenge, wrong(code), at(1));
      seen.push(result.outcome === 'passed' ? 'passed' : `${result.outcome}:${result.error.code}:${String(result.error.details.triesLeft ?? '-')}`);
      challenge = result.challenge;
    }
    expect(seen).toEqual(['retry:VERIFY_CODE_WRONG:4', 'retry:VERIFY_CODE_WRONG:3', 'retry:VERIFY_CODE_WRONG:2', 'retry:VERIFY_CODE_WRONG:1', 'failed:VERIFY_TOO_MANY_TRIES:-']);
    expect(challenge.status).toBe('failed');
    // Even the right code is now refused.
    expect(refusalOf(() => check(challenge, code, at(2))).code).toBe('VERIFY_TOO_MANY_TRIES');
  });

  test('something that is not a code is refused without using up a try', () => {
    const { challenge } = open();
    for (const junk of ['12345', '1234567', 'abcdef', '', '12 34 5x']) {
      const err = refusalOf(() => check(challenge, junk, at(1)));
      expect(err.code).toBe('VERIFY_CODE_MALFORMED');
    }
    expect(challenge.attempts).toBe(0);
  });

  test('a code expires after 10 minutes', () => {
    const { challenge, code } = open();
    expect(check(challenge, code, new Date(at(10).getTime() - 1)).outcome).toBe('passed');
    const late = check(challenge, code, at(10));
    expect(late.outcome).toBe('expired');
    if (late.outcome === 'passed') throw new Error('unreachable');
    expect(late.error.code).toBe('VERIFY_CODE_EXPIRED');
    expect(refusalOf(() => check(late.challenge, code, at(11))).code).toBe('VERIFY_CODE_EXPIRED');
  });

  test('a used code cannot be used again', () => {
    const { challenge, code } = open();
    const passed = check(challenge, code, at(1)).challenge;
    expect(refusalOf(() => check(passed, code, at(2))).code).toBe('VERIFY_CHALLENGE_USED');
  });

  test('an answer for another request or another method is refused', () => {
    const { challenge, code } = open();
    const other = { ...ctxAt(at(1)), request: sampleRequest({ id: 'req-2' }) };
    expect(refusalOf(() => checkCodeChallenge(challenge, { method: 'email', code }, other, pepper, { type: 'user', id: ALICE })).code).toBe('VERIFY_CHALLENGE_MISMATCH');
    expect(refusalOf(() => check({ ...challenge, method: 'sms' }, code, at(1))).code).toBe('VERIFY_CHALLENGE_MISMATCH');
  });
});

describe('sending a new code', () => {
  test('a new code cannot be asked for within a minute of the last one', () => {
    const { challenge } = open();
    const err = refusalOf(() => reissueCode(challenge, DEFAULT_CODE_POLICY, pepper, new Date(T0.getTime() + 45_000)));
    expect(err.code).toBe('VERIFY_RESEND_TOO_SOON');
    expect(err.details).toEqual({ retryAfterSeconds: 15 });
  });

  test('after a minute a new code replaces the old one, and the old one stops working', () => {
    const first = open();
    const second = reissueCode(first.challenge, DEFAULT_CODE_POLICY, pepper, at(1));
    expect(second.challenge).toMatchObject({ sendCount: 2, lastSentAt: at(1), expiresAt: at(11) });
    if (second.code !== first.code) expect(check(second.challenge, first.code, at(2)).outcome).toBe('retry');
    expect(check(second.challenge, second.code, at(2)).outcome).toBe('passed');
  });

  test('tries already used stay used after a resend', () => {
    const first = open();
    const after = check(first.challenge, wrong(first.code), at(0.5)).challenge;
    const resent = reissueCode(after, DEFAULT_CODE_POLICY, pepper, at(1));
    expect(resent.challenge.attempts).toBe(1);
  });

  test('at most three codes are sent for one challenge', () => {
    let { challenge } = open();
    challenge = reissueCode(challenge, DEFAULT_CODE_POLICY, pepper, at(1)).challenge;
    challenge = reissueCode(challenge, DEFAULT_CODE_POLICY, pepper, at(2)).challenge;
    expect(refusalOf(() => reissueCode(challenge, DEFAULT_CODE_POLICY, pepper, at(3))).code).toBe('VERIFY_RESEND_LIMIT');
  });

  test('an expired code can be replaced by a fresh one', () => {
    const first = open();
    const expired = check(first.challenge, first.code, at(11)).challenge;
    const resent = reissueCode(expired, DEFAULT_CODE_POLICY, pepper, at(11));
    expect(resent.challenge.status).toBe('pending');
    expect(check(resent.challenge, resent.code, at(12)).outcome).toBe('passed');
  });

  test('no new code is sent for a challenge that failed', () => {
    const { challenge } = open();
    expect(refusalOf(() => reissueCode({ ...challenge, status: 'failed' }, DEFAULT_CODE_POLICY, pepper, at(5))).code).toBe('VERIFY_TOO_MANY_TRIES');
  });
});
