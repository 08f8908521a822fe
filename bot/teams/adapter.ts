// The Bot Framework edge: a CloudAdapter configured from BotConfig. In dev
// mode (no app id) botbuilder skips JWT validation of inbound activities and
// token acquisition for outbound ones; config refuses that outside dev mode.
import { CloudAdapter, type TurnContext } from 'botbuilder';
import type { BotConfig } from '../config';
import type { Logger } from '../log';
import { ReusedClientsAuthentication } from './reused-clients';

export function createAdapter(config: BotConfig, logger: Logger): CloudAdapter {
  const auth = new ReusedClientsAuthentication({
    MicrosoftAppId: config.bot.appId ?? '',
    MicrosoftAppPassword: config.bot.appPassword ?? '',
    // botbuilder insists on an app id for SingleTenant; dev mode has none.
    MicrosoftAppType: config.bot.appId ? config.bot.appType : 'MultiTenant',
    MicrosoftAppTenantId: config.bot.appTenantId ?? '',
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // Only the error's name and code: messages from SDKs can echo request bodies.
    const code = (error as { code?: unknown }).code;
    logger.error({ err: { name: error.name, code: typeof code === 'string' ? code : undefined }, activityType: context.activity.type }, 'unhandled error in turn');
    if (context.activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on our side. Please try again in a minute.').catch(() => undefined);
    }
  };
  return adapter;
}
