// The console in the local trial (`npm run demo`): the test issuer and the
// Teams stand-in the browser suite uses, started for the sample people, and
// the bot environment that turns the console on and trusts them. The trial
// prints `hostUrl`; a newcomer opens it beside the Playground, picks a sample
// person and sees the console as that person would in Teams.
//
//   const consoleTrial = await startConsoleTrial({ people: SAMPLE_PEOPLE.map(...), hostPort });
//   env = { ...demoBotEnvironment(...), ...consoleTrial.env };
//   ...start the bot...
//   consoleTrial.attach({ url: bot.url, tenantId: DEMO_TENANT_ID, authorityHost: cloud.graph.authorityHost });
import { startConsoleTestHost, type HostPerson } from './test-host';
import { startTestIssuer } from './test-issuer';

/** The trial's stand-in for the app registration that exposes the console's API. */
export const TRIAL_CONSOLE_APP_ID = '5eed0000-c0a5-4000-8000-000000000001';
export const TRIAL_PUBLIC_HOST = 'resetdesk.contoso.test';

export interface ConsoleTrial {
  /** For the bot's environment (dev mode): RESETDESK_PUBLIC_HOST, RESETDESK_CONSOLE_*. */
  env: Record<string, string>;
  /** The Teams stand-in, to open in a browser. */
  hostUrl: string;
  /** Once the bot listens: where the console is, its tenant, and the Entra host it checks issuers against (GRAPH_AUTHORITY_HOST). */
  attach(bot: { url: string; tenantId: string; authorityHost: string }): void;
  close(): Promise<void>;
}

export async function startConsoleTrial(o: { people: HostPerson[]; hostPort?: number; issuerPort?: number }): Promise<ConsoleTrial> {
  const issuer = await startTestIssuer({ appId: TRIAL_CONSOLE_APP_ID, publicHost: TRIAL_PUBLIC_HOST, ...(o.issuerPort ? { port: o.issuerPort } : {}) });
  let host;
  try {
    host = await startConsoleTestHost({ issuer, people: o.people, ...(o.hostPort ? { port: o.hostPort } : {}) });
  } catch (err) {
    await issuer.close();
    throw err;
  }
  return {
    env: issuer.consoleEnv({ RESETDESK_CONSOLE_FRAME_ANCESTORS: host.origin, RESETDESK_CONSOLE_TRIAL_HOST_URL: host.url }),
    hostUrl: host.url,
    attach(bot) {
      issuer.setTenant(bot.tenantId, bot.authorityHost);
      host.setConsole({ url: `${bot.url}/console`, tenantId: bot.tenantId });
    },
    async close() {
      await host.close();
      await issuer.close();
    },
  };
}
