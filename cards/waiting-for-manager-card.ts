// Shown to the person while their manager is asked to vouch for them.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import { stepView, verificationStepSchema } from './verification-step';
import template from './templates/waiting-for-manager.json';

export const waitingForManagerCardDataSchema = actionContextSchema.extend({
  managerName: displayNameSchema,
  step: verificationStepSchema.optional(),
});
export type WaitingForManagerCardData = z.input<typeof waitingForManagerCardDataSchema>;

const render = cardTemplate<{ managerName: string; showStep: boolean; stepLabel: string; requestId: string; stepToken: string }>(
  template,
  'waiting for manager',
);

export function buildWaitingForManagerCard(data: WaitingForManagerCardData): AdaptiveCard {
  const d = parseCardData(waitingForManagerCardDataSchema, data, 'waiting for manager');
  return render({ managerName: d.managerName, ...stepView(d.step), requestId: d.requestId, stepToken: d.stepToken });
}
