// The short cards that end a step or a request: working, done, refused,
// expired, and the polite refusals for stale or foreign clicks. They share one
// template; the words live here, one entry per situation. Every line is a
// RichTextBlock of TextRuns, which clients never read as markdown, so a name or
// a reason from outside is always shown as typed.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, Operation, operationSchema, parseCardData, safeTextSchema } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import { cardDateTime } from './card-time';
import template from './templates/notice.json';

type Run = { text: string; bold?: boolean };
type Tone = 'default' | 'good' | 'warning' | 'attention';

interface Notice {
  heading: string;
  tone: Tone;
  lines: Run[][];
  hint?: string;
  /** Whether the person may simply start over from here. */
  restartable: boolean;
}

const startAgainSchema = z.object({ startAgain: actionContextSchema.optional() });
/** Cards that end a request can offer "Start again" (verb `menu.show`) when the bot gives them a fresh request id and step token. */
export type StartAgainData = z.input<typeof startAgainSchema>;

const render = cardTemplate<{
  heading: string;
  headingColor: Tone;
  lines: Array<{ runs: Array<{ text: string; weight: 'Default' | 'Bolder' }> }>;
  hasHint: boolean;
  hint: string;
  showStartAgain: boolean;
  requestId: string;
  stepToken: string;
}>(template, 'notice');

function renderNotice(notice: Notice, startAgain?: { requestId: string; stepToken: string }): AdaptiveCard {
  const offerButton = notice.restartable && startAgain !== undefined;
  const hint = notice.hint ?? (notice.restartable && !offerButton ? 'Send me any message to start again.' : undefined);
  return render({
    heading: notice.heading,
    headingColor: notice.tone,
    lines: notice.lines.map((runs) => ({ runs: runs.map((r) => ({ text: r.text, weight: r.bold === true ? 'Bolder' : 'Default' })) })),
    hasHint: hint !== undefined,
    hint: hint ?? '',
    showStartAgain: offerButton,
    requestId: offerButton ? startAgain.requestId : '',
    stepToken: offerButton ? startAgain.stepToken : '',
  });
}

const say = (text: string): Run[] => [{ text }];
const NOTHING_CHANGED = say('Nothing was changed.');

const WORKING: Readonly<Record<Operation | 'status', string>> = {
  reset: 'Your new password is being set in the company directory.',
  change: 'Your new password is being set in the company directory.',
  unlock: 'Your account is being unlocked in the company directory.',
  status: 'Your account is being checked in the company directory.',
};

// A status check also waits for the agent, and must not read as if something were being changed.
export const workingCardDataSchema = z.object({ operation: z.union([operationSchema, z.literal('status')]) });
export type WorkingCardData = z.input<typeof workingCardDataSchema>;

/** Replaces the password card at once, and is itself replaced when the agent reports. */
export function buildWorkingCard(data: WorkingCardData): AdaptiveCard {
  const d = parseCardData(workingCardDataSchema, data, 'working');
  return renderNotice({
    heading: 'Working on it…',
    tone: 'default',
    lines: [say(WORKING[d.operation])],
    hint: 'This usually takes a few seconds. This card updates by itself.',
    restartable: false,
  });
}

export const passwordChangedCardDataSchema = z.object({
  /** True when the bot also revoked the person's cloud sign-in sessions. */
  signedOutEverywhere: z.boolean().default(false),
});
export type PasswordChangedCardData = z.input<typeof passwordChangedCardDataSchema>;

export function buildPasswordChangedCard(data: PasswordChangedCardData = {}): AdaptiveCard {
  const d = parseCardData(passwordChangedCardDataSchema, data, 'password changed');
  const lines = [say('Sign in again on your devices with the new password: laptop, phone mail, Wi-Fi.')];
  if (d.signedOutEverywhere) lines.push(say('You were signed out of Microsoft 365 apps, so sign in there again too.'));
  return renderNotice({
    heading: 'Your password was changed',
    tone: 'good',
    lines,
    hint: "Didn't do this? Contact the IT helpdesk right away.",
    restartable: false,
  });
}

export function buildAccountUnlockedCard(): AdaptiveCard {
  return renderNotice({
    heading: 'Your account is unlocked',
    tone: 'good',
    lines: [say('You can sign in again with your current password.')],
    hint: 'Forgot it? Send me any message and choose Reset password.',
    restartable: false,
  });
}

export const failureCardDataSchema = startAgainSchema.extend({
  /** A message safe to show, e.g. the agent's typed failure message. */
  reason: safeTextSchema,
  nextStep: safeTextSchema.optional(),
  /** A short reference the helpdesk can look up in the audit log. */
  reference: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).optional(),
});
export type FailureCardData = z.input<typeof failureCardDataSchema>;

