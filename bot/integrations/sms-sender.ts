// Text messages for one-time codes. The domain depends on `SmsSender` only;
// the HTTP implementation speaks a minimal provider contract (POST JSON
// {to, text} with a bearer API key) that a small relay in front of any
// commercial SMS gateway can offer.
import { z } from 'zod';
import { ResetDeskError } from '../errors';
import { createLogger, type Logger } from '../log';
import { createHttpTransport, HttpTransportError } from './http-transport';

export interface SmsReceipt {
  /** The provider's id for the message, when it gives one. */
  providerMessageId: string | null;
}

export interface SmsSender {
  /** `toE164` like +447700900142; throws a ResetDeskError (SMS_*) on failure. */
  send(toE164: string, text: string): Promise<SmsReceipt>;
}

export interface HttpSmsSenderConfig {
  /** The provider's send endpoint, e.g. https://sms.example.com/v1/messages */
  url: string;
  apiKey: string;
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra trusted CA certificates (PEM), added to Node's built-in roots. */
  ca?: string;
}

export const SmsErrorCode = {
  INVALID_NUMBER: 'SMS_INVALID_NUMBER',
  INVALID_TEXT: 'SMS_INVALID_TEXT',
  REJECTED: 'SMS_REJECTED',
  NOT_AUTHORISED: 'SMS_NOT_AUTHORISED',
  THROTTLED: 'SMS_THROTTLED',
  UNAVAILABLE: 'SMS_UNAVAILABLE',
  TIMEOUT: 'SMS_TIMEOUT',
} as const;
export type SmsErrorCode = (typeof SmsErrorCode)[keyof typeof SmsErrorCode];

const MESSAGES: Record<SmsErrorCode, string> = {
  SMS_INVALID_NUMBER: "That phone number can't receive a text message from ResetDesk. Choose another method or contact the helpdesk.",
  SMS_INVALID_TEXT: 'The text message could not be prepared. Choose another method or contact the helpdesk.',
  SMS_REJECTED: 'The text message could not be sent to that number. Choose another method or contact the helpdesk.',
  SMS_NOT_AUTHORISED: "ResetDesk isn't allowed to send text messages right now. An administrator needs to check the SMS provider settings.",
  SMS_THROTTLED: 'Too many text messages are being sent right now. Try again in a minute or choose another method.',
  SMS_UNAVAILABLE: "The text message service can't be reached right now. Try again in a few minutes or choose another method.",
  SMS_TIMEOUT: 'The text message service is taking too long to answer. Try again in a minute or choose another method.',
};

function smsError(code: SmsErrorCode, details: Record<string, string | number | boolean> = {}): ResetDeskError {
  return new ResetDeskError(code, MESSAGES[code], details);
}

const e164 = z.string().regex(/^\+[1-9]\d{7,14}$/);
// Ten concatenated segments; a one-time code message is one.
const smsText = z.string().min(1).max(1600);
const configSchema = z.object({
  url: z.url().refine((u) => new URL(u).protocol === 'https:', 'must be an https:// URL'),
  apiKey: z.string().min(1, 'is required'),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  ca: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be PEM certificate text' }).optional(),
});
const receiptSchema = z.object({ id: z.string().max(200).optional() }).loose();

/** `+447700900142` → `+44•••••••42`: enough for an admin to tell numbers apart, not to dial one. */
export function maskPhoneNumber(number: string): string {
  if (number.length < 6) return '•••';
  return `${number.slice(0, 3)}${'•'.repeat(number.length - 5)}${number.slice(-2)}`;
}

export interface HttpSmsSender extends SmsSender {
  close(): void;
}

export function createHttpSmsSender(config: HttpSmsSenderConfig, deps: { logger?: Logger } = {}): HttpSmsSender {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `sms.${i.path.join('.')}: ${i.message}`);
    throw new ResetDeskError('CONFIG_INVALID', `Invalid SMS provider configuration: ${problems.join('; ')}`);
  }
  const { url, apiKey, timeoutMs, ca } = parsed.data;
  const transport = createHttpTransport(ca ? { ca } : {});
  const log = (deps.logger ?? createLogger()).child({ component: 'sms' });

  return {
    async send(toE164, text) {
      if (!e164.safeParse(toE164).success) throw smsError(SmsErrorCode.INVALID_NUMBER);
      if (!smsText.safeParse(text).success) throw smsError(SmsErrorCode.INVALID_TEXT);
      const to = maskPhoneNumber(toE164);
      let res;
      try {
        res = await transport.send({
          url,
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ to: toE164, text }),
          timeoutMs,
        });
      } catch (err) {
        const code = err instanceof HttpTransportError && err.failure === 'timeout' ? SmsErrorCode.TIMEOUT : SmsErrorCode.UNAVAILABLE;
        log.warn({ to, errorCode: code, reason: err instanceof Error ? err.message : 'unknown' }, 'sms not sent');
        throw smsError(code);
      }
      if (res.status >= 200 && res.status < 300) {
        const receipt = receiptSchema.safeParse(safeJson(res.body));
        const providerMessageId = receipt.success ? (receipt.data.id ?? null) : null;
        log.info({ to, providerMessageId }, 'sms sent');
        return { providerMessageId };
      }
      const code =
        res.status === 401 || res.status === 403
          ? SmsErrorCode.NOT_AUTHORISED
          : res.status === 429
            ? SmsErrorCode.THROTTLED
            : res.status === 408 || res.status === 504
              ? SmsErrorCode.TIMEOUT
              : res.status >= 500
                ? SmsErrorCode.UNAVAILABLE
                : SmsErrorCode.REJECTED;
      log.warn({ to, errorCode: code, status: res.status }, 'sms not sent');
      throw smsError(code, { status: res.status });
    },
    close: () => transport.close(),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
