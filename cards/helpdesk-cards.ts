// The helpdesk's cards: find the caller, choose them from the matches, see
// their account and choose what to do (with the ticket), the result, the
// card that asks the account's owner whether the caller is them, and the one
// view that shows a temporary password, once, in a dialog.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, instantSchema, operationSchema, parseCardData, safeTextSchema, stepTokenSchema } from './card-data';
import { cardDateTime } from './card-time';
import { maskEmail, maskPhone } from './mask';
import { AdaptiveCard, cardTemplate } from './render-card';
import findTemplate from './templates/helpdesk-find.json';
import matchesTemplate from './templates/helpdesk-matches.json';
import accountTemplate from './templates/helpdesk-account.json';
import ownerConfirmTemplate from './templates/owner-confirm.json';
import resultTemplate from './templates/helpdesk-result.json';
import temporaryPasswordTemplate from './templates/temporary-password.json';

const personIdSchema = z.uuid();
const firstNameOf = (name: string): string => name.split(/\s+/)[0] ?? name;

// ---- find ----

export const helpdeskFindCardDataSchema = actionContextSchema.extend({
  /** What was searched for last (a name or address, never a secret), to search again from. */
  query: z.string().trim().max(120).optional(),
  error: safeTextSchema.optional(),
});
export type HelpdeskFindCardData = z.input<typeof helpdeskFindCardDataSchema>;

const renderFind = cardTemplate<{ query: string; hasError: boolean; error: string; requestId: string; stepToken: string }>(findTemplate, 'helpdesk find');

export function buildHelpdeskFindCard(data: HelpdeskFindCardData): AdaptiveCard {
  const d = parseCardData(helpdeskFindCardDataSchema, data, 'helpdesk find');
  return renderFind({ query: d.query ?? '', hasError: d.error !== undefined, error: d.error ?? '', requestId: d.requestId, stepToken: d.stepToken });
}

// ---- matches ----

export const helpdeskMatchesCardDataSchema = z.object({
  query: z.string().trim().min(1).max(120),
  people: z.array(z.object({
    personId: personIdSchema,
    displayName: displayNameSchema,
    /** Their sign-in name and work address, as Graph has them (directory data, not secrets). */
    userPrincipalName: z.string().trim().min(3).max(256),
    jobTitle: z.string().trim().max(128).optional(),
    department: z.string().trim().max(128).optional(),
    /** The ids the Choose button carries (a fresh request id, like a menu's). */
    requestId: z.uuid(),
    stepToken: stepTokenSchema,
  })).min(1).max(8),
  searchAgain: actionContextSchema,
});
export type HelpdeskMatchesCardData = z.input<typeof helpdeskMatchesCardDataSchema>;

const renderMatches = cardTemplate<{
  summary: string;
  people: Array<{ name: string; firstName: string; detail: string; personId: string; requestId: string; stepToken: string }>;
  searchRequestId: string;
  searchStepToken: string;
}>(matchesTemplate, 'helpdesk matches');

export function buildHelpdeskMatchesCard(data: HelpdeskMatchesCardData): AdaptiveCard {
  const d = parseCardData(helpdeskMatchesCardDataSchema, data, 'helpdesk matches');
  return renderMatches({
    summary: `${d.people.length} ${d.people.length === 1 ? 'person matches' : 'people match'} "${d.query}". Ask the caller for something only they would know to tell them apart, like their department.`,
    people: d.people.map((p) => ({
      name: p.displayName,
      firstName: firstNameOf(p.displayName),
      detail: [p.userPrincipalName, p.jobTitle, p.department].filter(Boolean).join(' · '),
      personId: p.personId,
      requestId: p.requestId,
      stepToken: p.stepToken,
    })),
    searchRequestId: d.searchAgain.requestId,
    searchStepToken: d.searchAgain.stepToken,
  });
}

// ---- the account ----

