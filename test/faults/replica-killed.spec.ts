// A bot replica is killed with SIGKILL between the queueing of a reset and its
// result: the replica the person was talking to, and (last) the replica that
// was delivering the result when it died. Two replicas, processes of their
// own on one PostgreSQL, one agent. Nothing lost, nothing written twice, and
// the person's card ends in the truth.
import { openStore } from '../../bot/store';
import { testEngines } from '../../bot/store/testing';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { startLdapFaultProxy, type LdapFaultProxy } from '../agent/ldap-fault-proxy';
import { cardOf, cardText } from '../support/teams-client';
import { pidOfLocalPort } from '../support/local-ports';
import { startServiceWorld, type ServiceReplica, type ServiceWorld } from '../support/service-world';
import { passwordVersionOf } from '../support/test-directory';
import { canBind, canaryPassword, withTimeout, type AgentProcess } from '../writeback/writeback-harness';


jest.setTimeout(240_000);

const describeOnPostgres = testEngines().includes('postgres') ? describe : describe.skip;

describeOnPostgres('a bot replica killed between queue and result', () => {
  let world: ServiceWorld;
  let a: ServiceReplica;
  let b: ServiceReplica;
  let agent: AgentProcess;
  // The agent reaches the DC through a proxy that can hold its modify, so the job is in flight when a replica dies.
  let dc: LdapFaultProxy;

  beforeAll(async () => {
    world = await startServiceWorld('postgres');
    dc = await startLdapFaultProxy(world.dir);
    const configFile = await writeAgentConfigFile({ ...world.dir, ca: dc.ca, url: dc.url, dc: { ...world.dir.dc, servername: dc.servername } }, world.dir.service);
    [a, b] = [await world.startReplica(), await world.startReplica()];
    // The agent's service URL is A's (behind a load balancer it would be either).
    agent = await world.runAgent(await world.enrollAgent(a, 'replica-agent', configFile), {}, configFile);
  });
  afterAll(async () => {
    await world?.close();
    await dc?.close();
  });

  function codeMailedTo(address: string): string {
    const mail = [...world.graph.state.sentMails].reverse().find((m) => m.to.includes(address));
    const code = mail ? /\b(\d{6,8})\b/.exec(mail.content)?.[1] : undefined;
    if (!code) throw new Error(`no code mailed to ${address}`);
    return code;
  }

  /** A new person, talking to `replica`, at the new-password card. */
  async function atPasswordCard(replica: ServiceReplica, prefix: string) {
    const { account, graph } = await world.person(prefix);
    const client = replica.client(graph);
    const menu = await client.say('hi', { timeoutMs: 30_000 });
    const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    const passwordCard = await client.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(graph.emailMethods![0]!) }, menu.activityId);
    expect(cardText(passwordCard.card)).toMatch(/new password/i);
    return { account, graph, client, cardId: menu.activityId, card: passwordCard.card!, before: await passwordVersionOf(world.admin, account.dn) };
  }

  const finalCards = (cardId: string) => world.connector.activities.filter((x) => x.method === 'PUT' && x.activityId === cardId && /password was changed/i.test(cardText(cardOf(x))));

  test('the replica the person talked to dies after queueing the reset: the other replica brings the result to the card, written once', async () => {
    const p = await atPasswordCard(b, 'kq');
    // The agent's write waits at the DC, so the reset is still in flight when B dies.
    dc.faultModify('hold');
    const password = canaryPassword();
    const working = await p.client.click(p.card, 'password.submit', { newPassword: password, confirmPassword: password }, p.cardId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    await withTimeout(dc.modifyHeld(), 30_000, 'the agent to write');
    await b.kill();
    dc.releaseModifies();

    await world.connector.waitFor((x) => finalCards(p.cardId).includes(x), 60_000);
    expect(await passwordVersionOf(world.admin, p.account.dn)).toBe(p.before + 1);
    expect(await canBind(world.dir, p.account.userPrincipalName, password)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(finalCards(p.cardId)).toHaveLength(1);
    b = await world.startReplica();
  });

  // Last: it kills whichever replica delivers.
  test('the replica delivering the result dies after the request was marked done and before the card went out: the other replica still updates the card', async () => {
    const p = await atPasswordCard(b, 'kd');
    // Teams is slow to take the card update; whoever sends it dies meanwhile.
    const held = world.connector.hold((r) => r.method === 'PUT' && r.activityId === p.cardId && /password was changed/i.test(cardText(cardOf({ body: r.body } as never))));
    const password = canaryPassword();
    const working = await p.client.click(p.card, 'password.submit', { newPassword: password, confirmPassword: password }, p.cardId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    const request = await withTimeout(held, 60_000, 'the final card update');
    const senderPid = await pidOfLocalPort(request.remotePort, [a, b].map((r) => r.process.child.pid!));
    const [sender, survivor] = senderPid === a.process.child.pid ? [a, b] : [b, a];
    expect(senderPid).toBe(sender.process.child.pid);
    await sender.kill();
    await withTimeout(request.gone, 10_000, 'the held update to be dropped with its sender');
    world.connector.release();
    expect(finalCards(p.cardId)).toHaveLength(0);
    expect(await passwordVersionOf(world.admin, p.account.dn)).toBe(p.before + 1);

    // The survivor finds the result nobody finished delivering (the dead replica's claim goes stale).
    await world.connector.waitFor((x) => finalCards(p.cardId).includes(x), 90_000).catch(async (err: Error) => {
      // What the person is left with, and why: the evidence for whoever fixes it.
      const store = await openStore({ databaseUrl: world.databaseUrl! });
      try {
        const [request] = await store.listRequestsByOwner(world.graph.tenantId, p.graph.id);
        const [job] = await store.listJobsForRequest(request!.id);
        const last = world.connector.activities.filter((x) => x.activityId === p.cardId).map((x) => cardText(cardOf(x)).split('\n')[0]);
        throw new Error(`${err.message}. The card still shows ${JSON.stringify(last.at(-1) ?? 'the Working on it answer')}; the request is ${request!.state}, `
          + `the job ${job!.state} and delivered at ${job!.deliveredAt?.toISOString() ?? 'never'} (${survivor === a ? 'A' : 'B'} survived)`);
      } finally {
        await store.close();
      }
    });
    expect(finalCards(p.cardId)).toHaveLength(1);
    expect(await passwordVersionOf(world.admin, p.account.dn)).toBe(p.before + 1);
  });
});
