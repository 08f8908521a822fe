// "Is my account OK?": locked, disabled, when the password expires. Until the
// directory agent has answered, the card says the answer is pending rather
// than guessing.
import { z } from 'zod';
import { accountNameSchema, actionContextSchema, instantSchema, parseCardData } from './card-data';
import { cardDate, cardDateTime } from './card-time';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/status.json';

export const accountStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending') }),
  z.object({
    state: z.literal('known'),
    locked: z.boolean(),
    disabled: z.boolean(),
    passwordExpired: z.boolean().default(false),
    /** null: the password never expires. */
    passwordExpiresAt: instantSchema.nullable(),
  }),
]);
export type AccountStatus = z.input<typeof accountStatusSchema>;

export const statusCardDataSchema = z.object({
  accountName: accountNameSchema,
  status: accountStatusSchema,
  checkedAt: instantSchema.optional(),
  /** When given and the account is locked (and not disabled), the card offers "Unlock my account". */
  unlock: actionContextSchema.optional(),
});
export type StatusCardData = z.input<typeof statusCardDataSchema>;

type Line = { text: string; color: 'default' | 'good' | 'attention' };

function statusLines(status: z.output<typeof accountStatusSchema>): Line[] {
  if (status.state === 'pending') return [];
  const lines: Line[] = [];
  if (status.disabled) lines.push({ text: 'Your account is disabled. Only the IT helpdesk can turn it back on.', color: 'attention' });
  lines.push(
    status.locked
      ? { text: 'Locked: too many wrong passwords were tried.', color: 'attention' }
      : { text: 'Not locked.', color: 'good' },
  );
  if (status.passwordExpired) lines.push({ text: 'Your password has expired. Reset it to sign in again.', color: 'attention' });
  else if (status.passwordExpiresAt === null) lines.push({ text: 'Your password does not expire.', color: 'default' });
  else lines.push({ text: `Your password expires on ${cardDate(status.passwordExpiresAt, 'LONG')}.`, color: 'default' });
  return lines;
}

const render = cardTemplate<{
  accountName: string;
  pending: boolean;
  lines: Line[];
  hasCheckedAt: boolean;
  checkedAt: string;
  showUnlock: boolean;
  requestId: string;
  stepToken: string;
}>(template, 'status');

export function buildStatusCard(data: StatusCardData): AdaptiveCard {
  const d = parseCardData(statusCardDataSchema, data, 'status');
  const canUnlock = d.status.state === 'known' && d.status.locked && !d.status.disabled && d.unlock !== undefined;
  return render({
    accountName: d.accountName,
    pending: d.status.state === 'pending',
    lines: statusLines(d.status),
    hasCheckedAt: d.checkedAt !== undefined,
    checkedAt: d.checkedAt === undefined ? '' : cardDateTime(d.checkedAt),
    showUnlock: canUnlock,
    requestId: canUnlock ? d.unlock!.requestId : '',
    stepToken: canUnlock ? d.unlock!.stepToken : '',
  });
}