export const helpdeskAccountCardDataSchema = actionContextSchema.extend({
  personId: personIdSchema,
  displayName: displayNameSchema,
  accountName: z.string().trim().min(1).max(256),
  state: z.object({
    locked: z.boolean(),
    disabled: z.boolean(),
    passwordExpired: z.boolean(),
    mustChange: z.boolean(),
    passwordExpiresAt: instantSchema.nullable(),
    passwordLastSetAt: instantSchema.nullable(),
  }),
  /** Why an approver must agree first (privileged, or a helpdesk or admin account); empty when nobody must. */
  approvalReasons: z.array(safeTextSchema).max(10).default([]),
  approvalsRequired: z.number().int().min(0).max(5).default(0),
  searchAgain: actionContextSchema,
});
export type HelpdeskAccountCardData = z.input<typeof helpdeskAccountCardDataSchema>;

const renderAccount = cardTemplate<{
  name: string; account: string; firstName: string; lockText: string; enabledText: string; passwordText: string; lastSetText: string;
  needsApproval: boolean; approvalText: string; reasons: string[]; unlockStyle: string; personId: string; requestId: string; stepToken: string;
  searchRequestId: string; searchStepToken: string;
}>(accountTemplate, 'helpdesk account');

export function buildHelpdeskAccountCard(data: HelpdeskAccountCardData): AdaptiveCard {
  const d = parseCardData(helpdeskAccountCardDataSchema, data, 'helpdesk account');
  const s = d.state;
  const password = s.passwordExpired ? 'Expired' : s.mustChange ? 'Must be changed at next sign-in' : s.passwordExpiresAt ? `Expires ${cardDateTime(s.passwordExpiresAt)}` : 'Never expires';
  return renderAccount({
    name: d.displayName,
    account: d.accountName,
    firstName: firstNameOf(d.displayName),
    lockText: s.locked ? 'Locked out' : 'Not locked',
    enabledText: s.disabled ? 'Disabled: neither an unlock nor a reset lets them sign in' : 'Enabled',
    passwordText: password,
    lastSetText: s.passwordLastSetAt ? cardDateTime(s.passwordLastSetAt) : 'Unknown',
    needsApproval: d.approvalReasons.length > 0,
    approvalText: d.approvalsRequired > 1 ? `${d.approvalsRequired} approvers must agree first, because:` : 'An approver must agree first, because:',
    reasons: d.approvalReasons,
    // The likely need first: a locked account is usually what the call is about.
    unlockStyle: s.locked ? 'positive' : 'default',
    personId: d.personId,
    requestId: d.requestId,
    stepToken: d.stepToken,
    searchRequestId: d.searchAgain.requestId,
    searchStepToken: d.searchAgain.stepToken,
  });
}

// ---- the owner's "is that you?" ----

export const ownerConfirmCardDataSchema = actionContextSchema.extend({
  helpdeskName: displayNameSchema,
  accountName: z.string().trim().min(1).max(256),
  operation: operationSchema,
  askedAt: instantSchema,
});
export type OwnerConfirmCardData = z.input<typeof ownerConfirmCardDataSchema>;

const OWNER_ASKS = { reset: 'reset your password.', unlock: 'unlock your account.', change: 'change your password.' } as const;

const renderOwnerConfirm = cardTemplate<{ helpdeskName: string; operationText: string; accountName: string; askedAt: string; requestId: string; stepToken: string }>(
  ownerConfirmTemplate,
  'owner confirmation',
);

/** To the account's owner: the token here is their own, derived from the challenge, so no other card can answer it. */
export function buildOwnerConfirmCard(data: OwnerConfirmCardData): AdaptiveCard {
  const d = parseCardData(ownerConfirmCardDataSchema, data, 'owner confirmation');
  return renderOwnerConfirm({ helpdeskName: d.helpdeskName, operationText: OWNER_ASKS[d.operation], accountName: d.accountName, askedAt: cardDateTime(d.askedAt), requestId: d.requestId, stepToken: d.stepToken });
}

// ---- the result, for the helpdesk ----

