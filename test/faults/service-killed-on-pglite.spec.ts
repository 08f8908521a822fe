// The service on its embedded PGlite data folder is killed with SIGKILL in
// the middle of steps (code answers and password submissions in flight from
// several people at once) and started again on the same folder. The folder
// opens, the audit chain verifies, every step a person was answered for is
// still there, no password is written twice, and every card ends in the truth.
import { pgliteDirOf } from '../../bot/config';
import { openStore, type Store } from '../../bot/store';
import { dumpAllTables } from '../../bot/store/testing';
import { codeOf } from '../../bot/writeback/result-delivery';
import { cardOf, cardText, type CardJson, type TeamsClient } from '../support/teams-client';
import { startServiceWorld, type ServiceReplica, type ServiceWorld } from '../support/service-world';
import { passwordVersionOf, type TestAccount } from '../support/test-directory';
import type { FakeGraphUser } from '../support/fake-graph';
import { canaryPassword, withTimeout } from '../writeback/writeback-harness';

jest.setTimeout(300_000);

let world: ServiceWorld;
let service: ServiceReplica;

beforeAll(async () => {
  world = await startServiceWorld('pglite');
  service = await world.startReplica();
  await world.runAgent(await world.enrollAgent(service, 'pglite-agent'));
});
afterAll(async () => {
  await world?.close();
});

interface Person {
  account: TestAccount;
  graph: FakeGraphUser;
  client: TeamsClient;
  cardId: string;
  card: CardJson;
  versionBefore: number;
  /** What the person sent in the storm, and what they were answered. */
  sent: number;
  answered: string[];
  password?: string;
}

function codeMailedTo(address: string): string {
  const mail = [...world.graph.state.sentMails].reverse().find((m) => m.to.includes(address));
  const code = mail ? /\b(\d{6,8})\b/.exec(mail.content)?.[1] : undefined;
  if (!code) throw new Error(`no code mailed to ${address}`);
  return code;
}

/** A person at the code card (or, with `toPassword`, at the new-password card). */
async function atStep(prefix: string, toPassword: boolean): Promise<Person> {
  const { account, graph } = await world.person(prefix);
  const client = service.client(graph);
  const menu = await client.say('hi', { timeoutMs: 30_000 });
  const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
  let card = (await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId)).card!;
  if (toPassword) card = (await client.click(card, 'verify.submitCode', { code: codeMailedTo(graph.emailMethods![0]!) }, menu.activityId)).card!;
  expect(cardText(card)).toMatch(toPassword ? /new password/i : /code/i);
  return { account, graph, client, cardId: menu.activityId, card, versionBefore: await passwordVersionOf(world.admin, account.dn), sent: 0, answered: [] };
}

/** The last card a person was shown in place of `cardId`, proactively or as an answer. */
function lastUpdate(cardId: string): string | undefined {
  const updates = world.connector.activities.filter((a) => a.method === 'PUT' && a.activityId === cardId);
  return updates.length ? cardText(cardOf(updates[updates.length - 1])) : undefined;
}

const t0 = Date.now();
const progress = (what: string): void => void process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);

