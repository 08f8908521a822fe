// Checks a new password against the effective policy the way AD will, so the
// user gets a precise reason: Windows answers every refusal with the same
// 0000052D and no detail. The rules here must never be stricter than AD's,
// or the agent would refuse passwords AD accepts. History cannot be checked
// here (AD keeps only hashes); AD itself enforces it.
import type { PasswordPolicy } from './policy';
import type { PolicyViolationReason } from '../errors';

// AD's name-token delimiters for the complexity rule.
const NAME_DELIMITERS = /[,.\-_#\t ]+/;

/**
 * AD's "passwords must meet complexity requirements": no sAMAccountName (if
 * longer than 2 characters) nor any display-name token of 3+ characters, and
 * characters from at least three of: upper case, lower case, digits,
 * non-alphanumerics, other Unicode letters.
 */
export function meetsComplexity(password: string, names: { samAccountName?: string | undefined; displayName?: string | undefined }): boolean {
  const lower = password.toLowerCase();
  const sam = names.samAccountName?.toLowerCase();
  if (sam && sam.length > 2 && lower.includes(sam)) return false;
  for (const token of (names.displayName ?? '').split(NAME_DELIMITERS)) {
    if (token.length >= 3 && lower.includes(token.toLowerCase())) return false;
  }
  let categories = 0;
  if (/\p{Lu}/u.test(password)) categories++;
  if (/\p{Ll}/u.test(password)) categories++;
  if (/[0-9]/.test(password)) categories++;
  if (/[^\p{L}\p{N}]/u.test(password)) categories++;
  if (/(?=\p{L})[^\p{Lu}\p{Ll}]/u.test(password)) categories++;
  return categories >= 3;
}

export interface PrecheckInput {
  password: string;
  policy: PasswordPolicy;
  samAccountName?: string | undefined;
  displayName?: string | undefined;
  /** For a user's own change: when the current password was set, to apply the minimum age. */
  passwordLastSet?: Date | null;
  now?: Date;
}

/** The first rule the password breaks, or null when AD should accept it (history aside). */
export function precheckPassword(input: PrecheckInput): PolicyViolationReason | null {
  const { policy, password } = input;
  if (input.passwordLastSet && input.now && policy.minAgeSeconds > 0) {
    if (input.now.getTime() - input.passwordLastSet.getTime() < policy.minAgeSeconds * 1000) return 'too_young';
  }
  // AD counts UTF-16 code units.
  if (password.length < policy.minLength) return 'too_short';
  if (policy.complexity && !meetsComplexity(password, input)) return 'complexity';
  return null;
}