export const helpdeskResultCardDataSchema = z.object({
  outcome: z.enum(['unlocked', 'reset_sent', 'reset_reveal', 'reset_revealed', 'caller_denied']),
  displayName: displayNameSchema,
  ticket: z.string().trim().min(1).max(64),
  /** Where a temporary password went: the owner's verified phone or address (masked here). */
  sentTo: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sms'), phoneNumber: z.string().min(3).max(32) }),
    z.object({ kind: z.literal('email'), address: z.string().min(3).max(320) }),
  ]).optional(),
  /** For `reset_reveal`: the one-time "show the temporary password" dialog. */
  reveal: actionContextSchema.optional(),
  searchAgain: actionContextSchema,
});
export type HelpdeskResultCardData = z.input<typeof helpdeskResultCardDataSchema>;

type Run = { text: string; weight: 'Default' | 'Bolder' };
const renderResult = cardTemplate<{
  heading: string; headingColor: string; lines: Array<{ runs: Run[] }>; ticket: string; canReveal: boolean;
  requestId: string; stepToken: string; searchRequestId: string; searchStepToken: string;
}>(resultTemplate, 'helpdesk result');

export function buildHelpdeskResultCard(data: HelpdeskResultCardData): AdaptiveCard {
  const d = parseCardData(helpdeskResultCardDataSchema, data, 'helpdesk result');
  const name: Run = { text: d.displayName, weight: 'Bolder' };
  const plain = (text: string): Run => ({ text, weight: 'Default' });
  const where = d.sentTo ? (d.sentTo.kind === 'sms' ? `their phone ${maskPhone(d.sentTo.phoneNumber)}` : `their address ${maskEmail(d.sentTo.address)}`) : 'them';
  const views = {
    unlocked: { heading: 'Account unlocked', color: 'good', lines: [[plain('The account of '), name, plain(' is unlocked. They sign in with the password they have.')], [plain('They were told in Teams and by e-mail.')]] },
    reset_sent: { heading: 'Temporary password set', color: 'good', lines: [[plain('A temporary password for '), name, plain(` was sent to ${where}.`)], [plain('They must choose a new one when they sign in. You never saw it, and neither did anyone else.')]] },
    reset_reveal: { heading: 'Temporary password set', color: 'good', lines: [[plain('A temporary password for '), name, plain(' is ready to read to the caller.')], [plain('Open it below. It is shown once; they must choose a new one when they sign in.')]] },
    reset_revealed: { heading: 'Temporary password set', color: 'good', lines: [[plain('The temporary password for '), name, plain(' was shown once and cannot be shown again.')], [plain('They must choose a new one when they sign in.')]] },
    caller_denied: { heading: 'Stopped: the caller is not them', color: 'attention', lines: [[name, plain(' said in Teams that the caller is not them. Nothing was changed, and they were alerted.')], [plain('Treat the call as a possible social-engineering attempt.')]] },
  } as const;
  const v = views[d.outcome];
  return renderResult({
    heading: v.heading,
    headingColor: v.color,
    lines: v.lines.map((runs) => ({ runs: [...runs] })),
    ticket: d.ticket,
    canReveal: d.outcome === 'reset_reveal' && d.reveal !== undefined,
    requestId: d.reveal?.requestId ?? '',
    stepToken: d.reveal?.stepToken ?? '',
    searchRequestId: d.searchAgain.requestId,
    searchStepToken: d.searchAgain.stepToken,
  });
}

// ---- the one-time reveal ----

export const temporaryPasswordCardDataSchema = z.object({
  displayName: displayNameSchema,
  /** Shown once, in a Teams dialog (never a chat message), to the helpdesk member who did the reset. */
  temporaryPassword: z.string().min(8).max(128),
});
export type TemporaryPasswordCardData = z.input<typeof temporaryPasswordCardDataSchema>;

const renderTemporaryPassword = cardTemplate<{ name: string; temporaryPassword: string }>(temporaryPasswordTemplate, 'temporary password');

export function buildTemporaryPasswordCard(data: TemporaryPasswordCardData): AdaptiveCard {
  const d = parseCardData(temporaryPasswordCardDataSchema, data, 'temporary password');
  return renderTemporaryPassword({ name: d.displayName, temporaryPassword: d.temporaryPassword });
}
