// Sent to the manager: did this person really ask? The request id and step
// token here are the manager's own, so the requester's card cannot answer it.
import { z } from 'zod';
import { accountNameSchema, actionContextSchema, displayNameSchema, instantSchema, Operation, operationSchema, parseCardData } from './card-data';
import { cardDateTime } from './card-time';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/manager-confirm.json';

export const managerConfirmCardDataSchema = actionContextSchema.extend({
  requesterName: displayNameSchema,
  /** The account to be changed, as the manager knows it (UPN). */
  accountName: accountNameSchema,
  operation: operationSchema,
  askedAt: instantSchema,
});
export type ManagerConfirmCardData = z.input<typeof managerConfirmCardDataSchema>;

const ASKS: Readonly<Record<Operation, string>> = {
  reset: 'asks to reset their password.',
  unlock: 'asks to unlock their account.',
  change: 'asks to change their password.',
};

const render = cardTemplate<{
  requesterName: string;
  askText: string;
  accountName: string;
  askedAt: string;
  requestId: string;
  stepToken: string;
}>(template, 'manager confirmation');

export function buildManagerConfirmCard(data: ManagerConfirmCardData): AdaptiveCard {
  const d = parseCardData(managerConfirmCardDataSchema, data, 'manager confirmation');
  return render({
    requesterName: d.requesterName,
    askText: ASKS[d.operation],
    accountName: d.accountName,
    askedAt: cardDateTime(d.askedAt),
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