test('killed with SIGKILL mid-step and started again: the data folder opens, the audit chain verifies, nothing answered is lost, nothing is written twice, every card ends true', async () => {
  const guessers = await Promise.all(Array.from({ length: 6 }, (_, i) => atStep(`kg${i}`, false)));
  const resetters = await Promise.all(Array.from({ length: 3 }, (_, i) => atStep(`kr${i}`, true)));

  progress('setup done');
  // The storm: wrong codes, one after another per person, and new passwords, all at once.
  let killed = false;
  const guess = async (p: Person): Promise<void> => {
    const wrong = codeMailedTo(p.graph.emailMethods![0]!) === '111111' ? '222222' : '111111';
    for (let i = 0; i < 4 && !killed; i++) {
      p.sent += 1;
      const answer = await p.client.click(p.card, 'verify.submitCode', { code: wrong }, p.cardId).catch(() => undefined);
      if (!answer?.card) return;
      p.answered.push(cardText(answer.card));
      p.card = answer.card;
    }
  };
  const reset = async (p: Person): Promise<void> => {
    p.password = canaryPassword();
    p.sent += 1;
    const answer = await p.client.click(p.card, 'password.submit', { newPassword: p.password, confirmPassword: p.password }, p.cardId).catch(() => undefined);
    if (answer?.card) p.answered.push(cardText(answer.card));
  };
  const storm = Promise.all([...guessers.map(guess), ...resetters.map(reset)]);
  await new Promise((r) => setTimeout(r, 150));
  killed = true;
  await service.kill();
  await storm;

  progress('killed');
  // Started again on the same folder and port, as a service manager restarts it: it opens, the
  // agent finds it again, and the people carry on.
  const restartedAt = new Date();
  service = await world.startReplica({ PORT: new URL(service.url).port });
  await world.agentsBack(service, restartedAt);
  progress('restarted, agents back');
  for (const p of [...guessers, ...resetters]) p.client = service.client(p.graph);

  for (const p of resetters) {
    // Answered "working on it" (or not answered at all): either way the card ends true.
    if (!p.answered.some((a) => /Working on it/i.test(a))) {
      const again = await p.client.click(p.card, 'password.submit', { newPassword: p.password!, confirmPassword: p.password! }, p.cardId);
      expect(cardText(again.card)).toMatch(/Working on it|step is over/i);
    }
    await world.connector.waitFor((a) => a.method === 'PUT' && a.activityId === p.cardId && /password was changed/i.test(cardText(cardOf(a))), 90_000);
    expect(await passwordVersionOf(world.admin, p.account.dn)).toBe(p.versionBefore + 1);
  }
  progress('resetters done');
  for (const p of guessers) {
    // The card the person holds still answers: the next try, or "this step is over" when the try in flight was saved.
    const next = await p.client.click(p.card, 'verify.submitCode', { code: codeMailedTo(p.graph.emailMethods![0]!) }, p.cardId);
    expect(cardText(next.card)).toMatch(/new password|step is over|too many/i);
  }

  progress('guessers done');
  // Stopped gracefully, the folder is read here: one owner at a time.
  await withTimeout(service.stop(), 30_000, 'the service to stop');
  progress('stopped');
  let store: Store | undefined;
  try {
    store = await withTimeout(openStore({ dataDir: pgliteDirOf(world.dataDir!) }), 60_000, 'the data folder to open here');
    progress('store open');
    expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    for (const p of guessers) {
      const [request] = await store.listRequestsByOwner(world.graph.tenantId, p.graph.id);
      const attempts = (await store.listChallenges(request!.id)).reduce((n, c) => n + c.attempts, 0);
      const wrongAnswered = p.answered.length;
      // Every answered try was saved before the answer; a try in flight at the kill may or may not have been.
      expect(attempts).toBeGreaterThanOrEqual(wrongAnswered);
      expect(attempts).toBeLessThanOrEqual(p.sent);
      const audited = (await store.listAudit({ requestId: request!.id })).filter((a) => a.action === 'verification.code_wrong').length;
      expect(audited).toBeGreaterThanOrEqual(wrongAnswered);
    }
    for (const p of resetters) {
      const [request] = await store.listRequestsByOwner(world.graph.tenantId, p.graph.id);
      expect((await store.listJobsForRequest(request!.id)).filter((j) => j.state === 'succeeded')).toHaveLength(1);
    }
    const tables = await dumpAllTables(store);
    for (const p of resetters) expect(tables).not.toContain(p.password!);
  } catch (err) {
    throw new Error(`after the restart: ${(err as Error).message} (${codeOf(err)})`, { cause: err });
  } finally {
    await store?.close();
  }
  for (const p of resetters) expect(lastUpdate(p.cardId)).toMatch(/password was changed/i);
});
