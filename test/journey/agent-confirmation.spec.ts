// A newly enrolled writeback agent is announced in the approver channel with
// its key thumbprint; only a member of the admin group can confirm or revoke
// it there, and anyone else is answered privately with nothing changed.
import { agentIdOf, enrollAgent } from '../writeback/writeback-harness';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText } from '../support/teams-client';
import { startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(120_000);

const APPROVERS = '3c1f6b1e-5d3a-4f7e-9a51-5a1f0d6c2b77';
const ADMINS = '7d2e9a40-1b3c-4d5e-8f60-718293a4b5c6';
const CHANNEL = '19:approvers-agents@thread.tacv2';

let world: JourneyWorld;
beforeAll(async () => {
  world = await startJourneyWorld('pglite', {
    env: { RESETDESK_APPROVER_GROUP_ID: APPROVERS, RESETDESK_APPROVER_CHANNEL_ID: CHANNEL, RESETDESK_ADMIN_GROUP_ID: ADMINS },
  });
});
afterAll(async () => {
  await world?.close();
});

test('a new agent is announced in the approver channel with its thumbprint; a non-admin is told privately and changes nothing; an admin confirms it for everyone', async () => {
  const admin = fakeUser({ displayName: 'Ada Admin' });
  const bystander = fakeUser({ displayName: 'Ben Bystander' });
  world.bot.graph.addUser(admin);
  world.bot.graph.addUser(bystander);
  world.bot.graph.addGroup({ id: ADMINS, members: [admin.id] });
  world.bot.graph.addGroup({ id: APPROVERS, members: [bystander.id] });

  const configFile = await writeAgentConfigFile(world.dir, world.dir.service);
  const agentId = await agentIdOf(await enrollAgent(world.bot.app.store, world.bot.url, configFile, 'dc2-agent', { confirm: false }));
  const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === CHANNEL && a.rawBody.includes('dc2-agent'));
  const card = cardOf(posted)!;
  expect(cardText(card)).toMatch(/Confirm a new writeback agent/);
  // Facts are shown as title and value.
  const shown = JSON.stringify(card);
  const thumbprint = /[A-Za-z0-9_-]{4}(-[A-Za-z0-9_-]{4}){4}/.exec(shown)?.[0];
  expect(thumbprint).toBeDefined();

  const refused = await world.bot.client(bystander, { channelId: CHANNEL }).click(card, 'agent.confirm', {}, posted.assignedId);
  expect(refused.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/Only members of the admin group/) });
  expect((await world.bot.app.store.getAgent(agentId))?.confirmedAt).toBeNull();

  const confirmed = await world.bot.client(admin, { channelId: CHANNEL }).click(card, 'agent.confirm', {}, posted.assignedId);
  expect(cardText(confirmed.card)).toMatch(/Writeback agent confirmed/);
  expect(cardText(confirmed.card)).toMatch(/Confirmed by Ada Admin/);
  expect(JSON.stringify(confirmed.card)).toContain(thumbprint);
  expect(confirmed.card!.actions ?? []).toEqual([]);
  expect(await world.bot.app.store.getAgent(agentId)).toMatchObject({ confirmedBy: admin.id });
  const audit = (await world.bot.app.store.listAudit({ limit: 1000 })).filter((a) => a.details.agentId === agentId);
  expect(audit.map((a) => a.action)).toEqual(['agent.enrolled', 'agent.confirmed']);
  expect(audit[1]).toMatchObject({ actor: { kind: 'admin', id: admin.id } });

  // A late click on the old card (a revoke) finds the decision made and changes nothing.
  const late = await world.bot.client(admin, { channelId: CHANNEL }).click(card, 'agent.revoke', {}, posted.assignedId);
  expect(cardText(late.card)).toMatch(/confirmed/i);
  expect((await world.bot.app.store.getAgent(agentId))?.revokedAt).toBeNull();
});

test('a card this service did not post (a forged token) decides nothing', async () => {
  const admin = fakeUser({ displayName: 'Ada Admin Two' });
  world.bot.graph.addUser(admin);
  world.bot.graph.addGroup({ id: ADMINS, members: [admin.id] });
  const configFile = await writeAgentConfigFile(world.dir, world.dir.service);
  const agentId = await agentIdOf(await enrollAgent(world.bot.app.store, world.bot.url, configFile, 'dc3-agent', { confirm: false }));
  const forged = await world.bot.client(admin, { channelId: CHANNEL }).invoke('agent.confirm', { agentId, stepToken: 'f'.repeat(43) });
  expect(forged.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
  expect((await world.bot.app.store.getAgent(agentId))?.confirmedAt).toBeNull();
});
