// Helpdesk-assisted unlock and reset, through /api/messages with several
// Teams users (a helpdesk member, callers, account owners), down to the Samba
// DC: find the caller, check them, act, and tell the person. A temporary
// password reaches only the person's verified phone (or, by setting, the
// helpdesk member once in a dialog), never a chat message, a log or a table.
import { dumpAllTables } from '../../bot/store/testing';
import { fakeUser, type FakeGraphUser } from '../support/fake-graph';
import { bindResult, lockOut } from '../support/test-directory';
import { allActions, cardOf, cardText, type CardJson, type TeamsClient } from '../support/teams-client';
import { canBind } from '../writeback/writeback-harness';
import { codeTextedTo, mailSentTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(180_000);

const HELPDESK = '8e3f0b51-2c4d-4e6f-a071-8293a4b5c6d7';
const APPROVERS = '9f4a1c62-3d5e-4f70-b182-93a4b5c6d7e8';


describe('the helpdesk in Teams', () => {
  let world: JourneyWorld;
  let hank: FakeGraphUser;
  let desk: TeamsClient;
  const secrets: string[] = [];

  beforeAll(async () => {
    world = await startJourneyWorld('pglite', { env: { RESETDESK_HELPDESK_GROUP_ID: HELPDESK, RESETDESK_APPROVER_GROUP_ID: APPROVERS, RESETDESK_APPROVER_CHANNEL_ID: '19:helpdesk-approvals@thread.tacv2' } });
    hank = fakeUser({ displayName: 'Hank Helpdesk' });
    world.bot.graph.addUser(hank);
    world.bot.graph.addGroup({ id: HELPDESK, members: [hank.id] });
    desk = world.bot.client(hank);
  });
  afterAll(async () => {
    await world?.close();
  });

  /** The helpdesk member's way from "help someone" to the caller's account card. */
  async function toAccountCard(caller: FakeGraphUser): Promise<{ card: CardJson; cardId: string }> {
    const start = await desk.say('help someone');
    expect(cardText(start.card)).toMatch(/Help someone/);
    const matches = (await desk.click(start.card, 'helpdesk.find', { query: caller.displayName.split(' ')[0]! }, start.activityId)).card!;
    expect(cardText(matches)).toMatch(/Who is calling\?/);
    const choose = allActions(matches).find((a) => a.verb === 'helpdesk.pick' && a.data?.personId === caller.id)!;
    const account = await desk.invoke('helpdesk.pick', choose.data!, start.activityId);
    return { card: account.card!, cardId: start.activityId };
  }

  test('a helpdesk member finds a locked-out caller, checks them with a code the caller reads back, and unlocks the account; the person is told in Teams and by mail with the ticket', async () => {
    const { account, graph } = await world.person('hu', { displayName: 'Ulla Unlock' });
    await lockOut(world.dir, account.userPrincipalName);
    await world.bot.client(graph).say('hi');
    const { card, cardId } = await toAccountCard(graph);
    expect(cardText(card)).toMatch(/Locked out/);
    const methods = (await desk.click(card, 'helpdesk.unlock', { ticket: 'INC-4711' }, cardId)).card!;
    expect(cardText(methods)).toMatch(/check that the caller really is Ulla Unlock/);
    const codeCard = (await desk.click(methods, 'verify.chooseMethod', { method: 'sms' }, cardId)).card!;
    expect(cardText(codeCard)).toMatch(/caller reads/i);
    const code = codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, ''));
    secrets.push(code);
    const working = await desk.click(codeCard, 'verify.submitCode', { code }, cardId);
    expect(cardText(working.card)).toMatch(/Working on it/);
    const done = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && /Account unlocked/.test(cardText(cardOf(a))), 30_000);
    expect(cardText(cardOf(done))).toMatch(/INC-4711/);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
    // The person hears it in Teams and by mail, with who did it and the ticket.
    const told = await world.bot.connector.waitFor((a) => a.conversationId === `a:personal-${graph.id}` && /The helpdesk unlocked your account/.test(cardText(cardOf(a))));
    expect(cardText(cardOf(told))).toMatch(/Hank Helpdesk[\s\S]*INC-4711/);
    await mailSentTo(world.bot, graph.mail!, (m) => /Hank Helpdesk/.test(m.content) && /INC-4711/.test(m.content));
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ requestedBy: hank.id, ticket: 'INC-4711', state: 'succeeded' });
    expect((await world.bot.app.store.listAudit({ requestId: request!.id }))[0]).toMatchObject({ actor: { kind: 'helpdesk', id: hank.id }, details: { ticket: 'INC-4711' } });
  });

  test('a helpdesk reset sets a temporary password that goes only to the person\'s verified phone; it signs in only to change it (AD data 773)', async () => {
    const { account, graph } = await world.person('hr', { displayName: 'Rita Reset' });
    const { card, cardId } = await toAccountCard(graph);
    const methods = (await desk.click(card, 'helpdesk.reset', { ticket: 'INC-4712' }, cardId)).card!;
    const codeCard = (await desk.click(methods, 'verify.chooseMethod', { method: 'sms' }, cardId)).card!;
    const phone = graph.phoneMethods![0]!.number.replace(/\s/g, '');
    const code = codeTextedTo(world.bot, phone);
    secrets.push(code);
    await desk.click(codeCard, 'verify.submitCode', { code }, cardId);
    const done = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && /Temporary password set/.test(cardText(cardOf(a))), 30_000);
    expect(cardText(cardOf(done))).toMatch(/sent to their phone/);
    const text = world.bot.sms.lastMessageTo(phone)!.text;
    const temporary = /temporary password for \S+ is (\S+) \./.exec(text)?.[1];
    expect(temporary).toBeDefined();
    secrets.push(temporary!);
    expect(await bindResult(world.dir, account.userPrincipalName, account.password)).not.toBe(true);
    expect(await bindResult(world.dir, account.userPrincipalName, temporary!)).toMatch(/data 773/);
    // Its sealed copy is gone once it went out.
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ sealedDelivery: null, state: 'succeeded' });
    expect((await world.bot.app.store.listAudit({ requestId: request!.id })).map((a) => a.action)).toContain('helpdesk.temporary_password_sent');
  });

  test('the account owner confirms in Teams that the caller is them, and the unlock goes on', async () => {
    const { account, graph } = await world.person('ho', { displayName: 'Otto Owner' });
    await lockOut(world.dir, account.userPrincipalName);
    const owner = world.bot.client(graph);
    await owner.say('hi');
    const { card, cardId } = await toAccountCard(graph);
    const methods = (await desk.click(card, 'helpdesk.unlock', { ticket: 'INC-4713' }, cardId)).card!;
    expect(cardText(methods)).toMatch(/Ask Otto Owner in Teams whether the caller is them/);
    const waiting = (await desk.click(methods, 'verify.chooseMethod', { method: 'person' }, cardId)).card!;
    expect(cardText(waiting)).toMatch(/Waiting for the account owner[\s\S]*Otto Owner/);
    const asked = await world.bot.connector.waitFor((a) => a.conversationId === owner.conversationId && /Is that you on the phone\?/.test(cardText(cardOf(a))));
    expect(cardText(cardOf(asked))).toMatch(/Hank Helpdesk/);
    // Nobody else can answer it for them.
    const other = await world.person('hx');
    const intruder = await world.bot.client(other.graph).click(cardOf(asked)!, 'caller.confirm', {}, asked.assignedId);
    expect(cardText(intruder.card)).toMatch(/isn't your card/i);
    const yes = await owner.click(cardOf(asked)!, 'caller.confirm', {}, asked.assignedId);
    expect(cardText(yes.card)).toMatch(/you confirmed/i);
    await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && /Account unlocked/.test(cardText(cardOf(a))), 30_000);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });

  test('"Not me" stops the request at once: nothing changes, the helpdesk card says so, the owner is alerted by mail, and it is audited', async () => {
    const { account, graph } = await world.person('hn', { displayName: 'Nina Notme' });
    const owner = world.bot.client(graph);
    await owner.say('hi');
    const { card, cardId } = await toAccountCard(graph);
    const methods = (await desk.click(card, 'helpdesk.reset', { ticket: 'INC-4714' }, cardId)).card!;
    await desk.click(methods, 'verify.chooseMethod', { method: 'person' }, cardId);
    const asked = await world.bot.connector.waitFor((a) => a.conversationId === owner.conversationId && /Is that you on the phone\?/.test(cardText(cardOf(a))));
    const no = await owner.click(cardOf(asked)!, 'caller.deny', {}, asked.assignedId);
    expect(cardText(no.card)).toMatch(/Nothing was changed/);
    const stopped = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && /the caller is not them/.test(cardText(cardOf(a))));
    expect(cardText(cardOf(stopped))).toMatch(/social-engineering/);
    await mailSentTo(world.bot, graph.mail!, (m) => /Someone called the helpdesk as you/.test(m.subject));
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ state: 'closed', resultCode: 'VERIFY_CALLER_DENIED' });
    expect((await world.bot.app.store.listAudit({ requestId: request!.id })).map((a) => a.action)).toEqual(expect.arrayContaining(['verification.owner_denied', 'verification.failed']));
    expect(await world.bot.app.store.listJobsForRequest(request!.id)).toEqual([]);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });

  test('nobody helps themselves; someone outside the helpdesk group gets no helpdesk; a helpdesk colleague\'s account needs an approver', async () => {
    // Hank, who is in Entra ID only, cannot act on his own account.
    const self = await desk.say('help someone');
    const findSelf = (await desk.click(self.card, 'helpdesk.find', { query: 'Hank' }, self.activityId)).card!;
    const pickSelf = allActions(findSelf).find((a) => a.data?.personId === hank.id)!;
    expect(cardText((await desk.invoke('helpdesk.pick', pickSelf.data!, self.activityId)).card)).toMatch(/Reset your own password yourself/);

    const { graph: outsider } = await world.person('hq', { displayName: 'Quentin Outside' });
    const notDesk = world.bot.client(outsider);
    expect(cardText((await notDesk.say('help someone')).card)).not.toMatch(/Help someone\b.*Find/s);
    const forged = await notDesk.invoke('helpdesk.find', { requestId: '6f1c1b9e-8f0a-4a55-9d55-2f9a7f2f0c13', stepToken: 'x'.repeat(32), query: 'Rita' });
    expect(cardText(forged.card)).toMatch(/isn't your card|not allowed/i);

    const colleague = await world.person('hc', { displayName: 'Cora Colleague' });
    world.bot.graph.addGroup({ id: HELPDESK, members: [hank.id, colleague.graph.id] });
    const { card } = await toAccountCard(colleague.graph);
    expect(cardText(card)).toMatch(/An approver must agree first[\s\S]*a member of the helpdesk group/);
  });

  test('with the reveal setting, the temporary password is shown once to the helpdesk member in a dialog, and never again', async () => {
    const world2 = await startJourneyWorld('pglite', {
      env: { RESETDESK_HELPDESK_GROUP_ID: HELPDESK, RESETDESK_HELPDESK_TEMPORARY_PASSWORD: 'reveal-once' },
    });
    try {
      const helper = fakeUser({ displayName: 'Hela Helpdesk' });
      world2.bot.graph.addUser(helper);
      world2.bot.graph.addGroup({ id: HELPDESK, members: [helper.id] });
      const deskB = world2.bot.client(helper);
      const { account, graph } = await world2.person('hv', { displayName: 'Vera Reveal' });
      const start = await deskB.say('help someone');
      const matches = (await deskB.click(start.card, 'helpdesk.find', { query: 'Vera' }, start.activityId)).card!;
      const pick = allActions(matches).find((a) => a.data?.personId === graph.id)!;
      const card = (await deskB.invoke('helpdesk.pick', pick.data!, start.activityId)).card!;
      const methods = (await deskB.click(card, 'helpdesk.reset', { ticket: 'INC-4715' }, start.activityId)).card!;
      const codeCard = (await deskB.click(methods, 'verify.chooseMethod', { method: 'sms' }, start.activityId)).card!;
      const phone = graph.phoneMethods![0]!.number.replace(/\s/g, '');
      await deskB.click(codeCard, 'verify.submitCode', { code: codeTextedTo(world2.bot, phone) }, start.activityId);
      const ready = await world2.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === start.activityId && /ready to read to the caller/.test(cardText(cardOf(a))), 30_000);
      const button = (cardOf(ready)!.actions ?? []).find((a) => a.type === 'Action.Submit') as { data: Record<string, unknown> };
      // Someone else cannot open it.
      const other = fakeUser({ displayName: 'Olaf Other' });
      world2.bot.graph.addUser(other);
      expect((await world2.bot.client(other).openDialog(button.data)).message).toMatch(/Only the helpdesk member who did this reset/);
      const first = await deskB.openDialog(button.data);
      // The one monospace run on the dialog's card.
      const temporary = JSON.stringify(first.card).match(/"text":"([^"]+)","fontType":"Monospace"/)![1]!;
      expect(await bindResult(world2.dir, account.userPrincipalName, temporary)).toMatch(/data 773/);
      const second = await deskB.openDialog(button.data);
      expect(second.card).toBeUndefined();
      expect(second.message).toMatch(/shown once already/);
      // Not in a chat message, a log or a table.
      for (const place of [world2.bot.connector.rawBodies(), world2.bot.logs(), await dumpAllTables(world2.bot.app.store), world2.bot.sms.messages.map((m) => m.text).join('\n')]) {
        expect(place).not.toContain(temporary);
      }
    } finally {
      await world2.close();
    }
  });

  test('no code or temporary password used here appears in a log, a table, the audit log or a chat message', async () => {
    expect(secrets.length).toBeGreaterThan(2);
    const places = { logs: world.bot.logs(), database: await dumpAllTables(world.bot.app.store), audit: JSON.stringify(await world.bot.app.store.listAudit({ limit: 10_000 })), activities: world.bot.connector.rawBodies() };
    for (const secret of secrets) for (const [place, text] of Object.entries(places)) if (text.includes(secret)) throw new Error(`a secret appeared in ${place}`);
  });
});
