// Every domain controller the agent knows goes away while a reset runs: the
// modify reached the DC and was applied, its answer never came back, and no
// DC answers for a while. Telling the person "nothing was changed" would be a
// lie; the agent keeps the job, asks again until a DC answers, and the
// password version tells it the write happened. Nothing written twice.
import { dumpAllTables } from '../../bot/store/testing';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { startLdapFaultProxy, type LdapFaultProxy } from '../agent/ldap-fault-proxy';
import { codeMailedTo, startJourneyWorld, type JourneyWorld } from '../journey/journey-harness';
import { cardOf, cardText } from '../support/teams-client';
import { passwordVersionOf } from '../support/test-directory';
import { canBind, canaryPassword, enrollAgent, runAgent, withTimeout, type AgentProcess } from '../writeback/writeback-harness';

jest.setTimeout(180_000);

let world: JourneyWorld;
let dcs: LdapFaultProxy[] = [];
let agent: AgentProcess | undefined;

beforeAll(async () => {
  world = await startJourneyWorld('pglite');
  // Two DCs as the agent sees them, both in front of the run's Samba DC.
  dcs = [await startLdapFaultProxy(world.dir), await startLdapFaultProxy(world.dir)];
  const viaProxies = { ...world.dir, ca: dcs[0]!.ca, url: dcs[0]!.url, dc: { ...world.dir.dc, servername: dcs[0]!.servername } };
  const configFile = await writeAgentConfigFile(viaProxies, world.dir.service, { dcUrls: dcs.map((d) => d.url), connectTimeoutMs: 1_000 });
  await world.stopAgent();
  agent = await runAgent(configFile, await enrollAgent(world.bot.app.store, world.bot.url, configFile, 'behind-proxies'));
});
afterAll(async () => {
  await agent?.stop();
  for (const dc of dcs) await dc.close();
  await world?.close();
});

test('every DC goes away after the modify was applied and before its answer: once a DC answers again the card says the password was changed, and it was written once', async () => {
  const { account, graph } = await world.person('dc');
  const before = await passwordVersionOf(world.admin, account.dn);
  const client = world.bot.client(graph);
  const menu = await client.say('hi');
  const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
  const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
  const passwordCard = await client.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);

  // The DC the agent writes to loses the modify's answer and, with it, every DC goes dark.
  for (const dc of dcs) dc.faultModify('lose-answer-then-down');
  const password = canaryPassword();
  const working = await client.click(passwordCard.card!, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
  expect(cardText(working.card)).toMatch(/Working on it/i);
  await withTimeout(Promise.race(dcs.map((dc) => dc.wentDown())), 30_000, 'the modify to reach the DC');
  for (const dc of dcs) await dc.down();
  expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);

  // No DC answers for a few seconds; the person is not told anything false meanwhile.
  await new Promise((r) => setTimeout(r, 4_000));
  const told = world.bot.connector.activities.filter((a) => a.method === 'PUT' && a.activityId === menu.activityId && !/Working on it/i.test(cardText(cardOf(a))));
  expect(told.map((a) => cardText(cardOf(a)))).toEqual([]);
  for (const dc of dcs) await dc.up();

  const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && !/Working on it/i.test(cardText(cardOf(a))), 60_000);
  expect(cardText(cardOf(update))).toMatch(/password was changed/i);
  expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
  expect(dcs.reduce((n, dc) => n + dc.modifies, 0)).toBe(1);
  expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
  expect(agent!.output()).toContain('checking whether it was written');
  for (const text of [agent!.output(), world.bot.logs(), world.bot.connector.rawBodies(), await dumpAllTables(world.bot.app.store)]) {
    expect(text).not.toContain(password);
  }
});
