// The self-service journey as a person meets it in Teams, driven through the
// bot's real /api/messages endpoint with activities shaped as Teams sends them,
// down to the agent's LDAPS write on the Samba DC and the card updated in place.
import { dumpAllTables, testEngines } from '../../bot/store/testing';
import type { StoreEngineKind } from '../../bot/store';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText, TeamsClient, type CardJson } from '../support/teams-client';
import { canBind, canaryPassword, lockOut } from '../writeback/writeback-harness';
import { codeMailedTo, codeTextedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(120_000);

describe.each(testEngines())('the self-service journey on %s', (engine: StoreEngineKind) => {
  let world: JourneyWorld;
  const canaries: string[] = [];

  beforeAll(async () => {
    world = await startJourneyWorld(engine);
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Opens the menu and picks `verb`; returns the card that replaced the menu and the menu's activity id. */
  async function start(client: TeamsClient, verb: string): Promise<{ card: CardJson; cardId: string }> {
    const menu = await client.say('hi');
    expect(cardText(menu.card)).toMatch(/Reset password/i);
    const next = await client.click(menu.card, verb, {}, menu.activityId);
    expect(next.status).toBe(200);
    return { card: next.card!, cardId: menu.activityId };
  }

  async function verifyByEmail(client: TeamsClient, card: CardJson, cardId: string, address: string): Promise<CardJson> {
    const codeCard = await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId);
    expect(cardText(codeCard.card)).toMatch(/code/i);
    const code = codeMailedTo(world.bot, address);
    canaries.push(code);
    const after = await client.click(codeCard.card!, 'verify.submitCode', { code }, cardId);
    return after.card!;
  }

  /** A new person's reset, at the card that asks for the e-mailed code; with the right code and a wrong one. */
  async function atCodeCard(prefix: string) {
    const { graph } = await world.person(prefix);
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.reset');
    const codeCard = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId)).card!;
    const right = codeMailedTo(world.bot, graph.emailMethods![0]!);
    return { graph, client, cardId, codeCard, right, wrong: right === '111111' ? '222222' : '111111' };
  }

  /** The card as the person sees it now, after any proactive update. */
  async function cardNow(cardId: string, predicate: (text: string) => boolean): Promise<string> {
    const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && predicate(cardText(cardOf(a))), 30_000);
    return cardText(cardOf(update));
  }

  test('a locked-out person resets their password from Teams: menu, e-mailed code, new password, and the card says it worked', async () => {
    const { account, graph } = await world.person('rs', { displayName: 'Robin Sand' });
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.reset');
    expect(cardText(card)).toMatch(/r•••@example\.net/);
    const passwordCard = await verifyByEmail(client, card, cardId, graph.emailMethods![0]!);
    expect(cardText(passwordCard)).toMatch(/new password/i);
    const password = canaryPassword();
    canaries.push(password);
    const working = await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    expect(await cardNow(cardId, (t) => /password was changed/i.test(t))).toMatch(/password was changed/i);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
  });

  test('a locked-out person unlocks their account with a texted code and can sign in with their own password again', async () => {
    const { account, graph } = await world.person('ul');
    await lockOut(world.dir, account.userPrincipalName);
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.unlock');
    const codeCard = await client.click(card, 'verify.chooseMethod', { method: 'sms' }, cardId);
    const e164 = graph.phoneMethods![0]!.number.replace(/\s/g, '');
    const code = codeTextedTo(world.bot, e164);
    canaries.push(code);
    const working = await client.click(codeCard.card!, 'verify.submitCode', { code }, cardId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    expect(await cardNow(cardId, (t) => /unlocked/i.test(t))).toMatch(/unlocked/i);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });

  test('a person checks their account status and sees that it is locked', async () => {
    const { account, graph } = await world.person('st');
    await lockOut(world.dir, account.userPrincipalName);
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.status');
    const after = await verifyByEmail(client, card, cardId, graph.emailMethods![0]!);
    expect(cardText(after)).toMatch(/Working on it|Checking/i);
    expect(await cardNow(cardId, (t) => /locked/i.test(t))).toMatch(/locked/i);
  });

  test('five wrong codes close the request, and the card says so', async () => {
    const { graph, client, cardId, right, wrong, ...at } = await atCodeCard('wc');
    let codeCard = at.codeCard;
    for (let i = 4; i >= 1; i--) {
      codeCard = (await client.click(codeCard, 'verify.submitCode', { code: wrong }, cardId)).card!;
      expect(cardText(codeCard)).toMatch(new RegExp(`${i} (tries|try) left`));
    }
    const closed = await client.click(codeCard, 'verify.submitCode', { code: wrong }, cardId);
    expect(cardText(closed.card)).toMatch(/too many/i);
    // Even the right code does nothing now.
    const late = await client.click(codeCard, 'verify.submitCode', { code: right }, cardId);
    expect(cardText(late.card)).toMatch(/step is over/i);
    const requests = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(requests[0]).toMatchObject({ state: 'closed' });
    const audit = await world.bot.app.store.listAudit({ requestId: requests[0]!.id });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['verification.code_wrong', 'verification.failed']));
  });

  test('wrong codes answered on the replica that wrote the last step are decided without reading the request again, and each is still persisted', async () => {
    const { graph, client, cardId, right, wrong, ...at } = await atCodeCard('sn');
    let codeCard = at.codeCard;
    const store = world.bot.app.store;
    const reads = jest.spyOn(store, 'getRequestWithChallenges');
    try {
      for (let i = 4; i >= 3; i--) {
        codeCard = (await client.click(codeCard, 'verify.submitCode', { code: wrong }, cardId)).card!;
        expect(cardText(codeCard)).toMatch(new RegExp(`${i} tries left`));
      }
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const [request] = await store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect((await store.listChallenges(request!.id))[0]).toMatchObject({ attempts: 2, status: 'pending' });
    expect((await store.listAudit({ requestId: request!.id })).filter((a) => a.action === 'verification.code_wrong')).toHaveLength(2);
    const passwordCard = await client.click(codeCard, 'verify.submitCode', { code: right }, cardId);
    expect(cardText(passwordCard.card)).toMatch(/new password/i);
  });

  test('a code answer after the request changed behind this replica (closed elsewhere) is decided on the database and changes nothing', async () => {
    const { graph, client, cardId, codeCard, right } = await atCodeCard('sc');
    const store = world.bot.app.store;
    const [request] = await store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    // As another replica's deadline sweep would: the state moves, the step token stays.
    await store.transitionRequest(request!.id, request!.version, { state: 'closed', resultCode: 'REQUEST_EXPIRED' }, { actor: { kind: 'system', id: 'elsewhere' }, action: 'request.closed', requestId: request!.id });
    const answer = await client.click(codeCard, 'verify.submitCode', { code: right }, cardId);
    expect(cardText(answer.card)).toMatch(/step is over/i);
    expect(await store.getRequest(request!.id)).toMatchObject({ state: 'closed', version: request!.version + 1 });
    expect((await store.listChallenges(request!.id))[0]).toMatchObject({ attempts: 0, status: 'pending' });
    expect((await store.listAudit({ requestId: request!.id })).map((a) => a.action)).not.toContain('verification.passed');
  });

  test('mismatched and weak passwords are refused with the reason, and nothing is queued', async () => {
    const { graph } = await world.person('wp', { displayName: 'Wanda Pike' });
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.reset');
    let passwordCard = await verifyByEmail(client, card, cardId, graph.emailMethods![0]!);
    const a = canaryPassword();
    canaries.push(a);
    const mismatch = await client.click(passwordCard, 'password.submit', { newPassword: a, confirmPassword: `${a}x` }, cardId);
    expect(cardText(mismatch.card)).toMatch(/not the same/i);
    expect(JSON.stringify(mismatch.card)).not.toContain(a);
    passwordCard = mismatch.card!;
    const common = await client.click(passwordCard, 'password.submit', { newPassword: 'Password1234', confirmPassword: 'Password1234' }, cardId);
    expect(cardText(common.card)).toMatch(/common|guess/i);
    const named = await client.click(common.card!, 'password.submit', { newPassword: 'WandaPike-2026!x', confirmPassword: 'WandaPike-2026!x' }, cardId);
    expect(cardText(named.card)).toMatch(/name/i);
    const requests = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(await world.bot.app.store.listJobsForRequest(requests[0]!.id)).toEqual([]);
  });

  test("someone else's card does nothing for them, and a replayed click gets 'this step is over'", async () => {
    const { graph } = await world.person('ow');
    const { graph: other } = await world.person('ot');
    const client = world.bot.client(graph);
    const intruder = world.bot.client(other);
    const { card, cardId } = await start(client, 'menu.reset');
    const stolen = await intruder.click(card, 'verify.chooseMethod', { method: 'email' }, cardId);
    expect(cardText(stolen.card)).toMatch(/isn't your card/i);
    expect(world.bot.graph.state.sentMails.filter((m) => m.to.includes(graph.emailMethods![0]!))).toHaveLength(0);
    const first = await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId);
    expect(cardText(first.card)).toMatch(/code/i);
    const replay = await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId);
    expect(cardText(replay.card)).toMatch(/step is over/i);
    expect(world.bot.graph.state.sentMails.filter((m) => m.to.includes(graph.emailMethods![0]!))).toHaveLength(1);
  });

  test('a menu clicked twice starts one request only', async () => {
    const { graph } = await world.person('dt');
    const client = world.bot.client(graph);
    const menu = await client.say('reset');
    await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    const again = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    expect(cardText(again.card)).toMatch(/step is over/i);
    expect(await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id)).toHaveLength(1);
  });

  test('a person who is not synced from on-premises AD is told what the bot can and cannot do', async () => {
    const { graph } = await world.person('cl', { onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null, onPremisesSamAccountName: null });
    const menu = await world.bot.client(graph).say('hi');
    expect(cardText(menu.card)).toMatch(/cloud/i);
  });

  test.each([
    ['down (503)', { status: 503, times: Infinity }, /Microsoft 365|try again/i],
    ['throttling (429 with Retry-After)', { status: 429, retryAfter: 1, times: Infinity }, /busy|try again/i],
    ['not answering (time-out)', { hang: true as const, times: Infinity }, /Microsoft 365|try again|time/i],
  ])('when Microsoft Graph is %s the person gets a clear message, and nothing is started', async (_what, fault, message) => {
    const { graph } = await world.person('gd');
    world.bot.graph.inject('user', fault);
    try {
      const menu = await world.bot.client(graph).say('hi');
      expect(cardText(menu.card)).toMatch(message);
    } finally {
      world.bot.graph.clearFaults();
    }
    expect(await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id)).toEqual([]);
  });

  test('a person whose id Microsoft 365 cannot read, or does not know, is sent to the helpdesk; a malformed id is never told to try again', async () => {
    const cases = [
      ['not-a-guid', /valid account identifier/i, /try again/i],
      ['00000000-0000-4000-8000-00000000dead', /couldn't be found/i, /few minutes/i],
    ] as const;
    for (const [id, says, never] of cases) {
      const stranger = fakeUser({ id, displayName: 'Sam Stranger' });
      const menu = await world.bot.client(stranger).say('hi');
      const words = menu.card ? cardText(menu.card) : menu.text ?? '';
      expect(words).toMatch(says);
      expect(words).toMatch(/helpdesk/i);
      expect(words).not.toMatch(never);
      expect(await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, id)).toEqual([]);
    }
  });

  test("a person's conversation reference is saved once, and again when the way to reach them changes", async () => {
    const { graph } = await world.person('cr');
    const client = world.bot.client(graph);
    const store = world.bot.app.store;
    const menu = await client.say('hi');
    expect((await store.getConversationReference(world.bot.graph.tenantId, graph.id))?.reference).toMatchObject({ serviceUrl: world.bot.connector.serviceUrl, bot: { id: '28:resetdesk-bot' } });
    const saves = jest.spyOn(store, 'saveConversationReference');
    try {
      await client.click(menu.card, 'menu.help', {}, menu.activityId);
      await client.say('hi again');
      expect(saves).not.toHaveBeenCalled();
      // The bot answers under another id now (a re-registered app): the stored reference follows.
      const moved = new TeamsClient(world.bot.url, world.bot.connector, client.user, {}, '28:resetdesk-bot-v2');
      await moved.say('hi');
      expect(saves).toHaveBeenCalledTimes(1);
    } finally {
      saves.mockRestore();
    }
    expect((await store.getConversationReference(world.bot.graph.tenantId, graph.id))?.reference).toMatchObject({ bot: { id: '28:resetdesk-bot-v2' } });
  });

  test('the result updates the card through the reference this replica saw in the person\'s turns, without reading it from the database', async () => {
    const { account, graph } = await world.person('rr');
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.reset');
    const passwordCard = await verifyByEmail(client, card, cardId, graph.emailMethods![0]!);
    const reads = jest.spyOn(world.bot.app.store, 'getConversationReference');
    try {
      const password = canaryPassword();
      canaries.push(password);
      await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
      expect(await cardNow(cardId, (t) => /password was changed/i.test(t))).toMatch(/password was changed/i);
      expect(reads).not.toHaveBeenCalled();
      expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
    } finally {
      reads.mockRestore();
    }
  });

  test('when the person\'s chat moved on another replica, a card update that fails through the remembered reference reads the stored one and lands there', async () => {
    const { graph } = await world.person('rm');
    const client = world.bot.client(graph);
    const { card, cardId } = await start(client, 'menu.reset');
    const passwordCard = await verifyByEmail(client, card, cardId, graph.emailMethods![0]!);
    // Another replica saw the person in a new chat with the bot and saved it; this replica still remembers the old one.
    const store = world.bot.app.store;
    const stored = (await store.getConversationReference(world.bot.graph.tenantId, graph.id))!.reference;
    const moved = `a:moved-${graph.id}`;
    await store.saveConversationReference(world.bot.graph.tenantId, graph.id, { ...stored, conversation: { ...(stored.conversation as Record<string, string>), id: moved } });
    const reads = jest.spyOn(store, 'getConversationReference');
    try {
      // The old chat is gone: Teams refuses the update sent there.
      world.bot.connector.failNext(1, 404);
      const password = canaryPassword();
      canaries.push(password);
      await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
      const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && /password was changed/i.test(cardText(cardOf(a))), 30_000);
      expect(update.conversationId).toBe(moved);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  test('help answers with the help card', async () => {
    const { graph } = await world.person('hp');
    const help = await world.bot.client(graph).say('help');
    expect(cardText(help.card)).toMatch(/help|what I can do/i);
  });

  test('activities from another tenant are refused', async () => {
    const { graph } = await world.person('tn');
    const client = world.bot.client(graph);
    (client.user as { tenantId: string }).tenantId = '00000000-0000-4000-8000-00000000dead';
    const res = await client.invoke('menu.reset', { requestId: '6f1c1b9e-8f0a-4a55-9d55-2f9a7f2f0c11', stepToken: 'x'.repeat(32) });
    expect(res.status).toBe(403);
  });

  test('activities from any client but Teams are refused: an invoke gets 403 and a message gets no answer', async () => {
    const { graph } = await world.person('wc');
    const webChat = world.bot.client(graph, { botFrameworkChannel: 'webchat' });
    const res = await webChat.invoke('menu.reset', { requestId: '6f1c1b9e-8f0a-4a55-9d55-2f9a7f2f0c12', stepToken: 'x'.repeat(32) });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).toMatch(/CHANNEL_NOT_ALLOWED/);
    const before = world.bot.connector.activities.length;
    await expect(webChat.say('hi', { timeoutMs: 1_500 })).rejects.toThrow(/no matching activity/);
    expect(world.bot.connector.activities.length).toBe(before);
    expect(await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id)).toEqual([]);
  });

  test('no password or one-time code used in these journeys appears in the logs, the database, the audit log or any outgoing activity', async () => {
    expect(canaries.length).toBeGreaterThan(3);
    const places = {
      logs: world.bot.logs(),
      agent: world.agentLogs(),
      database: await dumpAllTables(world.bot.app.store),
      audit: JSON.stringify(await world.bot.app.store.listAudit({ limit: 10_000 })),
      activities: world.bot.connector.rawBodies(),
    };
    for (const canary of canaries) {
      for (const [place, text] of Object.entries(places)) {
        if (text.includes(canary)) throw new Error(`a canary secret appeared in ${place}`);
      }
    }
    // And the audit chain is intact.
    expect(await world.bot.app.store.verifyAuditChain()).toMatchObject({ ok: true });
  });
});
