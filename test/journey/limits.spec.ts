// Limits a person meets on a card, tried as an attacker would: forged clicks,
// cancel-and-restart loops, two replicas, several people against one account.
// Everything goes through the bot's real /api/messages endpoint.
import { testEngines } from '../../bot/store/testing';
import type { StoreEngineKind } from '../../bot/store';
import { cardOf, cardText, findAction, type CardJson, type TeamsClient } from '../support/teams-client';
import { canBind, canaryPassword } from '../writeback/writeback-harness';
import type { FakeGraphUser } from '../support/fake-graph';
import { codeMailedTo, startJourneyWorld, type JourneyWorld } from './journey-harness';

jest.setTimeout(180_000);

const LIMITS = {
  RESETDESK_LIMIT_MAIL_CODES: '3/24h',
  RESETDESK_LIMIT_SMS_CODES: '1/24h',
  RESETDESK_LIMIT_CHANGE_FAILURES: '2/24h',
  RESETDESK_LIMIT_WRONG_CODES: '4/24h',
  RESETDESK_LIMIT_REQUESTS: '6/24h',
};

async function startReset(client: TeamsClient): Promise<{ card: CardJson; cardId: string }> {
  const menu = await client.say('hi');
  const next = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
  return { card: next.card!, cardId: menu.activityId };
}

function mailsTo(world: JourneyWorld, person: FakeGraphUser): number {
  return world.bot.graph.state.sentMails.filter((m) => m.to.includes(person.emailMethods![0]!)).length;
}

