// The first card anyone sees: a greeting and one button per thing the bot can
// do. People whose account exists only in the cloud get no buttons the bot
// cannot honour, only the way to Microsoft's own self-service reset.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/menu.json';

export const DEFAULT_SELF_SERVICE_URL = 'https://aka.ms/sspr';

export const menuCardDataSchema = actionContextSchema.extend({
  displayName: displayNameSchema,
  /** Graph's `onPremisesSyncEnabled`: only synced accounts live in the AD the agent writes to. */
  syncedFromOnPremises: z.boolean(),
  selfServiceUrl: z.url({ protocol: /^https$/ }).max(2048).default(DEFAULT_SELF_SERVICE_URL),
  /** A member of the helpdesk group also gets "Help someone". */
  helpdesk: z.boolean().default(false),
});
export type MenuCardData = z.input<typeof menuCardDataSchema>;

const render = cardTemplate<{
  displayName: string;
  synced: boolean;
  cloudOnly: boolean;
  selfServiceUrl: string;
  helpdesk: boolean;
  requestId: string;
  stepToken: string;
}>(template, 'menu');

export function buildMenuCard(data: MenuCardData): AdaptiveCard {
  const d = parseCardData(menuCardDataSchema, data, 'menu');
  return render({
    displayName: d.displayName,
    synced: d.syncedFromOnPremises,
    cloudOnly: !d.syncedFromOnPremises,
    selfServiceUrl: d.selfServiceUrl,
    helpdesk: d.helpdesk,
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
