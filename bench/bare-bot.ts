// The baseline: a bare botbuilder + restify bot that answers the same
// `adaptiveCard/action` invoke with a fixed card, doing no work of its own.
import restify from 'restify';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsActivityHandler, type AdaptiveCardInvokeResponse } from 'botbuilder';

export async function startBareBot(): Promise<{ url: string; close: () => Promise<void> }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
  class BareBot extends TeamsActivityHandler {
    protected override async onAdaptiveCardInvoke(): Promise<AdaptiveCardInvokeResponse> {
      return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'ok' }] } } as AdaptiveCardInvokeResponse;
    }
  }
  const bot = new BareBot();
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser({ mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
