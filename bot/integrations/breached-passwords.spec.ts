import { createHash, randomUUID } from 'node:crypto';
import { capturedLogger, failureOf } from '../../test/support/failures';
import { startFakePwned, type FakePwned } from '../../test/support/fake-pwned';
import { createPwnedPasswordsClient, splitPasswordHash, type PwnedPasswordsClient } from './breached-passwords';

describe('checking a new password against known breaches by k-anonymity', () => {
  const canary = `Canary-Pa55word-${randomUUID()}`;
  let pwned: FakePwned;
  let client: PwnedPasswordsClient;
  let logs: ReturnType<typeof capturedLogger>;
  const open: PwnedPasswordsClient[] = [];
  const make = (overrides: Parameters<FakePwned['clientConfig']>[0] = {}) => {
    const c = createPwnedPasswordsClient(pwned.clientConfig(overrides), { logger: logs.logger });
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    pwned = await startFakePwned({ breached: [{ password: 'Summer2024!', count: 4211 }, { password: canary, count: 3 }] });
  });
  beforeEach(() => {
    logs = capturedLogger();
    pwned.clearFaults();
    client = make();
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await pwned.close();
  });

  it('reports a breached password with how often it was seen', async () => {
    expect(await client.check('Summer2024!')).toEqual({ breached: true, count: 4211 });
  });

  it('passes a password that is in no breach, padding entries included', async () => {
    expect(await client.check(`never-breached-${randomUUID()}`)).toEqual({ breached: false, count: 0 });
    expect(pwned.requests.at(-1)?.headers['add-padding']).toBe('true');
  });

  it('sends only the first five characters of the hash: never the password, its hash or its suffix', async () => {
    const before = pwned.requests.length;
    expect(await client.check(canary)).toEqual({ breached: true, count: 3 });
    const sent = pwned.requests.slice(before);
    expect(sent).toHaveLength(1);
    const hex = createHash('sha1').update(canary).digest('hex');
    const { prefix, suffix } = splitPasswordHash(canary);
    expect(sent[0]?.url).toBe(`/range/${prefix}`);
    const everything = JSON.stringify(sent) + logs.text();
    for (const secret of [canary, hex, hex.toUpperCase(), suffix, suffix.toLowerCase(), encodeURIComponent(canary)]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('says the check cannot be done when the service fails, without revealing the password', async () => {
    pwned.inject({ status: 503 });
    const err = await failureOf(client.check(canary));
    expect(err.code).toBe('BREACH_CHECK_UNAVAILABLE');
    expect(err.message).toMatch(/can't be done right now/);
    expect([err.message, JSON.stringify(err), logs.text()].join('\n')).not.toContain(canary);
  });

  it('times out when the service does not answer', async () => {
    pwned.inject({ hang: true });
    expect((await failureOf(make({ timeoutMs: 300 }).check(canary))).code).toBe('BREACH_CHECK_TIMEOUT');
  });

  it('refuses an answer that is not a hash range, such as a proxy page', async () => {
    pwned.inject({ status: 200, body: '<html><body>Sign in to the guest Wi-Fi</body></html>' });
    expect((await failureOf(client.check(canary))).code).toBe('BREACH_CHECK_BAD_RESPONSE');
  });

  it('defaults to the public Pwned Passwords endpoint and insists on https', () => {
    expect(() => createPwnedPasswordsClient({ endpoint: 'http://pwned.example' })).toThrow(/pwned.endpoint: must be an https:\/\/ URL/);
    expect(() => createPwnedPasswordsClient().close()).not.toThrow();
  });
});
