// Shown while someone else is asked to vouch: the person's manager, or (for a
// helpdesk member checking a caller) the account's owner, in Teams.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import { stepView, verificationStepSchema } from './verification-step';
import template from './templates/waiting-for-manager.json';

export const waitingForManagerCardDataSchema = actionContextSchema.extend({
  /** Who was asked: the manager, or the account's owner. */
  managerName: displayNameSchema,
  step: verificationStepSchema.optional(),
  /** `owner`: a helpdesk member waits for the account's owner to say whether the caller is them. */
  asked: z.enum(['manager', 'owner']).default('manager'),
});
export type WaitingForManagerCardData = z.input<typeof waitingForManagerCardDataSchema>;

const render = cardTemplate<{
  heading: string; askedText: string; managerName: string; askedTail: string; whileText: string;
  showStep: boolean; stepLabel: string; requestId: string; stepToken: string;
}>(
  template,
  'waiting for manager',
);

export function buildWaitingForManagerCard(data: WaitingForManagerCardData): AdaptiveCard {
  const d = parseCardData(waitingForManagerCardDataSchema, data, 'waiting for manager');
  const owner = d.asked === 'owner';
  return render({
    heading: owner ? 'Waiting for the account owner' : 'Waiting for your manager',
    askedText: owner ? 'We asked ' : 'We asked your manager ',
    managerName: d.managerName,
    askedTail: owner ? ' in Teams whether the caller is them.' : ' to confirm.',
    whileText: owner
      ? 'Keep the caller on the line. If they answer "Not me", the request stops and nothing changes.'
      : "I'll message you here as soon as they answer. You can close Teams meanwhile.",
    ...stepView(d.step),
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
