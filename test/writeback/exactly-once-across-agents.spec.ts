// Exactly once across agents: the agent that wrote a password dies before it
// reports, and another agent (its own state folder, no journal of the job)
// takes the job over. The DC's unicodePwd version, announced to the service
// before the write and handed to the next lease, tells it the write happened.
import { dumpAllTables } from '../../bot/store/testing';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { codeMailedTo, startJourneyWorld, type JourneyWorld } from '../journey/journey-harness';
import { cardOf, cardText } from '../support/teams-client';
import { passwordVersionOf } from '../support/test-directory';
import { canBind, canaryPassword, enrollAgent, runAgent, withTimeout } from './writeback-harness';

jest.setTimeout(180_000);

let world: JourneyWorld;

beforeAll(async () => {
  // A short lease, so the job comes back to the queue within seconds of the crash.
  world = await startJourneyWorld('pglite', { leaseMs: 3_000 });
});
afterAll(async () => {
  await world?.close();
});

test('an agent killed right after the modify and before its report: another agent takes the job, writes nothing, and the card says the password was changed', async () => {
  const store = world.bot.app.store;
  const configFile = await writeAgentConfigFile(world.dir, world.dir.service);
  // Agent B is the world's own agent; it waits while agent A takes the job.
  await world.stopAgent();
  const crashing = await runAgent(configFile, await enrollAgent(store, world.bot.url, configFile, 'agent-a'), { RESETDESK_AGENT_FAULT: 'crash-after-apply' });

  const { account, graph } = await world.person('xa');
  const before = await passwordVersionOf(world.admin, account.dn);
  const client = world.bot.client(graph);
  const menu = await client.say('hi');
  const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
  const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
  const passwordCard = await client.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
  const password = canaryPassword();
  const working = await client.click(passwordCard.card!, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
  expect(cardText(working.card)).toMatch(/Working on it/i);

  // A wrote the password and died before telling anyone.
  const died = await withTimeout(crashing.exited, 30_000, 'agent A to crash after the modify');
  expect(died.signal).toBe('SIGKILL');
  expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
  const [request] = await store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
  const [job] = await store.listJobsForRequest(request!.id);
  expect(job).toMatchObject({ state: 'leased', writeFromVersion: before });

  // B takes the job when A's lease lapses.
  await world.restartAgent();
  const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /password was changed/i.test(cardText(cardOf(a))), 60_000);
  expect(cardText(cardOf(update))).toMatch(/password was changed/i);

  expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
  expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
  expect(await store.getJob(job!.id)).toMatchObject({ state: 'succeeded', attempts: 2, result: { code: 'OK' }, signedJob: null });
  expect(world.agentLogs()).toContain('the password was already written by an earlier attempt');
  const audit = (await store.listAudit({ requestId: request!.id })).map((a) => a.action);
  expect(audit.filter((a) => a === 'writeback.write_started')).toHaveLength(1);

  for (const text of [crashing.output(), world.agentLogs(), world.bot.logs(), world.bot.connector.rawBodies(), await dumpAllTables(store)]) {
    expect(text).not.toContain(password);
  }
});
