// Where the one-time code is typed. The line above the input explains what
// went wrong last time from a closed list of situations, so the card has no
// way to echo what was typed.
import { z } from 'zod';
import { actionContextSchema, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import { codeDestinationSchema, maskedDestination } from './verification-methods';
import { stepView, verificationStepSchema } from './verification-step';
import template from './templates/enter-code.json';

export const codeNoticeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wrongCode'), triesLeft: z.int().min(0).max(99) }),
  z.object({ kind: z.literal('codeExpired') }),
  z.object({ kind: z.literal('newCodeSent') }),
  z.object({ kind: z.literal('resendTooSoon'), retryAfterSeconds: z.int().min(1).max(3600) }),
]);
export type CodeNotice = z.input<typeof codeNoticeSchema>;

export const enterCodeCardDataSchema = actionContextSchema.extend({
  destination: codeDestinationSchema,
  codeLength: z.int().min(6).max(8).default(6),
  validMinutes: z.int().min(1).max(60).default(10),
  notice: codeNoticeSchema.optional(),
  step: verificationStepSchema.optional(),
  /** For a helpdesk member: the code went to the account owner, and the caller reads it back. */
  audience: z.enum(['self', 'helpdesk']).default('self'),
});
export type EnterCodeCardData = z.input<typeof enterCodeCardDataSchema>;

function noticeText(notice: z.output<typeof codeNoticeSchema>): { text: string; color: 'attention' | 'good' } {
  switch (notice.kind) {
    case 'wrongCode':
      return {
        text: `That code is not right. ${notice.triesLeft} ${notice.triesLeft === 1 ? 'try' : 'tries'} left.`,
        color: 'attention',
      };
    case 'codeExpired':
      return { text: 'That code has expired. Tap "Send a new code".', color: 'attention' };
    case 'newCodeSent':
      return { text: 'We sent you a new code. Use the newest one.', color: 'good' };
    case 'resendTooSoon': {
      const wait = notice.retryAfterSeconds < 60 ? plural(notice.retryAfterSeconds, 'second') : plural(Math.ceil(notice.retryAfterSeconds / 60), 'minute');
      return { text: `Please wait ${wait} before asking for a new code.`, color: 'attention' };
    }
  }
}

const render = cardTemplate<{
  showStep: boolean;
  stepLabel: string;
  destination: string;
  codeArticle: string;
  heading: string;
  afterDestination: string;
  codeLength: number;
  validMinutes: number;
  hasNotice: boolean;
  noticeText: string;
  noticeColor: string;
  requestId: string;
  stepToken: string;
}>(template, 'enter code');

export function buildEnterCodeCard(data: EnterCodeCardData): AdaptiveCard {
  const d = parseCardData(enterCodeCardDataSchema, data, 'enter code');
  const notice = d.notice === undefined ? undefined : noticeText(d.notice);
  return render({
    ...stepView(d.step),
    destination: maskedDestination(d.destination),
    codeArticle: d.codeLength === 8 ? 'an' : 'a',
    heading: d.audience === 'helpdesk' ? 'Type the code the caller reads to you' : 'Type the code',
    afterDestination: d.audience === 'helpdesk' ? ' Ask the caller to read it to you; never tell them a code yourself.' : '',
    codeLength: d.codeLength,
    validMinutes: d.validMinutes,
    hasNotice: notice !== undefined,
    noticeText: notice?.text ?? '',
    noticeColor: notice?.color ?? 'default',
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}

/** "1 minute", "2 minutes": a card read at 8 a.m. should not stumble on grammar. */
function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
