import { z } from 'zod';
import { ResetDeskError } from '../errors';
import { isCommonPassword } from './common-passwords';

export type PasswordViolationCode =
  | 'POLICY_MISMATCH'
  | 'POLICY_TOO_SHORT'
  | 'POLICY_TOO_LONG'
  | 'POLICY_COMMON'
  | 'POLICY_CONTAINS_NAME'
  | 'POLICY_COMPLEXITY'
  | 'POLICY_BREACHED';

/** `reason` is written for the user and never quotes the password. */
export interface PasswordViolation {
  code: PasswordViolationCode;
  reason: string;
}

/** The user's effective AD policy (domain or fine-grained) as the agent reports it. */
export interface AdPasswordPolicy {
  minLength?: number;
  complexity?: boolean;
  /** Enforced by AD itself: only it knows the old hashes. Carried so cards can mention it. */
  historyLength?: number;
  minAgeDays?: number;
  maxAgeDays?: number;
}

/**
 * The shape bot/integrations/breached-passwords.ts implements. k-anonymity is
 * the adapter's job: only the first five hex digits of the password's SHA-1
 * leave the process.
 */
export interface BreachedPasswordChecker {
  check(password: string): Promise<{ breached: boolean }>;
}

export const passwordPolicyConfigSchema = z.object({
  minLength: z.number().int().min(8).max(256).default(12),
  // AD refuses longer passwords over LDAP.
  maxLength: z.number().int().min(8).max(256).default(256),
  /** When the breached-password service cannot be reached: refuse to go on (safe) or skip the check (available). */
  onBreachedCheckError: z.enum(['refuse', 'skip']).default('refuse'),
});
export type PasswordPolicyConfig = z.output<typeof passwordPolicyConfigSchema> & { breachedCheck?: BreachedPasswordChecker };

export interface CheckNewPasswordInput {
  newPassword: string;
  confirmPassword: string;
  user: { samAccountName: string; displayName: string; upn: string };
  adPolicy?: AdPasswordPolicy;
  config?: Partial<PasswordPolicyConfig>;
}

export function effectiveMinLength(config: Pick<PasswordPolicyConfig, 'minLength'>, adPolicy?: AdPasswordPolicy): number {
  return Math.max(config.minLength, adPolicy?.minLength ?? 0);
}

// AD's display-name rule splits on exactly these: , . - _ # space tab.
const NAME_DELIMITERS = /[,.\-_#\s]+/u;

/**
 * AD's complexity rule: the account name (if 3+ characters) must not appear,
 * nor any display-name token of 3+ characters, case-insensitively. We apply it
 * whether or not AD's complexity is on, and add the UPN's local part.
 */
function containsName(password: string, user: CheckNewPasswordInput['user']): boolean {
  const lower = password.toLowerCase();
  const upnLocal = user.upn.split('@')[0] ?? '';
  const tokens = [
    user.samAccountName,
    ...user.displayName.split(NAME_DELIMITERS),
    ...upnLocal.split(NAME_DELIMITERS),
  ].filter((t) => [...t].length >= 3);
  return tokens.some((t) => lower.includes(t.toLowerCase()));
}

/**
 * AD's character categories: upper case, lower case, 0–9, its listed symbols,
 * and letters that have no case (e.g. CJK). Three must be present. Currency
 * signs such as € and £ do not count as symbols for AD, so not for us.
 */
const AD_SYMBOLS = /[~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]/u;
const CATEGORIES: readonly RegExp[] = [/\p{Lu}/u, /\p{Ll}/u, /[0-9]/u, AD_SYMBOLS, /[\p{Lo}\p{Lt}\p{Lm}]/u];

function meetsAdComplexity(password: string): boolean {
  return CATEGORIES.filter((c) => c.test(password)).length >= 3;
}

function resolveConfig(config: Partial<PasswordPolicyConfig> = {}): PasswordPolicyConfig {
  const { breachedCheck, ...rest } = config;
  const parsed = passwordPolicyConfigSchema.safeParse(rest);
  if (!parsed.success) {
    throw new ResetDeskError('CONFIG_INVALID', 'The password policy settings are invalid.', { fields: parsed.error.issues.map((i) => i.path.join('.')).join(',') });
  }
  return breachedCheck !== undefined ? { ...parsed.data, breachedCheck } : parsed.data;
}

/** Every rule that can be decided here, without calling out. */
export function checkNewPasswordOffline(input: CheckNewPasswordInput): PasswordViolation[] {
  return offlineViolations(input, resolveConfig(input.config));
}

function offlineViolations(input: CheckNewPasswordInput, config: PasswordPolicyConfig): PasswordViolation[] {
  const password = typeof input.newPassword === 'string' ? input.newPassword : '';
  const violations: PasswordViolation[] = [];
  const add = (code: PasswordViolationCode, reason: string) => violations.push({ code, reason });

  if (password !== input.confirmPassword) add('POLICY_MISMATCH', 'The two passwords do not match.');
  const minLength = effectiveMinLength(config, input.adPolicy);
  // Code points, so an emoji counts once: never more lenient than AD, which counts UTF-16 units.
  if ([...password].length < minLength) add('POLICY_TOO_SHORT', `Use at least ${minLength} characters.`);
  if (password.length > config.maxLength) add('POLICY_TOO_LONG', `Use at most ${config.maxLength} characters.`);
  if (password.length > 0 && isCommonPassword(password)) add('POLICY_COMMON', 'This is one of the most common passwords; choose something less guessable.');
  if (containsName(password, input.user)) add('POLICY_CONTAINS_NAME', 'Do not use your account name or parts of your name.');
  if (input.adPolicy?.complexity === true && !meetsAdComplexity(password)) {
    add('POLICY_COMPLEXITY', 'Use at least three of these: capital letters, small letters, digits, symbols.');
  }
  return violations;
}

/**
 * All violations, in a stable order. The breached check runs only for a
 * password that passed everything else: a password we would refuse anyway
 * need not leave even a hash prefix.
 */
export async function checkNewPassword(input: CheckNewPasswordInput): Promise<PasswordViolation[]> {
  const config = resolveConfig(input.config);
  const violations = offlineViolations(input, config);
  if (violations.length > 0 || config.breachedCheck === undefined) return violations;
  let breached: boolean;
  try {
    ({ breached } = await config.breachedCheck.check(input.newPassword));
  } catch {
    if (config.onBreachedCheckError === 'skip') return violations;
    throw new ResetDeskError('POLICY_CHECK_UNAVAILABLE', 'We could not check your password against known leaks just now. Please try again in a minute.');
  }
  return breached
    ? [{ code: 'POLICY_BREACHED', reason: 'This password has appeared in a data breach; choose another one.' }]
    : violations;
}
