// A local stand-in for the SMS provider: accepts POST {to, text} with the
// bearer API key and keeps every message, so a journey test can read the
// one-time code a user would have received on their phone.
//
//   const sms = await startFakeSms();
//   const sender = createHttpSmsSender(sms.senderConfig());
//   ... later: /\d{6,8}/.exec(sms.lastMessageTo('+447700900142')?.text ?? '')
import { randomBytes, randomUUID } from 'node:crypto';
import type { HttpSmsSenderConfig } from '../../bot/integrations/sms-sender';
import { FaultBook, sendJson, startFakeHttpsServer, type FakeFault, type RecordedRequest } from './fake-https-server';

export interface FakeSmsMessage {
  id: string;
  to: string;
  text: string;
  at: Date;
}

export interface FakeSms {
  /** The send endpoint. */
  url: string;
  apiKey: string;
  caPem: string;
  messages: FakeSmsMessage[];
  requests: RecordedRequest[];
  lastMessageTo(to: string): FakeSmsMessage | undefined;
  /** The next calls answer with this fault instead (see FakeFault). */
  inject(fault: FakeFault): void;
  clearFaults(): void;
  senderConfig(overrides?: Partial<HttpSmsSenderConfig>): HttpSmsSenderConfig;
  close(): Promise<void>;
}

export async function startFakeSms(opts: { apiKey?: string } = {}): Promise<FakeSms> {
  const apiKey = opts.apiKey ?? `sms_${randomBytes(18).toString('base64url')}`;
  const messages: FakeSmsMessage[] = [];
  const faults = new FaultBook<'send'>();
  const problem = (status: number, error: string) => ({ error, status });

  const server = await startFakeHttpsServer(faults, (status) => problem(status, 'injected'), ({ req, res, body, url }) => {
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return undefined;
    return {
      route: 'send',
      respond: () => {
        if (req.headers.authorization !== `Bearer ${apiKey}`) return sendJson(res, 401, problem(401, 'invalid_api_key'));
        let parsed: { to?: unknown; text?: unknown } | undefined;
        try {
          parsed = JSON.parse(body) as { to?: unknown; text?: unknown };
        } catch {
          return sendJson(res, 400, problem(400, 'invalid_json'));
        }
        if (typeof parsed.to !== 'string' || !/^\+[1-9]\d{7,14}$/.test(parsed.to)) return sendJson(res, 422, problem(422, 'invalid_number'));
        if (typeof parsed.text !== 'string' || parsed.text.length === 0) return sendJson(res, 422, problem(422, 'empty_text'));
        const message = { id: randomUUID(), to: parsed.to, text: parsed.text, at: new Date() };
        messages.push(message);
        sendJson(res, 202, { id: message.id, status: 'queued' });
      },
    };
  });

  return {
    url: `${server.url}/v1/messages`,
    apiKey,
    caPem: server.caPem,
    messages,
    requests: server.requests,
    lastMessageTo: (to) => messages.filter((m) => m.to === to).at(-1),
    inject: (fault) => faults.inject('send', fault),
    clearFaults: () => faults.clear(),
    senderConfig: (overrides = {}) => ({ url: `${server.url}/v1/messages`, apiKey, ca: server.caPem, timeoutMs: 2_000, ...overrides }),
    close: () => server.close(),
  };
}
