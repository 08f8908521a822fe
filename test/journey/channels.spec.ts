// The bot in a channel: password help never runs in front of colleagues (the
// channel gets a short note, the menu goes to the person's own chat, where
// the reset finishes), and an admin sets the approver channel from inside it.
import { addMember, createUser } from '../support/test-directory';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText } from '../support/teams-client';
import { canBind, canaryPassword } from '../writeback/writeback-harness';
import { codeMailedTo, codeTextedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(120_000);

const APPROVERS = '6c1f8d2e-3b4a-4c5d-9e0f-1a2b3c4d5e6f';
const ADMINS = '7d2e9a40-1b3c-4d5e-8f60-718293a4b5c7';
const GENERAL = '19:general-helpdesk@thread.tacv2';
const OTHER_CHANNEL = '19:it-approvals@thread.tacv2';

let world: JourneyWorld;
beforeAll(async () => {
  world = await startJourneyWorld('pglite', { env: { RESETDESK_APPROVER_GROUP_ID: APPROVERS, RESETDESK_ADMIN_GROUP_ID: ADMINS } });
});
afterAll(async () => {
  await world?.close();
});

test('a reset asked for in a channel moves to the person\'s own chat: the channel only hears that, and the reset finishes privately', async () => {
  const { account, graph } = await world.person('ch');
  const inChannel = world.bot.client(graph, { channelId: `${GENERAL};messageid=1700000000000` });
  const before = world.bot.connector.activities.length;
  const reply = await inChannel.say('<at>ResetDesk</at> reset my password');
  expect(reply.card).toBeUndefined();
  expect(reply.text).toMatch(/sent you a private message/i);
  // Nothing about the person or their account in the channel.
  const inTheChannel = world.bot.connector.activities.slice(before).filter((a) => a.conversationId.startsWith(GENERAL));
  expect(inTheChannel.map((a) => a.rawBody).join('\n')).not.toMatch(/Reset password|example\.net/);
  // The bot had no chat with them yet, so it opened one; the menu is there.
  expect(world.bot.connector.createdConversations.at(-1)?.parameters).toMatchObject({ isGroup: false, members: [{ id: `29:${graph.id}` }] });
  const menuPost = world.bot.connector.activities.slice(before).find((a) => a.conversationId === world.bot.connector.createdConversations.at(-1)!.id)!;
  expect(cardText(cardOf(menuPost))).toMatch(/Reset password/);

  // The person goes on in their own chat, as Teams would deliver it.
  const personal = world.bot.client(graph);
  const menu = await personal.say('hi');
  let card = (await personal.click(menu.card, 'menu.reset', {}, menu.activityId)).card!;
  card = (await personal.click(card, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
  card = (await personal.click(card, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId)).card!;
  const password = canaryPassword();
  await personal.click(card, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
  await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /password was changed/i.test(cardText(cardOf(a))), 30_000);
  expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);

  // Once the bot knows their chat, a later mention in a channel goes straight there.
  const again = await inChannel.say('<at>ResetDesk</at> unlock');
  expect(again.text).toMatch(/sent you a private message/i);
  await world.bot.connector.waitFor((a) => a.conversationId === personal.conversationId && a.method === 'POST' && /Unlock account|Reset password/.test(cardText(cardOf(a))));
});

test('an admin sets the approver channel from inside it; approval cards go there; anyone else is refused', async () => {
  const admin = fakeUser({ displayName: 'Ada Admin' });
  const colleague = fakeUser({ displayName: 'Cole League' });
  const approver = fakeUser({ displayName: 'Abe Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
  for (const u of [admin, colleague, approver]) world.bot.graph.addUser(u);
  world.bot.graph.addGroup({ id: ADMINS, members: [admin.id] });
  world.bot.graph.addGroup({ id: APPROVERS, members: [approver.id] });

  const refused = await world.bot.client(colleague, { channelId: OTHER_CHANNEL }).say('<at>ResetDesk</at> set approver channel');
  expect(refused.text).toMatch(/Only members of the admin group/);
  const set = await world.bot.client(admin, { channelId: `${OTHER_CHANNEL};messageid=42` }).say('<at>ResetDesk</at> set approver channel');
  expect(set.text).toMatch(/approval cards .* go to this channel/i);
  expect((await world.bot.app.store.listAudit({ limit: 1000 })).some((a) => a.action === 'settings.approver_channel_set' && a.actor.id === admin.id)).toBe(true);

  const account = await createUser(world.dir, world.admin, `ac${Date.now().toString(36).slice(-6)}`, world.dir.staffOu);
  await addMember(world.admin, `CN=Backup Operators,CN=Builtin,${world.dir.dc.baseDn}`, account.dn);
  const graph = await world.twinOf(account, { displayName: 'Bree Backup' });
  const client = world.bot.client(graph);
  const menu = await client.say('unlock');
  let card = (await client.click(menu.card, 'menu.unlock', {}, menu.activityId)).card!;
  card = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
  card = (await client.click(card, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId)).card!;
  card = (await client.click(card, 'verify.chooseMethod', { method: 'sms' }, menu.activityId)).card!;
  const waiting = await client.click(card, 'verify.submitCode', { code: codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
  expect(cardText(waiting.card)).toMatch(/Waiting for approval/);
  const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === OTHER_CHANNEL && /Bree Backup/.test(cardText(cardOf(a))));
  // Backup Operators is protected but not tier 0: one approver is enough.
  expect(cardText(cardOf(posted))).not.toMatch(/Needs 2 approvers/);
  expect(cardText(cardOf(posted))).toMatch(/member of Backup Operators/);
  const approved = await world.bot.client(approver, { channelId: OTHER_CHANNEL }).click(cardOf(posted)!, 'approval.approve', {}, posted.assignedId);
  expect(cardText(approved.card)).toMatch(/Approved by\W*Abe Approver/);
  await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && /unlocked/i.test(cardText(cardOf(a))), 30_000);
});