export function buildFailureCard(data: FailureCardData): AdaptiveCard {
  const d = parseCardData(failureCardDataSchema, data, 'failure');
  const lines = [say(d.reason), NOTHING_CHANGED, say(d.nextStep ?? 'Try again in a few minutes. If it keeps failing, contact the IT helpdesk.')];
  if (d.reference !== undefined) lines.push([{ text: 'Reference for the helpdesk: ' }, { text: d.reference, bold: true }]);
  return renderNotice({ heading: "That didn't work", tone: 'attention', lines, restartable: true }, d.startAgain);
}

/** A fixed notice whose only data is an optional "Start again" button. */
function fixedNotice(name: string, notice: Notice): (data?: StartAgainData) => AdaptiveCard {
  return (data = {}) => renderNotice(notice, parseCardData(startAgainSchema, data, name).startAgain);
}

/** For a click on a card whose step is over (stale, already used, replayed). */
export const buildStepOverCard = fixedNotice('step over', {
  heading: 'This step is over',
  tone: 'default',
  lines: [say('This card is no longer active, so nothing happened.')],
  restartable: true,
});

/** For a click by someone who is not the request's owner. */
export const buildNotAllowedCard = fixedNotice('not allowed', {
  heading: "This isn't your card",
  tone: 'warning',
  lines: [say('Only the person who started this request can use it.'), NOTHING_CHANGED],
  restartable: false,
});

export const buildTooManyTriesCard = fixedNotice('too many tries', {
  heading: 'Too many tries',
  tone: 'attention',
  lines: [say('This request is closed to keep your account safe.'), NOTHING_CHANGED],
  hint: "If you didn't try these codes yourself, tell the IT helpdesk.",
  restartable: true,
});

export const buildDirectoryUnreachableCard = fixedNotice('directory unreachable', {
  heading: "Can't reach the company directory",
  tone: 'warning',
  lines: [say("The on-premises directory can't be reached right now."), NOTHING_CHANGED],
  hint: 'Try again in a few minutes. If it keeps happening, contact the IT helpdesk.',
  restartable: true,
});

export const buildRequestExpiredCard = fixedNotice('request expired', {
  heading: 'This request expired',
  tone: 'default',
  lines: [say("It wasn't finished in time, so nothing was changed.")],
  restartable: true,
});

export const buildCancelledCard = fixedNotice('cancelled', {
  heading: 'Cancelled',
  tone: 'default',
  lines: [NOTHING_CHANGED],
  restartable: true,
});

export const buildAwaitingApprovalCard = fixedNotice('awaiting approval', {
  heading: 'Waiting for approval',
  tone: 'default',
  lines: [say('Your account has extra rights, so someone in IT must approve this.'), say("I'll message you here when they answer.")],
  restartable: false,
});

export const approvalDeniedCardDataSchema = startAgainSchema.extend({
  /** The approver's reason, shown as typed (a TextRun is never read as markdown). */
  reason: safeTextSchema.optional(),
});
export type ApprovalDeniedCardData = z.input<typeof approvalDeniedCardDataSchema>;

/** To the requester, when an approver said no. */
export function buildApprovalDeniedCard(data: ApprovalDeniedCardData = {}): AdaptiveCard {
  const d = parseCardData(approvalDeniedCardDataSchema, data, 'approval denied');
  const lines: Run[][] = [say('IT did not approve this request.')];
  if (d.reason !== undefined) lines.push([{ text: 'Reason: ' }, { text: d.reason, bold: true }]);
  lines.push(NOTHING_CHANGED);
  return renderNotice({ heading: 'Not approved', tone: 'attention', lines, hint: 'Contact the IT helpdesk if you need help.', restartable: false });
}

export const managerRefusedCardDataSchema = z.object({ managerName: displayNameSchema });
export type ManagerRefusedCardData = z.input<typeof managerRefusedCardDataSchema>;

/** To the requester, when their manager refused. */
export function buildManagerRefusedCard(data: ManagerRefusedCardData): AdaptiveCard {
  const d = parseCardData(managerRefusedCardDataSchema, data, 'manager refused');
  return renderNotice({
    heading: "Your manager didn't confirm",
    tone: 'attention',
    lines: [[{ text: d.managerName, bold: true }, { text: ' did not confirm that you asked.' }], NOTHING_CHANGED],
    hint: 'Contact the IT helpdesk if you need help.',
    restartable: false,
  });
}

export const managerAnsweredCardDataSchema = z.object({
  requesterName: displayNameSchema,
  decision: z.enum(['confirmed', 'refused']),
});
export type ManagerAnsweredCardData = z.input<typeof managerAnsweredCardDataSchema>;

/** Replaces the manager's confirmation card once they have answered. */
export function buildManagerAnsweredCard(data: ManagerAnsweredCardData): AdaptiveCard {
  const d = parseCardData(managerAnsweredCardDataSchema, data, 'manager answered');
  const name = { text: d.requesterName, bold: true };
  return renderNotice(
    d.decision === 'confirmed'
      ? { heading: 'Thanks, you confirmed', tone: 'good', lines: [[{ text: 'We will go on with ' }, name, { text: "'s request." }]], restartable: false }
      : { heading: 'Thanks, you refused', tone: 'default', lines: [[{ text: 'Nothing will change for ' }, name, { text: '.' }]], restartable: false },
  );
}

