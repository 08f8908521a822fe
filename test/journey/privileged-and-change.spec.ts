// Privileged accounts (two methods, then an approver in the approver channel),
// a change by someone who knows their password, codes that expire, the
// follow-ups after a reset, and what happens when no agent is alive.
import { testEngines } from '../../bot/store/testing';
import type { StoreEngineKind } from '../../bot/store';
import { createWritebackChannel } from '../../bot/writeback';
import { startBotHarness } from '../support/bot-harness';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText, type CardJson } from '../support/teams-client';
import { addMember, createUser } from '../support/test-directory';
import { canBind, canaryPassword, newSigningKey } from '../writeback/writeback-harness';
import { codeMailedTo, codeTextedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(120_000);

const APPROVERS = '3c1f6b1e-5d3a-4f7e-9a51-5a1f0d6c2b77';
const CHANNEL = '19:approvers-resetdesk@thread.tacv2';

describe.each(testEngines())('privileged accounts, changes and follow-ups on %s', (engine: StoreEngineKind) => {
  let world: JourneyWorld;
  let offsetMs = 0;

  beforeAll(async () => {
    world = await startJourneyWorld(engine, {
      now: () => new Date(Date.now() + offsetMs),
      env: {
        RESETDESK_APPROVER_GROUP_ID: APPROVERS,
        RESETDESK_APPROVER_CHANNEL_ID: CHANNEL,
        RESETDESK_REVOKE_SESSIONS_AFTER_RESET: 'true',
        RESETDESK_NOTIFY_MAIL_AFTER_RESET: 'true',
      },
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  async function updatedCard(cardId: string, pattern: RegExp): Promise<CardJson> {
    const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && pattern.test(cardText(cardOf(a))), 30_000);
    return cardOf(update)!;
  }

  test('a Domain Admin needs two methods and two different approvers; they cannot approve themselves; after approval the reset goes through, sessions are revoked and a notice is mailed', async () => {
    const account = await createUser(world.dir, world.admin, `pa${Date.now().toString(36).slice(-6)}`, world.dir.staffOu);
    await addMember(world.admin, `CN=Domain Admins,CN=Users,${world.dir.dc.baseDn}`, account.dn);
    const graph = await world.twinOf(account, { displayName: 'Priya Admin' });
    const approver = fakeUser({ displayName: 'Ada Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
    const second2 = fakeUser({ displayName: 'Bea Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
    const bystander = fakeUser({ displayName: 'Bo Bystander' });
    world.bot.graph.addUser(approver);
    world.bot.graph.addUser(second2);
    world.bot.graph.addUser(bystander);
    // The admin is an approver too, which must not let them approve their own request.
    world.bot.graph.addGroup({ id: APPROVERS, members: [approver.id, second2.id, graph.id] });

    const client = world.bot.client(graph);
    const menu = await client.say('reset');
    const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    expect(cardText(choose.card)).toMatch(/1 of 2/);
    const emailCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    const second = await client.click(emailCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
    expect(cardText(second.card)).toMatch(/2 of 2/);
    expect(JSON.stringify(second.card)).not.toMatch(/"id":"email"/);
    const smsCard = await client.click(second.card!, 'verify.chooseMethod', { method: 'sms' }, menu.activityId);
    const waiting = await client.click(smsCard.card!, 'verify.submitCode', { code: codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
    expect(cardText(waiting.card)).toMatch(/approv/i);

    const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === CHANNEL && /Approval needed/.test(cardText(cardOf(a))));
    const approvalCard = cardOf(posted)!;
    expect(cardText(approvalCard)).toMatch(/Priya Admin/);
    expect(cardText(approvalCard)).toMatch(/•••@example\.net/);
    // The agent's own words, not a fixed text.
    expect(cardText(approvalCard)).toMatch(/member of Domain Admins/);
    expect(cardText(approvalCard)).toMatch(/Needs 2 approvers \(0 of 2 so far\)/);

    // Those who may not decide are told privately; the card stays as it is for everyone.
    const self = await world.bot.client(graph, { channelId: CHANNEL }).click(approvalCard, 'approval.approve', {}, posted.assignedId);
    expect(self.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/cannot approve or deny a request for your own account/) });
    const outsider = await world.bot.client(bystander, { channelId: CHANNEL }).click(approvalCard, 'approval.approve', {}, posted.assignedId);
    expect(outsider.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/Only members of the approver group can decide/) });

    const first = await world.bot.client(approver, { channelId: CHANNEL }).click(approvalCard, 'approval.approve', {}, posted.assignedId);
    expect(cardText(first.card)).toMatch(/1 of 2 so far: approved by Ada Approver/);
    const twice = await world.bot.client(approver, { channelId: CHANNEL }).click(first.card!, 'approval.approve', {}, posted.assignedId);
    expect(twice.body).toMatchObject({ value: expect.stringMatching(/already approved/) });
    expect((await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id))[0]).toMatchObject({ state: 'awaiting_approval' });

    const approved = await world.bot.client(second2, { channelId: CHANNEL }).click(first.card!, 'approval.approve', {}, posted.assignedId);
    expect(cardText(approved.card)).toMatch(/Approved by\W*Ada Approver and Bea Approver/i);
    // The card in the channel is updated for everyone, with the checks that were passed.
    const channelCard = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === posted.assignedId && /Approved by/.test(cardText(cardOf(a))));
    expect(cardText(cardOf(channelCard))).toMatch(/•••@example\.net/);
    expect(cardText(cardOf(channelCard))).not.toMatch(/None yet/);
    const passwordCard = await updatedCard(menu.activityId, /new password/i);

    const password = canaryPassword();
    await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, menu.activityId);
    await updatedCard(menu.activityId, /password was changed/i);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
    expect(world.bot.graph.state.revokedUsers).toContain(graph.id);
    expect(world.bot.graph.state.sentMails.some((m) => m.to.includes(graph.mail!) && /password was changed/i.test(m.subject))).toBe(true);

    const again = await world.bot.client(approver, { channelId: CHANNEL }).click(approvalCard, 'approval.approve', {}, posted.assignedId);
    expect(again.body).toMatchObject({ value: expect.stringMatching(/already decided or over/) });
  });

  test('a deny asks for a reason, ends the request at once, and the requester reads the reason', async () => {
    const account = await createUser(world.dir, world.admin, `pd${Date.now().toString(36).slice(-6)}`, world.dir.staffOu);
    await addMember(world.admin, `CN=Domain Admins,CN=Users,${world.dir.dc.baseDn}`, account.dn);
    const graph = await world.twinOf(account, { displayName: 'Dana Denied' });
    const approver = fakeUser({ displayName: 'Cy Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
    world.bot.graph.addUser(approver);
    world.bot.graph.addGroup({ id: APPROVERS, members: [approver.id] });
    const client = world.bot.client(graph);
    const menu = await client.say('unlock');
    let card = (await client.click(menu.card, 'menu.unlock', {}, menu.activityId)).card!;
    card = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
    card = (await client.click(card, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId)).card!;
    card = (await client.click(card, 'verify.chooseMethod', { method: 'sms' }, menu.activityId)).card!;
    await client.click(card, 'verify.submitCode', { code: codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
    const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === CHANNEL && /Dana Denied/.test(cardText(cardOf(a))));
    const approvalCard = cardOf(posted)!;
    const asApprover = world.bot.client(approver, { channelId: CHANNEL });
    // No reason, no deny: the card's form requires it, and so does the service.
    expect((await asApprover.click(approvalCard, 'approval.deny', {}, posted.assignedId)).status).toBe(200);
    expect((await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id))[0]).toMatchObject({ state: 'awaiting_approval' });
    const denied = await asApprover.click(approvalCard, 'approval.deny', { reason: 'Nobody from IT asked for this; call the security desk.' }, posted.assignedId);
    expect(cardText(denied.card)).toMatch(/Denied by\W*Cy Approver/);
    expect(cardText(denied.card)).toMatch(/Nobody from IT asked for this/);
    const requesterCard = await updatedCard(menu.activityId, /Not approved/);
    expect(cardText(requesterCard)).toMatch(/Reason: \nNobody from IT asked for this; call the security desk\./);
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ state: 'denied', resultMessage: 'Nobody from IT asked for this; call the security desk.' });
    expect((await world.bot.app.store.listAudit({ requestId: request!.id })).find((a) => a.action === 'approval.denied')?.details).toMatchObject({ reason: 'Nobody from IT asked for this; call the security desk.' });
  });

  test('someone who knows their current password changes it without a code, and AD checks the current password', async () => {
    const { account, graph } = await world.person('ch');
    const client = world.bot.client(graph);
    const menu = await client.say('hi');
    const changeCard = await client.click(menu.card, 'menu.change', {}, menu.activityId);
    expect(cardText(changeCard.card)).toMatch(/current password/i);
    const wrongFirst = canaryPassword();
    await client.click(changeCard.card!, 'password.submitChange', { currentPassword: 'Not-the-right-one-1!', newPassword: wrongFirst, confirmPassword: wrongFirst }, menu.activityId);
    const refused = await updatedCard(menu.activityId, /didn't work|current password/i);
    expect(cardText(refused)).toMatch(/current password/i);

    const menu2 = await client.say('hi');
    const changeCard2 = await client.click(menu2.card, 'menu.change', {}, menu2.activityId);
    const password = canaryPassword();
    await client.click(changeCard2.card!, 'password.submitChange', { currentPassword: account.password, newPassword: password, confirmPassword: password }, menu2.activityId);
    await updatedCard(menu2.activityId, /password was changed/i);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
  });

  /** A new person who asked for a reset and was mailed a code, with the card that asks for it. */
  async function atTheCodeStep(prefix: string) {
    const { graph } = await world.person(prefix);
    const client = world.bot.client(graph);
    const menu = await client.say('hi');
    const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    return { graph, client, menu, codeCard, code: codeMailedTo(world.bot, graph.emailMethods![0]!) };
  }

  test('a code older than ten minutes is refused as expired, and a new one can be sent', async () => {
    const { graph, client, menu, codeCard, code } = await atTheCodeStep('ex');
    offsetMs += 11 * 60_000;
    try {
      const late = await client.click(codeCard.card!, 'verify.submitCode', { code }, menu.activityId);
      expect(cardText(late.card)).toMatch(/expired/i);
      const resent = await client.click(late.card!, 'verify.resendCode', {}, menu.activityId);
      expect(cardText(resent.card)).toMatch(/new code/i);
      const fresh = codeMailedTo(world.bot, graph.emailMethods![0]!);
      expect(fresh).not.toBe(code);
      const ok = await client.click(resent.card!, 'verify.submitCode', { code: fresh }, menu.activityId);
      expect(cardText(ok.card)).toMatch(/new password/i);
    } finally {
      offsetMs = 0;
    }
  });

  test('a job no agent picks up within its time expires, and the person is told on the card', async () => {
    const { graph } = await world.person('jx');
    const client = world.bot.client(graph);
    const menu = await client.say('hi');
    const choose = await client.click(menu.card, 'menu.unlock', {}, menu.activityId);
    const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    // The agent dies now; it was seen seconds ago, so the job is queued for it and waits.
    await world.stopAgent();
    try {
      const working = await client.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
      expect(cardText(working.card)).toMatch(/Working on it/i);
      offsetMs += 11 * 60_000;
      const expired = await updatedCard(menu.activityId, /expired|in time|took too long/i);
      expect(cardText(expired)).toMatch(/expired|in time|took too long/i);
      const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
      expect(request).toMatchObject({ state: 'expired' });
      expect((await world.bot.app.store.listJobsForRequest(request!.id))[0]).toMatchObject({ state: 'expired', signedJob: null });
    } finally {
      offsetMs = 0;
      await world.restartAgent();
    }
  });

  test('a request left at the code step is closed after its deadline, audited, the card says so, and a late code changes nothing', async () => {
    const { graph, client, menu, codeCard, code } = await atTheCodeStep('ov');
    const [open] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(await world.bot.app.journey.expireOverdueRequests()).toBe(0);
    offsetMs += 61 * 60_000;
    try {
      expect(await world.bot.app.journey.expireOverdueRequests()).toBeGreaterThanOrEqual(1);
      expect(cardText(await updatedCard(menu.activityId, /expired/i))).toMatch(/start again|start over/i);
      expect(await world.bot.app.store.getRequest(open!.id)).toMatchObject({ state: 'closed', resultCode: 'REQUEST_TIMED_OUT' });
      expect((await world.bot.app.store.listAudit({ requestId: open!.id })).map((e) => e.action)).toContain('request.timed_out');
      const late = await client.click(codeCard.card!, 'verify.submitCode', { code }, menu.activityId);
      expect(cardText(late.card)).toMatch(/step is over|expired/i);
      expect(await world.bot.app.store.getRequest(open!.id)).toMatchObject({ state: 'closed' });
    } finally {
      offsetMs = 0;
    }
  });

  test('an approval nobody answers expires: the requester is told, and a late approval changes nothing', async () => {
    const account = await createUser(world.dir, world.admin, `pq${Date.now().toString(36).slice(-6)}`, world.dir.staffOu);
    await addMember(world.admin, `CN=Domain Admins,CN=Users,${world.dir.dc.baseDn}`, account.dn);
    const graph = await world.twinOf(account, { displayName: 'Quinn Admin' });
    const approver = fakeUser({ displayName: 'Late Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
    world.bot.graph.addUser(approver);
    world.bot.graph.addGroup({ id: APPROVERS, members: [approver.id] });

    const client = world.bot.client(graph);
    const menu = await client.say('reset');
    const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    const emailCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    const second = await client.click(emailCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
    const smsCard = await client.click(second.card!, 'verify.chooseMethod', { method: 'sms' }, menu.activityId);
    const waiting = await client.click(smsCard.card!, 'verify.submitCode', { code: codeTextedTo(world.bot, graph.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
    expect(cardText(waiting.card)).toMatch(/approv/i);
    const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === CHANNEL && /Quinn Admin/.test(cardText(cardOf(a))));
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ state: 'awaiting_approval' });

    offsetMs += 31 * 60_000;
    try {
      expect(await world.bot.app.journey.expireOverdueRequests()).toBeGreaterThanOrEqual(1);
      await updatedCard(menu.activityId, /expired/i);
      // The approvers' card says so too, for everyone in the channel.
      await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === posted.assignedId && /No one answered in time/.test(cardText(cardOf(a))));
      expect(await world.bot.app.store.getRequest(request!.id)).toMatchObject({ state: 'expired', resultCode: 'APPROVAL_EXPIRED' });
      expect((await world.bot.app.store.listAudit({ requestId: request!.id })).map((e) => e.action)).toContain('approval.expired');
      const late = await world.bot.client(approver, { channelId: CHANNEL }).click(cardOf(posted)!, 'approval.approve', {}, posted.assignedId);
      expect(cardText(late.card)).not.toMatch(/Approved by/i);
      expect(await world.bot.app.store.getRequest(request!.id)).toMatchObject({ state: 'expired' });
      expect(await world.bot.app.store.listJobsForRequest(request!.id)).toEqual([]);
    } finally {
      offsetMs = 0;
    }
  });
});

describe('when no agent is alive', () => {
  test('a person is told at once that the on-premises directory cannot be reached, and nothing is left hanging', async () => {
    const signingKey = await newSigningKey();
    const bot = await startBotHarness({
      engine: 'pglite',
      graph: {},
      writeback: async (store, logger, metrics) => createWritebackChannel({ store, signingKey, audience: 'resetdesk-no-agent', logger, metrics }),
    });
    try {
      const user = fakeUser({ displayName: 'Nora Agentless' });
      bot.graph.addUser(user);
      const client = bot.client(user);
      const menu = await client.say('hi');
      const started = Date.now();
      const next = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(cardText(next.card)).toMatch(/can't be reached|cannot be reached|can't reach/i);
      expect(await bot.app.store.listRequestsByOwner(bot.graph.tenantId, user.id)).toEqual([]);
    } finally {
      await bot.close();
    }
  });
});

