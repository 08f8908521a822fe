// How often a person, and an account, may do the things an attacker repeats:
// guess codes, have codes sent, ping a manager, start requests, guess the
// current password. Each is counted per person (who clicks) and per account
// (whose password it is) in the database, across requests, replicas and
// restarts, so cancelling and starting again never buys new tries.
import { z } from 'zod';
import { ResetDeskError } from '../errors';

export const LIMITED_ACTIONS = ['wrong_code', 'mail_code', 'sms_code', 'manager_card', 'request', 'change_failure'] as const;
export type LimitedAction = (typeof LIMITED_ACTIONS)[number];

export const LIMIT_SCOPES = ['person', 'account'] as const;
export type LimitScope = (typeof LIMIT_SCOPES)[number];

export interface LimitRule {
  max: number;
  windowMs: number;
}

export type UsageLimits = Readonly<Record<LimitedAction, LimitRule>>;

const HOUR = 60 * 60 * 1000;

// Generous for a person who fumbles at 8 a.m., tight for someone scripting
// guesses. SMS costs money per message, so it is the tightest of the sends;
// a change attempt is a guess at the live AD password, and AD's own lockout
// (often 5) must never be reached through us.
export const DEFAULT_USAGE_LIMITS: UsageLimits = {
  wrong_code: { max: 10, windowMs: 24 * HOUR },
  mail_code: { max: 10, windowMs: 24 * HOUR },
  sms_code: { max: 5, windowMs: 24 * HOUR },
  manager_card: { max: 3, windowMs: 24 * HOUR },
  request: { max: 20, windowMs: 24 * HOUR },
  change_failure: { max: 3, windowMs: 24 * HOUR },
};

const UNIT_MS = { s: 1000, m: 60 * 1000, h: HOUR, d: 24 * HOUR } as const;

/** A rule as an admin writes it: `10/24h` (ten per 24 hours); units s, m, h, d. */
export const limitRuleSchema = z
  .string()
  .trim()
  .regex(/^\d{1,6}\/\d{1,5}[smhd]$/, 'must look like 10/24h (a count, a slash, a number and a unit s, m, h or d)')
  .transform((text, ctx): LimitRule => {
    const [count, window] = text.split('/') as [string, string];
    const windowMs = Number(window.slice(0, -1)) * UNIT_MS[window.slice(-1) as keyof typeof UNIT_MS];
    const max = Number(count);
    if (max < 1 || windowMs < 60_000 || windowMs > 30 * 24 * HOUR) {
      ctx.addIssue({ code: 'custom', message: 'needs a count of at least 1 and a window from 1m to 30d' });
      return z.NEVER;
    }
    return { max, windowMs };
  });

/** Who an action counts against: the person clicking, and the account it acts on (by its SID, which renames do not change). */
export interface LimitSubjects {
  person: string;
  account?: string;
}

/** A limit was reached: nothing was done, and the person reads until when. */
export function limitReachedError(action: LimitedAction, scope: LimitScope, until: Date): ResetDeskError {
  return new ResetDeskError('LIMIT_REACHED', 'This has been tried too many times recently.', { action, scope, until: until.toISOString() });
}
