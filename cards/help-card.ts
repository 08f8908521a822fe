// What the bot does, in four lines, and the one rule worth repeating: nobody
// legitimate ever asks for your password or code.
import { z } from 'zod';
import { actionContextSchema, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/help.json';

export const helpCardDataSchema = actionContextSchema.extend({
  /** How to reach a person, e.g. "IT helpdesk, +1 555 0100"; from configuration. */
  helpdeskContact: z.string().trim().min(1).max(200).optional(),
});
export type HelpCardData = z.input<typeof helpCardDataSchema>;

const render = cardTemplate<{ hasHelpdeskContact: boolean; helpdeskContact: string; requestId: string; stepToken: string }>(
  template,
  'help',
);

export function buildHelpCard(data: HelpCardData): AdaptiveCard {
  const d = parseCardData(helpCardDataSchema, data, 'help');
  return render({
    hasHelpdeskContact: d.helpdeskContact !== undefined,
    helpdeskContact: d.helpdeskContact ?? '',
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
