// A job prepared by the writeback service travels through the real gateway to
// a separate agent process, is applied to the Samba DC and its result comes back.
import { openStore, type Store, type StoreEngineKind } from '../../bot/store';
import { createTestStore, dumpAllTables, testEngines, type TestStore } from '../../bot/store/testing';
import type { ServiceSigningKey } from '../../bot/writeback/crypto';
import { capturedLogger } from '../support/failures';
import type { TestDirectory } from '../support/test-directory';
import {
  agentIdOf, canaryPassword, canBind, enrollAgent, lockOut, newSigningKey, queueForRequest, runAgent, startReplica, useWritebackDirectory,
  type AgentProcess, type Replica,
} from './writeback-harness';

jest.setTimeout(120_000);

const world = useWritebackDirectory();
let dir: TestDirectory;
let configFile: string;
beforeAll(() => ({ dir, configFile } = world));
const freshUser = (prefix: string) => world.freshUser(prefix);

describe.each(testEngines())('the writeback channel on %s', (engine: StoreEngineKind) => {
  let ts: TestStore;
  let store: Store;
  let replica: Replica;
  let agent: AgentProcess;
  let stateA: string;
  let signingKey: ServiceSigningKey;
  const log = capturedLogger();
  const canaries: string[] = [];

  beforeAll(async () => {
    ts = await createTestStore(engine);
    store = ts.store;
    signingKey = await newSigningKey();
    replica = await startReplica({ store, signingKey, logger: log.logger });
    stateA = await enrollAgent(store, replica.url, configFile);
    agent = await runAgent(configFile, stateA);
  });
  afterAll(async () => {
    await agent?.stop();
    await replica?.close();
    await ts?.cleanup();
  });

  test('a reset queued with its request is applied by the agent, the new password works, and the result reaches the listener', async () => {
    const user = await freshUser('wbr');
    const password = canaryPassword();
    canaries.push(password);
    expect(await replica.channel.agentsAlive()).toBe(true);
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password });
    const event = await replica.finished(jobId);
    expect(event).toMatchObject({ outcome: 'succeeded', code: 'OK', message: 'The password was changed.' });
    expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
    expect(await store.getJob(jobId)).toMatchObject({ state: 'succeeded', signedJob: null });
  });

  test('an unlock is applied: a locked-out user can sign in again with their own password', async () => {
    const user = await freshUser('wbu');
    await lockOut(dir, user.userPrincipalName);
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'unlock', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName });
    expect(await replica.finished(jobId)).toMatchObject({ outcome: 'succeeded', message: 'The account was unlocked.' });
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  });

  test('a user-initiated change with the right current password is applied', async () => {
    const user = await freshUser('wbc');
    const password = canaryPassword();
    canaries.push(password, user.password);
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'change', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password, currentPassword: user.password });
    expect(await replica.finished(jobId)).toMatchObject({ outcome: 'succeeded' });
    expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
  });

  test('the bot can ask an agent about an account and gets its status and policy', async () => {
    const user = await freshUser('wbi');
    await lockOut(dir, user.userPrincipalName);
    const report = await replica.channel.inspect({ sid: user.sid }, { timeoutMs: 20_000 });
    expect(report).toMatchObject({ locked: true, disabled: false, privileged: false, inScope: true, policy: { minLength: 8, complexity: true, historyLength: 5 } });
  });

  test('no plaintext password is in any table or log line after the runs', async () => {
    expect(canaries.length).toBeGreaterThan(0);
    const dump = await dumpAllTables(store);
    const logs = `${log.text()}\n${agent.output()}`;
    for (const c of canaries) {
      expect(dump).not.toContain(c);
      expect(logs).not.toContain(c);
    }
  });

  if (engine === 'postgres') {
    describe('with two bot replicas and two agents on one database', () => {
      let storeB: Store;
      let replicaB: Replica;
      let agentB: AgentProcess;
      let agentBId: string;

      beforeAll(async () => {
        storeB = await openStore({ databaseUrl: ts.databaseUrl! });
        // Replicas of one deployment share the service signing key the agents pinned.
        replicaB = await startReplica({ store: storeB, signingKey, logger: log.logger });
        const stateB = await enrollAgent(storeB, replicaB.url, configFile, 'agent-b');
        agentBId = await agentIdOf(stateB);
        agentB = await runAgent(configFile, stateB);
      });
      afterAll(async () => {
        await agentB?.stop();
        await replicaB?.close();
        await storeB?.close();
      });

      test('a job queued on replica A is leased at once through replica B, and the result is delivered once', async () => {
        // Only the agent polling replica B is running, so B's long-poll must be woken by A's NOTIFY.
        await agent.stop();
        const user = await freshUser('wb2');
        const password = canaryPassword();
        const { jobId, queuedAt } = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password });
        const event = await Promise.race([replica.finished(jobId), replicaB.finished(jobId)]);
        expect(Date.now() - queuedAt).toBeLessThan(3000);
        expect(event).toMatchObject({ outcome: 'succeeded' });
        expect(event.job.leaseOwner).toBe(agentBId);
        expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
        await new Promise((r) => setTimeout(r, 300));
        const heard = [...replica.events, ...replicaB.events].filter((e) => e.job.id === jobId);
        expect(heard).toHaveLength(1);
      });

      test('with both agents running, jobs queued on either replica all succeed', async () => {
        agent = await runAgent(configFile, stateA);
        const users = await Promise.all([freshUser('wbp'), freshUser('wbq'), freshUser('wbs'), freshUser('wbt')]);
        const jobs = await Promise.all(users.map((u, i) => queueForRequest(i % 2 ? storeB : store, i % 2 ? replicaB.channel : replica.channel, { kind: 'reset', sid: u.sid, upn: u.userPrincipalName, sam: u.sAMAccountName, password: canaryPassword() })));
        const events = await Promise.all(jobs.map(({ jobId }) => Promise.race([replica.finished(jobId), replicaB.finished(jobId)])));
        expect(events.map((e) => e.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      });
    });
  }
});
