// PostgreSQL restarts in the middle of a journey. The bot reaches the
// machine's PostgreSQL through a TCP proxy this test cuts: every session ends
// at once and new ones are refused for a few seconds, which is what a restart
// shows a client. (A real `pg_ctlcluster ... restart` would also end the
// sessions of every other test run on this shared server.) Nothing the person
// was told "done" is lost, nothing is written twice, and every answer is true.
import { createScratchDatabase, dumpAllTables, testEngines } from '../../bot/store/testing';
import { codeMailedTo, startJourneyWorld, type JourneyWorld } from '../journey/journey-harness';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { cardOf, cardText, type CardJson } from '../support/teams-client';
import { passwordVersionOf } from '../support/test-directory';
import { canBind, canaryPassword } from '../writeback/writeback-harness';

jest.setTimeout(180_000);

// In CI testEngines() always includes PostgreSQL, so a missing server fails there instead of skipping.
const describeOnPostgres = testEngines().includes('postgres') ? describe : describe.skip;

describeOnPostgres('PostgreSQL restarted in the middle of a journey', () => {
  let world: JourneyWorld;
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  const OUTAGE_MS = 3_000;
  const LEASE_MS = 5_000;

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    drop = scratch.drop;
    const server = new URL(scratch.databaseUrl);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(scratch.databaseUrl);
    viaProxy.port = String(proxy.port);
    world = await startJourneyWorld('postgres', { databaseUrl: viaProxy.toString(), leaseMs: LEASE_MS });
  });
  afterAll(async () => {
    await world?.close();
    await proxy?.close();
    await drop?.();
  });

  /** A new person's reset, at the card that asks for the new password. */
  async function atPasswordCard(prefix: string) {
    const { account, graph } = await world.person(prefix);
    const client = world.bot.client(graph);
    const menu = await client.say('hi');
    const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
    const codeCard = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
    const passwordCard = await client.click(codeCard.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, graph.emailMethods![0]!) }, menu.activityId);
    expect(cardText(passwordCard.card)).toMatch(/new password/i);
    const [request] = await world.bot.app.store.listRequestsByOwner(world.bot.graph.tenantId, graph.id);
    return { account, graph, client, cardId: menu.activityId, passwordCard: passwordCard.card!, requestId: request!.id };
  }

  const finalCard = (cardId: string) =>
    world.bot.connector.waitFor((a) => a.method === 'PUT' && a.activityId === cardId && !/Working on it/i.test(cardText(cardOf(a))), 60_000);

  test('the database goes away in the middle of the step that queues the reset: the person is told nothing changed, and the same click after the restart resets the password once', async () => {
    const { account, client, cardId, passwordCard, requestId } = await atPasswordCard('pr');
    const store = world.bot.app.store;
    const before = await passwordVersionOf(world.admin, account.dn);
    const password = canaryPassword();

    // The restart lands inside a transaction (the queueing step's, or a sweep's just before it).
    const wentDown = proxy.downAfterClientSends('BEGIN');
    const during = await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
    await wentDown;
    expect(during.status).toBe(200);
    expect(cardText(during.card)).toMatch(/Nothing was changed/i);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await proxy.up();

    // Nothing was queued, and nothing was written.
    expect(await store.listJobsForRequest(requestId)).toEqual([]);
    expect(await passwordVersionOf(world.admin, account.dn)).toBe(before);

    // The card the person still has works, once.
    const again = await client.click(passwordCard, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
    expect(cardText(again.card)).toMatch(/Working on it/i);
    expect(cardText(cardOf(await finalCard(cardId)))).toMatch(/password was changed/i);
    expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
    expect((await store.listJobsForRequest(requestId)).map((j) => j.state)).toEqual(['succeeded']);

    expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    const actions = (await store.listAudit({ requestId })).map((a) => a.action);
    expect(actions.filter((a) => a === 'writeback.job_queued' || a === 'request.queued').length).toBeLessThanOrEqual(1);
    expect(actions).toContain('writeback.job_succeeded');
    for (const text of [world.bot.logs(), world.agentLogs(), world.bot.connector.rawBodies(), await dumpAllTables(store)]) expect(text).not.toContain(password);
  });

  test('the database goes away, for longer than a lease, while the agent reports a written password: the report is retried and still counts, and the card says it was changed, written once', async () => {
    const { account, client, cardId, passwordCard, requestId } = await atPasswordCard('pa');
    const store = world.bot.app.store;
    const before = await passwordVersionOf(world.admin, account.dn);
    const password = canaryPassword();

    // The agent's result for the reset (its user-safe message is in the statement's parameters)
    // reaches the database, which goes away before anyone hears back.
    const wentDown = proxy.downAfterClientSends('The password was changed.');
    const working = await client.click(passwordCard as CardJson, 'password.submit', { newPassword: password, confirmPassword: password }, cardId);
    expect(cardText(working.card)).toMatch(/Working on it/i);
    await wentDown;
    expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
    // Long enough for the agent's lease to lapse: the sweep puts the job back in the queue when the database returns.
    await new Promise((r) => setTimeout(r, LEASE_MS + 2_000));
    await proxy.up();

    expect(cardText(cardOf(await finalCard(cardId)))).toMatch(/password was changed/i);
    expect(await passwordVersionOf(world.admin, account.dn)).toBe(before + 1);
    expect(await canBind(world.dir, account.userPrincipalName, password)).toBe(true);
    // When the database returns, the agent's retried report and the sweep that hands the lapsed
    // job out again race: either way one job, succeeded, and the write announced once.
    const jobs = await store.listJobsForRequest(requestId);
    expect(jobs.map((j) => j.state)).toEqual(['succeeded']);
    expect(jobs[0]!.attempts).toBeLessThanOrEqual(2);
    expect((await store.listAudit({ requestId })).filter((a) => a.action === 'writeback.write_started')).toHaveLength(1);
    // Told once, whichever replica and retry delivered it.
    await new Promise((r) => setTimeout(r, 1_500));
    const told = world.bot.connector.activities.filter((a) => a.method === 'PUT' && a.activityId === cardId && /password was changed/i.test(cardText(cardOf(a))));
    expect(told).toHaveLength(1);
    expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
  });
});
