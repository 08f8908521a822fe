// For helpdesk staff: start a reset or unlock for a caller. After a refusal
// (user not found, not synced, not allowed) the card comes back with the
// reason and what was typed, which is a sign-in name, never a secret.
import { z } from 'zod';
import { actionContextSchema, parseCardData, safeTextSchema } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/helpdesk-start.json';

export const helpdeskStartCardDataSchema = actionContextSchema.extend({
  upn: z.string().trim().max(256).optional(),
  operation: z.enum(['reset', 'unlock']).default('reset'),
  ticket: z.string().trim().max(64).optional(),
  error: safeTextSchema.optional(),
});
export type HelpdeskStartCardData = z.input<typeof helpdeskStartCardDataSchema>;

const render = cardTemplate<{
  upn: string;
  operation: string;
  ticket: string;
  hasError: boolean;
  error: string;
  requestId: string;
  stepToken: string;
}>(template, 'helpdesk start');

export function buildHelpdeskStartCard(data: HelpdeskStartCardData): AdaptiveCard {
  const d = parseCardData(helpdeskStartCardDataSchema, data, 'helpdesk start');
  return render({
    upn: d.upn ?? '',
    operation: d.operation,
    ticket: d.ticket ?? '',
    hasError: d.error !== undefined,
    error: d.error ?? '',
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