async function refusals(world: JourneyWorld, action: string): Promise<number> {
  const text = await world.bot.app.metrics.registry.getSingleMetricAsString('resetdesk_limit_refusals_total');
  return [...text.matchAll(new RegExp(`^resetdesk_limit_refusals_total\\{action="${action}",scope="\\w+"\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

describe.each(testEngines())('limits that cannot be walked around, on %s', (engine: StoreEngineKind) => {
  let world: JourneyWorld;

  beforeAll(async () => {
    world = await startJourneyWorld(engine, { env: LIMITS });
  });
  afterAll(async () => {
    await world?.close();
  });

  test("the enter-code card's token sent as \"choose a method\" is refused: no new code is sent and no tries come back", async () => {
    const { graph } = await world.person('fg');
    const client = world.bot.client(graph);
    const { card, cardId } = await startReset(client);
    const codeCard = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId)).card!;
    const right = codeMailedTo(world.bot, graph.emailMethods![0]!);
    const wrong = right === '111111' ? '222222' : '111111';
    const after = (await client.click(codeCard, 'verify.submitCode', { code: wrong }, cardId)).card!;
    expect(cardText(after)).toMatch(/4 tries left/);

    // The card's own token, on a verb that card never offered.
    const forged = await client.invoke('verify.chooseMethod', { ...findAction(after, 'verify.submitCode')!.data, method: 'email' }, cardId);
    expect(cardText(forged.card)).toMatch(/step is over/i);
    expect(mailsTo(world, graph)).toBe(1);
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    const challenges = await world.bot.app.store.listChallenges(request!.id);
    expect(challenges).toHaveLength(1);
    expect(challenges[0]).toMatchObject({ attempts: 1, sendCount: 1, status: 'pending' });

    // Nothing changed: the real card still works, with the tries it had.
    const passwordCard = await client.click(after, 'verify.submitCode', { code: right }, cardId);
    expect(cardText(passwordCard.card)).toMatch(/new password/i);
  });

  test('cancelling and starting again buys no new codes: the fourth e-mailed code in a day is refused, and the card says until when and that the helpdesk can help', async () => {
    const { graph } = await world.person('cr');
    const client = world.bot.client(graph);
    for (let i = 0; i < 3; i++) {
      const { card, cardId } = await startReset(client);
      const codeCard = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId)).card!;
      expect(cardText(codeCard)).toMatch(/code/i);
      expect(cardText((await client.click(codeCard, 'request.cancel', {}, cardId)).card)).toMatch(/cancelled/i);
    }
    expect(mailsTo(world, graph)).toBe(3);
    const before = await refusals(world, 'mail_code');
    const { card, cardId } = await startReset(client);
    const refused = await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId);
    const text = cardText(refused.card);
    expect(text).toMatch(/too many codes by e-mail/i);
    expect(text).toMatch(/try again after \{\{DATE\(.+\)\}\} \{\{TIME\(.+\)\}\}/);
    expect(text).toMatch(/helpdesk can help/i);
    expect(mailsTo(world, graph)).toBe(3);
    expect(await refusals(world, 'mail_code')).toBe(before + 1);
    const [latest] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    const audit = await world.bot.app.store.listAudit({ requestId: latest!.id });
    expect(audit.find((a) => a.action === 'limit.reached')).toMatchObject({ details: { limit: 'mail_code', scope: 'person' } });

    // Texts are counted apart from e-mails (and more tightly: they cost money).
    const bySms = await startReset(client);
    expect(cardText((await client.click(bySms.card, 'verify.chooseMethod', { method: 'sms' }, bySms.cardId)).card)).toMatch(/type the code/i);
    const bySmsAgain = await startReset(client);
    expect(cardText((await client.click(bySmsAgain.card, 'verify.chooseMethod', { method: 'sms' }, bySmsAgain.cardId)).card)).toMatch(/too many codes by text message/i);
  });

  test('each "change password" is a guess at the current password: wrong ones are counted, right ones are not, and past the limit nothing reaches AD', async () => {
    const { account, graph } = await world.person('cf');
    const client = world.bot.client(graph);
    const change = async (current: string): Promise<string> => {
      const menu = await client.say('hi');
      const card = (await client.click(menu.card, 'menu.change', {}, menu.activityId)).card!;
      const next = canaryPassword();
      const answer = await client.click(card, 'password.submitChange', { currentPassword: current, newPassword: next, confirmPassword: next }, menu.activityId);
      if (!/working on it/i.test(cardText(answer.card))) return cardText(answer.card);
      const update = await world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === menu.activityId && !/working on it/i.test(cardText(cardOf(a))), 30_000);
      if (/password was changed/i.test(cardText(cardOf(update)))) account.password = next;
      return cardText(cardOf(update));
    };
    expect(await change('Not-the-right-one-1!')).toMatch(/current password/i);
    expect(await change(account.password)).toMatch(/password was changed/i);
    expect(await change('Not-the-right-one-2!')).toMatch(/current password/i);
    expect(await change(account.password)).toMatch(/typed wrong too many times/i);
    expect(await canBind(world.dir, account.userPrincipalName, account.password)).toBe(true);
  });

  test('wrong codes count across requests: once the day\'s budget is used, even the right code is refused', async () => {
    const { graph } = await world.person('wc');
    const client = world.bot.client(graph);
    let { card, cardId } = await startReset(client);
    let codeCard = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId)).card!;
    let right = codeMailedTo(world.bot, graph.emailMethods![0]!);
    for (let i = 0; i < 3; i++) codeCard = (await client.click(codeCard, 'verify.submitCode', { code: right === '111111' ? '222222' : '111111' }, cardId)).card!;
    await client.click(codeCard, 'request.cancel', {}, cardId);

    ({ card, cardId } = await startReset(client));
    codeCard = (await client.click(card, 'verify.chooseMethod', { method: 'email' }, cardId)).card!;
    right = codeMailedTo(world.bot, graph.emailMethods![0]!);
    const fourth = await client.click(codeCard, 'verify.submitCode', { code: right === '111111' ? '222222' : '111111' }, cardId);
    expect(cardText(fourth.card)).toMatch(/4 tries left/);
    const refused = await client.click(fourth.card!, 'verify.submitCode', { code: right }, cardId);
    expect(cardText(refused.card)).toMatch(/too many wrong codes/i);
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    expect(request).toMatchObject({ state: 'verifying', methodsPassed: [] });
    // And no new code is sent that could not be checked.
    const mails = mailsTo(world, graph);
    const again = await startReset(client);
    expect(cardText((await client.click(again.card, 'verify.chooseMethod', { method: 'email' }, again.cardId)).card)).toMatch(/too many wrong codes/i);
    expect(mailsTo(world, graph)).toBe(mails);
  });

  test('an account flooded by several requesters is refused for every one of them, in words about the account', async () => {
    const { account, graph: first } = await world.person('fl');
    const second = await world.twinOf(account, { displayName: 'Second Requester' });
    const a = world.bot.client(first);
    const b = world.bot.client(second);
    for (let i = 0; i < 3; i++) {
      expect(cardText((await startReset(a)).card)).toMatch(/check it's you/i);
      expect(cardText((await startReset(b)).card)).toMatch(/check it's you/i);
    }
    for (const client of [a, b]) {
      const refused = await startReset(client);
      expect(cardText(refused.card)).toMatch(/too many requests were started for this account/i);
    }
    const third = await world.twinOf(account, { displayName: 'Third Requester' });
    expect(cardText((await startReset(world.bot.client(third))).card)).toMatch(/for this account/i);
  });
});

// testEngines() always includes PostgreSQL in CI, so a missing server fails there instead of skipping.
const describeOnPostgres = testEngines().includes('postgres') ? describe : describe.skip;

describeOnPostgres('limits across two bot replicas on PostgreSQL', () => {
  let world: JourneyWorld;
  let second: JourneyWorld['bot'];

  beforeAll(async () => {
    world = await startJourneyWorld('postgres', { env: { ...LIMITS, RESETDESK_LIMIT_REQUESTS: '4/24h' } });
    ({ bot: second } = await world.addReplica());
  });
  afterAll(async () => {
    await world?.close();
  });

  test('the same person alternating between replicas meets one limit, not one per replica', async () => {
    const { graph } = await world.person('rr');
    const onA = world.bot.client(graph);
    const onB = second.client(graph);
    for (const client of [onA, onB, onA, onB]) expect(cardText((await startReset(client)).card)).toMatch(/check it's you/i);
    expect(cardText((await startReset(onA)).card)).toMatch(/you started too many requests/i);
    expect(cardText((await startReset(onB)).card)).toMatch(/you started too many requests/i);
  });
});