// What was tried too often, in the words of the person it refuses: their own
// tries, or the account's (when several people asked for the same account).
const LIMIT_WORDS: Readonly<Record<LimitedActionName, { person: string; account: string }>> = {
  wrong_code: { person: 'You typed too many wrong codes recently.', account: 'Too many wrong codes were typed for this account recently.' },
  mail_code: { person: 'You asked for too many codes by e-mail recently.', account: 'Too many codes were sent by e-mail for this account recently.' },
  sms_code: { person: 'You asked for too many codes by text message recently.', account: 'Too many codes were sent by text message for this account recently.' },
  manager_card: { person: 'Your manager was asked to confirm too many times recently.', account: "This account's manager was asked to confirm too many times recently." },
  request: { person: 'You started too many requests recently.', account: 'Too many requests were started for this account recently.' },
  change_failure: { person: 'The current password was typed wrong too many times recently.', account: 'The current password was typed wrong too many times for this account recently.' },
};
export type LimitedActionName = 'wrong_code' | 'mail_code' | 'sms_code' | 'manager_card' | 'request' | 'change_failure';

export const limitReachedCardDataSchema = z.object({
  action: z.enum(['wrong_code', 'mail_code', 'sms_code', 'manager_card', 'request', 'change_failure']),
  scope: z.enum(['person', 'account']),
  until: z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => (v instanceof Date ? v : new Date(v))),
});
export type LimitReachedCardData = z.input<typeof limitReachedCardDataSchema>;

/** A limit per person or per account was reached: nothing was done, and starting again would not help until the time shown. */
export function buildLimitReachedCard(data: LimitReachedCardData): AdaptiveCard {
  const d = parseCardData(limitReachedCardDataSchema, data, 'limit reached');
  return renderNotice({
    heading: 'Please wait before trying again',
    tone: 'warning',
    lines: [say(LIMIT_WORDS[d.action][d.scope]), say('To keep the account safe, this is paused for a while.'), NOTHING_CHANGED],
    // A TextBlock, because only TextBlocks format DATE and TIME on the reader's device.
    hint: `You can try again after ${cardDateTime(d.until)}. The IT helpdesk can help you right away.`,
    restartable: false,
  });
}

export const ownerAnsweredCardDataSchema = z.object({ decision: z.enum(['confirmed', 'refused']) });
export type OwnerAnsweredCardData = z.input<typeof ownerAnsweredCardDataSchema>;

/** Replaces the "is that you on the phone?" card once the account's owner answered. */
export function buildOwnerAnsweredCard(data: OwnerAnsweredCardData): AdaptiveCard {
  const d = parseCardData(ownerAnsweredCardDataSchema, data, 'owner answered');
  return renderNotice(
    d.decision === 'confirmed'
      ? { heading: 'Thanks, you confirmed', tone: 'good', lines: [say('The helpdesk can go on helping you on the phone.')], restartable: false }
      : { heading: 'Thanks for telling us', tone: 'attention', lines: [say('Nothing was changed, and the helpdesk stopped.'), say('We sent you an e-mail about it.')], hint: 'If anything about this looks wrong, tell IT security.', restartable: false },
  );
}

export const helpdeskActedCardDataSchema = z.object({
  helpdeskName: displayNameSchema,
  operation: z.enum(['reset', 'unlock']),
  ticket: z.string().trim().min(1).max(64),
  /** Where the temporary password went (masked here), for a reset. */
  sentTo: z.string().trim().max(64).optional(),
});
export type HelpdeskActedCardData = z.input<typeof helpdeskActedCardDataSchema>;

/** To the account's owner, in Teams: the helpdesk acted on their account (the same words go by mail). */
export function buildHelpdeskActedCard(data: HelpdeskActedCardData): AdaptiveCard {
  const d = parseCardData(helpdeskActedCardDataSchema, data, 'helpdesk acted');
  const who = { text: d.helpdeskName, bold: true };
  const lines: Run[][] = d.operation === 'reset'
    ? [[{ text: 'Your helpdesk, ' }, who, { text: ', reset your password.' }], say(d.sentTo ? `A temporary password went to ${d.sentTo}; choose a new one when you sign in.` : 'Choose a new password when you sign in with the temporary one.')]
    : [[{ text: 'Your helpdesk, ' }, who, { text: ', unlocked your account.' }], say('Sign in with the password you have.')];
  lines.push([{ text: 'Ticket: ' }, { text: d.ticket, bold: true }]);
  return renderNotice({ heading: d.operation === 'reset' ? 'The helpdesk reset your password' : 'The helpdesk unlocked your account', tone: 'default', lines, hint: "Didn't call the helpdesk? Tell IT security right away.", restartable: false });
}
