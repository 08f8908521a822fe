// Several bot replicas behind a load balancer, with several agents: each click
// may land on any replica, a job queued on one is leased through another's
// long-poll, and the result still updates the person's card once.
import { cardOf, cardText } from '../support/teams-client';
import { canBind, canaryPassword, lockOut } from '../writeback/writeback-harness';
import { codeMailedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';
import type { BotHarness } from '../support/bot-harness';
import type { AgentProcess } from '../writeback/writeback-harness';
import { testEngines } from '../../bot/store/testing';

jest.setTimeout(180_000);

// testEngines() always includes PostgreSQL in CI, so a missing server fails there instead of skipping.
const describeOnPostgres = testEngines().includes('postgres') ? describe : describe.skip;

describeOnPostgres('two bot replicas and two agents on PostgreSQL', () => {
  let world: JourneyWorld;
  let second: BotHarness;
  let secondAgent: AgentProcess;

  beforeAll(async () => {
    world = await startJourneyWorld('postgres');
    ({ bot: second, agent: secondAgent } = await world.addReplica());
  });
  afterAll(async () => {
    await world?.close();
  });

  test('a reset whose clicks alternate between replicas is applied once and the card shows success', async () => {
    const { account, graph } = await world.person('rp');
    const onA = world.bot.client(graph);
    const onB = second.client(graph);
    const menu = await onA.say('hi');
    const choose = await onB.click(menu.card, 'menu.reset', {}, menu.activityId);
    const codeCard = await onA.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    const passwordCard = await onB.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
    const password = canaryPassword();
    const working = await onA.click(passwordCard.card!, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /password was changed/i.test(cardText(cardOf(a))), 30_000);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
    // Exactly one success update for this card, whichever replica delivered it.
    await new Promise((r) => setTimeout(r, 1_500));
    const updates = world.bot.connector.activities.filter((a) => a.method === 'PUT' && a.activityId === menu.activityId && /password was changed/i.test(cardText(cardOf(a))));
    expect(updates).toHaveLength(1);
  });

  test('code answers alternating between replicas count every try once, whatever each replica last saw', async () => {
    const { graph } = await world.person('rc');
    const onA = world.bot.client(graph);
    const onB = second.client(graph);
    const menu = await onA.say('hi');
    const choose = await onA.click(menu.card, 'menu.reset', {}, menu.activityId);
    // A keeps what it wrote here; B's answers then make that out of date.
    let codeCard = (await onA.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
    const right = codeMailedTo(world.bot, graph.emailMethods![0]!);
    const wrong = right === '111111' ? '222222' : '111111';
    const answers = [onB, onA, onB, onA];
    for (const [i, client] of answers.entries()) {
      codeCard = (await client.click(codeCard, 'verify.submitCode', { code: wrong }, menu.activityId)).card!;
      expect(cardText(codeCard)).toMatch(new RegExp(`${4 - i} (tries|try) left`));
    }
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect((await world.bot.app.store.listChallenges(request!.id))[0]).toMatchObject({ attempts: 4 });
    // B's view is stale (A answered last): the fifth wrong try still closes the request.
    const closed = await onB.click(codeCard, 'verify.submitCode', { code: wrong }, menu.activityId);
    expect(cardText(closed.card)).toMatch(/too many/i);
    const late = await onA.click(codeCard, 'verify.submitCode', { code: right }, menu.activityId);
    expect(cardText(late.card)).toMatch(/step is over/i);
    expect(await world.bot.app.store.getRequest(request!.id)).toMatchObject({ state: 'closed' });
  });

  test('an unlock started on one replica and finished on the other works', async () => {
    const { account, graph } = await world.person('ru');
    await lockOut(world.dir, account.userPrincipalName);
    const onA = world.bot.client(graph);
    const onB = second.client(graph);
    const menu = await onB.say('hi');
    const choose = await onA.click(menu.card, 'menu.unlock', {}, menu.activityId);
    const codeCard = await onB.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    await onA.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
    await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /unlocked/i.test(cardText(cardOf(a))), 30_000);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });

  // Last: it takes the second replica away.
  test('the replica that queued a job goes away before the result; the result still reaches the person through the other', async () => {
    const { account, graph } = await world.person('rg');
    await lockOut(world.dir, account.userPrincipalName);
    const onB = second.client(graph);
    const menu = await onB.say('hi');
    const choose = await onB.click(menu.card, 'menu.unlock', {}, menu.activityId);
    const codeCard = await onB.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    await world.stopAgent();
    await secondAgent.stop();
    try {
      const working = await onB.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
      expect(cardText(working.card)).toMatch(/Working on it/i);
      await second.close();
    } finally {
      await world.restartAgent();
    }
    await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /unlocked/i.test(cardText(cardOf(a))), 60_000);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });
});
