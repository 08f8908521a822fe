import { createHash } from 'node:crypto';
import { hashStepToken, issueStepToken, stepTokenMatches } from './step-token';

describe('step tokens on card actions', () => {
  test('a token is 256 random bits, safe to put in a card payload', () => {
    const token = issueStepToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  test('no two tokens are the same', () => {
    const tokens = new Set(Array.from({ length: 2000 }, issueStepToken));
    expect(tokens.size).toBe(2000);
  });

  test('only the SHA-256 of the token is stored, and it does not reveal the token', () => {
    const token = issueStepToken();
    const hash = hashStepToken(token);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).not.toContain(token);
  });

  test('the token from the current card matches', () => {
    const token = issueStepToken();
    expect(stepTokenMatches(token, hashStepToken(token))).toBe(true);
  });

  test('a click from an older card (a rotated token) does not match', () => {
    const old = issueStepToken();
    const current = issueStepToken();
    expect(stepTokenMatches(old, hashStepToken(current))).toBe(false);
  });

  test.each<[string, unknown, string]>([
    ['a missing token', undefined, hashStepToken('x')],
    ['an empty token', '', hashStepToken('')],
    ['a token that is not a string', 12345, hashStepToken('12345')],
    ['an absurdly long token', 'a'.repeat(300), hashStepToken('a'.repeat(300))],
    ['a stored hash that is not a SHA-256', 'abc', 'not-a-hash'],
  ])('%s never matches', (_what, token, hash) => {
    expect(stepTokenMatches(token, hash)).toBe(false);
  });
});
