// Failures are never silent: a proactive message that Teams does not take is
// reported to the code that sent it, so nobody is left reading "Waiting for
// approval" or "Working on it…" when the message behind it never went out.
import { addMember, createUser } from '../support/test-directory';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText } from '../support/teams-client';
import { canBind, canaryPassword } from '../writeback/writeback-harness';
import { codeMailedTo, codeTextedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(120_000);

const APPROVERS = '5b0e7c1d-2a3f-4b6c-8d9e-0f1a2b3c4d5e';
const CHANNEL = '19:approvers-unreachable@thread.tacv2';

let world: JourneyWorld;
beforeAll(async () => {
  world = await startJourneyWorld('pglite', { env: { RESETDESK_APPROVER_GROUP_ID: APPROVERS, RESETDESK_APPROVER_CHANNEL_ID: CHANNEL } });
});
afterAll(async () => {
  await world?.close();
});

test('when the approval card cannot be posted, the person is told at once and nothing is queued', async () => {
  const account = await createUser(world.dir, world.admin, `pu${Date.now().toString(36).slice(-6)}`, world.dir.staffOu);
  await addMember(world.admin, `CN=Domain Admins,CN=Users,${world.dir.dc.baseDn}`, account.dn);
  const graph = await world.twinOf(account, { displayName: 'Una Unreached' });
  world.bot.graph.addUser(fakeUser({ displayName: 'Some Approver' }));
  const client = world.bot.client(graph);
  const menu = await client.say('unlock');
  let card = (await client.click(menu.card, 'menu.unlock', {}, menu.activityId)).card!;
  card = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
  card = (await client.click(card, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId)).card!;
  card = (await client.click(card, 'verify.chooseMethod', { method: 'sms' }, menu.activityId)).card!;
  // Teams refuses the channel post (the bot was removed from the team, say).
  world.bot.connector.failNext(1, 404);
  const answer = await client.click(card, 'verify.submitCode', { code: codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
  expect(cardText(answer.card)).toMatch(/approvers could not be reached/i);
  expect(cardText(answer.card)).not.toMatch(/Waiting for approval/i);
  const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
  expect(request).toMatchObject({ state: 'failed', resultCode: 'APPROVAL_UNREACHABLE' });
  expect(await world.bot.app.store.listJobsForRequest(request!.id)).toEqual([]);
});

test('a card update Teams refuses is tried again, then the result arrives as a new message', async () => {
  const { account, graph } = await world.person('cu');
  const client = world.bot.client(graph);
  const menu = await client.say('hi');
  let card = (await client.click(menu.card, 'menu.reset', {}, menu.activityId)).card!;
  card = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
  card = (await client.click(card, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId)).card!;
  const before = world.bot.connector.activities.length;
  // Every in-place update fails (the message was deleted, say): three tries.
  world.bot.connector.failNext(3, 404);
  const password = canaryPassword();
  const working = await client.click(card, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
  expect(cardText(working.card)).toMatch(/Working on it/i);
  const sent = await world.bot.connector.waitFor(
    (a) => world.bot.connector.activities.indexOf(a) >= before && a.method === 'POST' && a.conversationId === client.conversationId && /password was changed/i.test(cardText(cardOf(a))),
    30_000,
  );
  expect(sent).toBeDefined();
  expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
});
