// Is a new password in a known breach corpus? Asked by k-anonymity, as the
// Pwned Passwords range API defines it: only the first 5 hex characters of
// the password's SHA-1 leave the service; the ~800 suffixes sharing that
// prefix come back and are compared here. The password, its full hash and its
// suffix never leave the process, and are never logged.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ResetDeskError } from '../errors';
import { createLogger, type Logger } from '../log';
import { createHttpTransport, HttpTransportError } from './http-transport';

export interface BreachResult {
  breached: boolean;
  /** How many times the password appears in the corpus; 0 when not breached. */
  count: number;
}

export interface BreachedPasswordCheck {
  /** Throws a ResetDeskError (BREACH_CHECK_*) when the service can't answer; the caller's policy decides what that means. */
  check(password: string): Promise<BreachResult>;
}

export interface PwnedRangeConfig {
  /** Default https://api.pwnedpasswords.com; requests go to `{endpoint}/range/{prefix}`. */
  endpoint?: string;
  /** Default 5 000 ms. */
  timeoutMs?: number;
  /** Extra trusted CA certificates (PEM), added to Node's built-in roots. */
  ca?: string;
  /**
   * Ask the service to pad each answer with decoy entries (count 0), so the
   * response size does not tell an observer which prefix was asked. Default true.
   */
  addPadding?: boolean;
}

export const BreachCheckErrorCode = {
  UNAVAILABLE: 'BREACH_CHECK_UNAVAILABLE',
  TIMEOUT: 'BREACH_CHECK_TIMEOUT',
  BAD_RESPONSE: 'BREACH_CHECK_BAD_RESPONSE',
} as const;

const MESSAGE = "The check against known breached passwords can't be done right now. Try again in a few minutes.";

const configSchema = z.object({
  endpoint: z
    .url()
    .refine((u) => new URL(u).protocol === 'https:', 'must be an https:// URL')
    .transform((u) => u.replace(/\/+$/, ''))
    .default('https://api.pwnedpasswords.com'),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  ca: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be PEM certificate text' }).optional(),
  addPadding: z.boolean().default(true),
});

const RANGE_LINE = /^([0-9A-F]{35}):(\d+)$/;

/** The prefix sent and the suffix kept, for a password. */
export function splitPasswordHash(password: string): { prefix: string; suffix: string } {
  const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

export interface PwnedPasswordsClient extends BreachedPasswordCheck {
  close(): void;
}

export function createPwnedPasswordsClient(config: PwnedRangeConfig = {}, deps: { logger?: Logger } = {}): PwnedPasswordsClient {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `pwned.${i.path.join('.')}: ${i.message}`);
    throw new ResetDeskError('CONFIG_INVALID', `Invalid breached-password check configuration: ${problems.join('; ')}`);
  }
  const { endpoint, timeoutMs, ca, addPadding } = parsed.data;
  const transport = createHttpTransport(ca ? { ca } : {});
  const log = (deps.logger ?? createLogger()).child({ component: 'breached-passwords' });

  const fail = (code: string, details: Record<string, string | number>) => {
    log.warn({ errorCode: code, ...details }, 'breached-password check failed');
    return new ResetDeskError(code, MESSAGE, details);
  };

  return {
    async check(password) {
      if (typeof password !== 'string' || password.length === 0) return { breached: false, count: 0 };
      const { prefix, suffix } = splitPasswordHash(password);
      let res;
      try {
        res = await transport.send({
          url: `${endpoint}/range/${prefix}`,
          method: 'GET',
          headers: { accept: 'text/plain', 'user-agent': 'ResetDesk', ...(addPadding ? { 'add-padding': 'true' } : {}) },
          timeoutMs,
        });
      } catch (err) {
        const timeout = err instanceof HttpTransportError && err.failure === 'timeout';
        throw fail(timeout ? BreachCheckErrorCode.TIMEOUT : BreachCheckErrorCode.UNAVAILABLE, { reason: err instanceof Error ? err.message : 'unknown' });
      }
      if (res.status !== 200) throw fail(BreachCheckErrorCode.UNAVAILABLE, { status: res.status });

      let count = 0;
      for (const raw of res.body.split('\n')) {
        const line = raw.trim();
        if (line === '') continue;
        const match = RANGE_LINE.exec(line.toUpperCase());
        if (!match) throw fail(BreachCheckErrorCode.BAD_RESPONSE, {});
        if (match[1] === suffix) count = Number(match[2]);
      }
      // Padding entries carry a count of 0: present in the answer, in no breach.
      return { breached: count > 0, count };
    },
    close: () => transport.close(),
  };
}
