import type { Activity } from 'botbuilder';
import { ReusedClientsAuthentication } from './reused-clients';

function activity(serviceUrl: string): Activity {
  return { type: 'invoke', channelId: 'msteams', serviceUrl, from: { id: '29:a' }, recipient: { id: '28:bot' }, conversation: { id: 'a:1' } } as Activity;
}

describe('connector and user-token clients reused across turns', () => {
  // Dev mode (no app id): botbuilder accepts an unauthenticated request, which is enough to see the factory at work.
  const auth = () => new ReusedClientsAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' });

  it('two turns from the same service get the same connector client; another service gets its own', async () => {
    const a = auth();
    const first = await a.authenticateRequest(activity('https://smba.trafficmanager.net/emea/'), '');
    const second = await a.authenticateRequest(activity('https://smba.trafficmanager.net/emea/'), '');
    const c1 = await first.connectorFactory!.create('https://smba.trafficmanager.net/emea/', first.audience);
    const c2 = await second.connectorFactory!.create('https://smba.trafficmanager.net/emea/', second.audience);
    const other = await second.connectorFactory!.create('https://smba.trafficmanager.net/amer/', second.audience);
    expect(c2).toBe(c1);
    expect(other).not.toBe(c1);
    expect(other.conversations).toBeDefined();
  });

  it('proactive turns (createConnectorFactory) share the clients of inbound turns', async () => {
    const a = auth();
    const inbound = await a.authenticateRequest(activity('https://smba.example/'), '');
    const viaInbound = await inbound.connectorFactory!.create('https://smba.example/', inbound.audience);
    const viaProactive = await a.createConnectorFactory(inbound.claimsIdentity).create('https://smba.example/', inbound.audience);
    expect(viaProactive).toBe(viaInbound);
  });

  it('the user-token client is kept per bot identity', async () => {
    const a = auth();
    const { claimsIdentity } = await a.authenticateRequest(activity('https://smba.example/'), '');
    expect(await a.createUserTokenClient(claimsIdentity)).toBe(await a.createUserTokenClient(claimsIdentity));
  });

  it('separate services (separate adapters) never share clients', async () => {
    const x = await auth().authenticateRequest(activity('https://smba.example/'), '');
    const y = await auth().authenticateRequest(activity('https://smba.example/'), '');
    expect(await x.connectorFactory!.create('https://smba.example/', x.audience)).not.toBe(await y.connectorFactory!.create('https://smba.example/', y.audience));
  });
});
