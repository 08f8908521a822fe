// The card where a new password is typed: password-style inputs only, the
// rules in a few words, and after a failed try the reasons, worded here from
// a closed list of codes. The card never receives the password itself, and
// the renderer refuses any password input that carries a value.
import { z } from 'zod';
import { accountNameSchema, actionContextSchema, parseCardData } from './card-data';
import { CardVerb } from './actions';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/new-password.json';

/** The rules to show; the bot passes the effective policy (its own rules on top of AD's). */
export const passwordRulesSchema = z.object({
  minLength: z.int().min(1).max(256),
  /** AD's "must meet complexity requirements". */
  complexity: z.boolean().default(false),
  /** How many previous passwords AD remembers (0: none). */
  historyLength: z.int().min(0).max(1024).default(0),
  notNames: z.boolean().default(true),
  notCommon: z.boolean().default(true),
  notBreached: z.boolean().default(false),
});
export type PasswordRules = z.input<typeof passwordRulesSchema>;

/** Why the last try was refused; the names match the bot's `ResetDeskError` codes. */
export type PasswordProblem =
  | 'POLICY_MISMATCH'
  | 'POLICY_TOO_SHORT'
  | 'POLICY_COMPLEXITY'
  | 'POLICY_CONTAINS_NAME'
  | 'POLICY_COMMON'
  | 'POLICY_BREACHED'
  | 'POLICY_HISTORY'
  | 'POLICY_REJECTED'
  | 'CURRENT_PASSWORD_WRONG';

// Unknown codes are still accepted and shown as the generic refusal: a new
// rule on the bot's side must not turn into a card that cannot be sent.
const passwordProblemSchema = z.custom<PasswordProblem>((v) => typeof v === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(v));

export const newPasswordCardDataSchema = actionContextSchema.extend({
  rules: passwordRulesSchema,
  problems: z.array(passwordProblemSchema).max(12).default([]),
  /** Which account the password is for, when it helps to say (helpdesk, several accounts). */
  accountName: accountNameSchema.optional(),
});
export type NewPasswordCardData = z.input<typeof newPasswordCardDataSchema>;

type Rules = z.output<typeof passwordRulesSchema>;

export function describeRules(rules: Rules): string[] {
  const lines = [`At least ${rules.minLength} characters`];
  if (rules.complexity) lines.push('3 of these: capital letters, small letters, numbers, symbols');
  if (rules.notNames) lines.push('Not your name or account name');
  if (rules.notCommon || rules.notBreached) lines.push(rules.notBreached ? 'Not a common or leaked password' : 'Not a common password');
  if (rules.historyLength === 1) lines.push('Not your last password');
  if (rules.historyLength > 1) lines.push(`Not one of your last ${rules.historyLength} passwords`);
  return lines;
}

export function describeProblem(problem: string, rules: Rules): string {
  switch (problem) {
    case 'POLICY_MISMATCH':
      return 'The two passwords are not the same.';
    case 'POLICY_TOO_SHORT':
      return `It is too short: use at least ${rules.minLength} characters.`;
    case 'POLICY_COMPLEXITY':
      return 'Mix at least 3 of: capital letters, small letters, numbers, symbols.';
    case 'POLICY_CONTAINS_NAME':
      return 'It contains your name or account name.';
    case 'POLICY_COMMON':
      return 'It is too common and easy to guess.';
    case 'POLICY_BREACHED':
      return 'It has appeared in a data leak.';
    case 'POLICY_HISTORY':
      return 'You used it before.';
    case 'CURRENT_PASSWORD_WRONG':
      return 'Your current password is not right.';
    default:
      return 'The company directory did not accept it.';
  }
}

const render = cardTemplate<{
  heading: string;
  isChange: boolean;
  hasAccount: boolean;
  accountName: string;
  rules: string[];
  hasProblems: boolean;
  problems: string[];
  submitVerb: string;
  requestId: string;
  stepToken: string;
}>(template, 'new password');

function build(data: NewPasswordCardData, flavour: 'reset' | 'change'): AdaptiveCard {
  const d = parseCardData(newPasswordCardDataSchema, data, 'new password');
  const problems = [...new Set(d.problems.map((p) => describeProblem(p, d.rules)))];
  return render({
    heading: flavour === 'change' ? 'Change your password' : 'Choose a new password',
    isChange: flavour === 'change',
    hasAccount: d.accountName !== undefined,
    accountName: d.accountName ?? '',
    rules: describeRules(d.rules),
    hasProblems: problems.length > 0,
    problems,
    submitVerb: flavour === 'change' ? CardVerb.submitPasswordChange : CardVerb.submitPassword,
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}

/** After verification: new password twice, submitted as `password.submit`. */
export function buildNewPasswordCard(data: NewPasswordCardData): AdaptiveCard {
  return build(data, 'reset');
}

/** For someone who knows their password: current one plus new one twice, submitted as `password.submitChange`. */
export function buildChangePasswordCard(data: NewPasswordCardData): AdaptiveCard {
  return build(data, 'change');
}
