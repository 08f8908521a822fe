import { randomUUID } from 'node:crypto';
import { capturedLogger, failureOf } from '../../test/support/failures';
import { startFakeSms, type FakeSms } from '../../test/support/fake-sms';
import { createHttpSmsSender, maskPhoneNumber, type HttpSmsSender } from './sms-sender';

describe('sending one-time codes by SMS through the HTTP provider', () => {
  const apiKey = `CANARY-sms-key-${randomUUID()}`;
  let sms: FakeSms;
  let sender: HttpSmsSender;
  let logs: ReturnType<typeof capturedLogger>;
  const open: HttpSmsSender[] = [];
  const make = (overrides: Parameters<FakeSms['senderConfig']>[0] = {}) => {
    const s = createHttpSmsSender(sms.senderConfig(overrides), { logger: logs.logger });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    sms = await startFakeSms({ apiKey });
  });
  beforeEach(() => {
    logs = capturedLogger();
    sms.clearFaults();
    sender = make();
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    await sms.close();
  });

  it('delivers the text to the number with the API key as a bearer token', async () => {
    const receipt = await sender.send('+447700900142', 'Your ResetDesk code is 318274. It expires in 10 minutes.');
    expect(sms.lastMessageTo('+447700900142')?.text).toBe('Your ResetDesk code is 318274. It expires in 10 minutes.');
    expect(receipt.providerMessageId).toBe(sms.lastMessageTo('+447700900142')?.id);
  });

  it('refuses a number that is not E.164 before contacting the provider', async () => {
    const seen = sms.requests.length;
    for (const bad of ['07700900142', '+44 7700 900142', '+0123456789', '']) {
      expect((await failureOf(sender.send(bad, 'hello'))).code).toBe('SMS_INVALID_NUMBER');
    }
    expect((await failureOf(sender.send('+447700900142', ''))).code).toBe('SMS_INVALID_TEXT');
    expect(sms.requests.length).toBe(seen);
  });

  it.each([
    [{ status: 503 }, 'SMS_UNAVAILABLE', /can't be reached right now/],
    [{ status: 429, retryAfter: 30 }, 'SMS_THROTTLED', /Too many text messages/],
    [{ status: 422 }, 'SMS_REJECTED', /could not be sent to that number/],
    [{ status: 401 }, 'SMS_NOT_AUTHORISED', /administrator needs to check the SMS provider settings/],
  ])('a provider answering %j is reported as %s', async (fault, code, message) => {
    sms.inject(fault);
    const err = await failureOf(sender.send('+447700900142', 'code 1'));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('a wrong API key is an admin problem, not the user’s', async () => {
    const err = await failureOf(make({ apiKey: 'not-the-key' }).send('+447700900142', 'code 2'));
    expect(err.code).toBe('SMS_NOT_AUTHORISED');
  });

  it('times out when the provider does not answer', async () => {
    sms.inject({ hang: true });
    const err = await failureOf(make({ timeoutMs: 300 }).send('+447700900142', 'code 3'));
    expect(err.code).toBe('SMS_TIMEOUT');
  });

  it('reports an unreachable provider as unavailable', async () => {
    const err = await failureOf(make({ url: 'https://localhost:1/v1/messages' }).send('+447700900142', 'code 4'));
    expect(err.code).toBe('SMS_UNAVAILABLE');
  });

  it('never puts the API key, the code or the full number in logs or errors', async () => {
    const canaryCode = '66120937';
    await sender.send('+447700900142', `Your ResetDesk code is ${canaryCode}`);
    sms.inject({ status: 500 });
    const err = await failureOf(sender.send('+447700900142', `Your ResetDesk code is ${canaryCode}`));
    const text = [logs.text(), err.message, JSON.stringify(err), err.stack ?? ''].join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(text).toContain(maskPhoneNumber('+447700900142'));
    for (const secret of [apiKey, canaryCode, '+447700900142']) expect(text).not.toContain(secret);
    // The key did travel to the provider, so its absence above is meaningful.
    expect(sms.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('rejects a plain-http provider URL and a missing key at start-up, without echoing the key', () => {
    expect(() => createHttpSmsSender({ url: 'http://sms.example/v1/messages', apiKey })).toThrow(/sms.url: must be an https:\/\/ URL/);
    expect(() => createHttpSmsSender({ url: 'https://sms.example/v1/messages', apiKey: '' })).toThrow(/sms.apiKey: is required/);
    try {
      createHttpSmsSender({ url: 'nope', apiKey });
    } catch (err) {
      expect((err as Error).message).not.toContain(apiKey);
    }
  });
});
