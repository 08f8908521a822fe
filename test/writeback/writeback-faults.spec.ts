// How the writeback channel behaves when parts fail: an agent killed between
// AD's change and its report, domain controllers down, the service restarted
// while a job was out, no agent alive, and jobs nobody picked up.
import { createDirectory } from '../../agent/directory';
import { isResetDeskError } from '../../bot/errors';
import type { Store } from '../../bot/store';
import { createTestStore, type TestStore } from '../../bot/store/testing';
import type { ServiceSigningKey } from '../../bot/writeback/crypto';
import type { JobFinishedEvent } from '../../bot/writeback';
import { capturedLogger } from '../support/failures';
import type { TestDirectory } from '../support/test-directory';
import { agentConfigFor, writeAgentConfigFile } from '../agent/agent-test-config';
import {
  canaryPassword, canBind, enrollAgent, newSigningKey, queueForRequest, runAgent, startReplica, useWritebackDirectory, withTimeout,
} from './writeback-harness';

jest.setTimeout(120_000);

const world = useWritebackDirectory();
let dir: TestDirectory;
let configFile: string;
const freshUser = (prefix: string) => world.freshUser(prefix);
let ts: TestStore;
let store: Store;
let signingKey: ServiceSigningKey;
const log = capturedLogger();

beforeAll(async () => {
  ({ dir, configFile } = world);
  ts = await createTestStore('pglite');
  store = ts.store;
  signingKey = await newSigningKey();
});
afterAll(async () => {
  await ts?.cleanup();
});

async function passwordVersion(sid: string): Promise<number> {
  const directory = createDirectory(agentConfigFor(dir, dir.service));
  try {
    return (await directory.passwordVersion({ sid })).version;
  } finally {
    await directory.close();
  }
}

test('an agent killed after AD applied a reset and before it reported: the restarted agent reports it without applying it again', async () => {
  const replica = await startReplica({ store, signingKey, logger: log.logger, leaseMs: 2000, sweepIntervalMs: 200 });
  const stateDir = await enrollAgent(store, replica.url, configFile, 'crashy');
  try {
    const user = await freshUser('crs');
    const password = canaryPassword();
    const before = await passwordVersion(user.sid);

    const crashing = await runAgent(configFile, stateDir, { RESETDESK_AGENT_FAULT: 'crash-after-apply' });
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password });
    const died = await withTimeout(crashing.exited, 20_000, 'the agent to crash');
    expect(died.signal).toBe('SIGKILL');
    expect(await passwordVersion(user.sid)).toBe(before + 1);
    expect((await store.getJob(jobId))!.state).toBe('leased');

    const restarted = await runAgent(configFile, stateDir);
    try {
      const event = await replica.finished(jobId, 30_000);
      expect(event).toMatchObject({ outcome: 'succeeded', code: 'OK' });
      expect(event.job.attempts).toBe(2);
      expect(await passwordVersion(user.sid)).toBe(before + 1);
      expect(await canBind(dir, user.userPrincipalName, password)).toBe(true);
      expect(restarted.output()).toContain('the password was already written by an earlier attempt');
      expect(`${crashing.output()}${restarted.output()}`).not.toContain(password);
    } finally {
      await restarted.stop();
    }
  } finally {
    await replica.close();
  }
});

test('all domain controllers down: the job fails with AGENT_DIRECTORY_UNAVAILABLE and a clear message, and the agent keeps serving', async () => {
  const replica = await startReplica({ store, signingKey, logger: log.logger });
  const deadConfig = await writeAgentConfigFile(dir, dir.service, { dcUrls: ['ldaps://127.0.0.1:6399'], connectTimeoutMs: 500 });
  const agent = await runAgent(deadConfig, await enrollAgent(store, replica.url, deadConfig, 'no-dcs'));
  try {
    const user = await freshUser('dcd');
    for (let i = 0; i < 2; i++) {
      const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password: canaryPassword() });
      const event = await replica.finished(jobId);
      expect(event).toMatchObject({ outcome: 'failed', code: 'AGENT_DIRECTORY_UNAVAILABLE' });
      expect(event.message).toBe('The on-premises directory cannot be reached right now. Nothing was changed; please try again later.');
      expect(await store.getJob(jobId)).toMatchObject({ state: 'failed', signedJob: null, result: { code: 'AGENT_DIRECTORY_UNAVAILABLE' } });
    }
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  } finally {
    await agent.stop();
    await replica.close();
  }
});

test('the service restarted between queueing and result: the result reaches a listener on the new service instance', async () => {
  // The first instance takes the agent's result and "crashes" before acting on it.
  const crashed = await startReplica({ store, signingKey, logger: log.logger, noStart: true, noListener: true });
  const agent = await runAgent(configFile, await enrollAgent(store, crashed.url, configFile, 'restart'));
  let jobId: string;
  try {
    const user = await freshUser('rst');
    ({ jobId } = await queueForRequest(store, crashed.channel, { kind: 'unlock', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName }));
    await withTimeout((async () => {
      while ((await store.getJob(jobId))!.state !== 'succeeded') await new Promise((r) => setTimeout(r, 50));
    })(), 20_000, 'the agent to report');
  } finally {
    await agent.stop();
    await crashed.close();
  }
  const restarted = await startReplica({ store, signingKey, logger: log.logger });
  try {
    expect(await restarted.finished(jobId, 10_000)).toMatchObject({ outcome: 'succeeded', message: 'The account was not locked; nothing needed to change.' });
    expect((await store.getJob(jobId))!.deliveredAt).toBeInstanceOf(Date);
  } finally {
    await restarted.close();
  }
});

test('a listener that fails is logged and does not stop the others', async () => {
  const replica = await startReplica({ store, signingKey, logger: log.logger, noListener: true });
  const heard: JobFinishedEvent[] = [];
  replica.channel.onJobFinished(async () => {
    throw new Error('card update failed');
  });
  replica.channel.onJobFinished(async (e) => void heard.push(e));
  try {
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'unlock', sid: 'S-1-5-21-1-2-3-99999', upn: 'nobody@corp.example.test', sam: 'nobody' });
    await store.expireJobs(new Date(Date.now() + 3600_000));
    await withTimeout((async () => {
      while (!heard.some((e) => e.job.id === jobId)) await new Promise((r) => setTimeout(r, 20));
    })(), 5000, 'the second listener');
    expect(log.text()).toContain('a result listener failed');
  } finally {
    await replica.close();
  }
});

test('with no agent alive the service says so at once, and with no agent enrolled it refuses to prepare a job', async () => {
  const empty = await createTestStore('pglite');
  try {
    const replica = await startReplica({ store: empty.store, signingKey, logger: log.logger });
    try {
      expect(await replica.channel.agentsAlive()).toBe(false);
      const err = await replica.channel.prepareJob({ requestId: '6f1e3a34-5d8c-4e2b-9a51-0c2b7d9e4f10', kind: 'unlock', target: { sam: 'alice' }, options: {} }).catch((e: unknown) => e);
      expect(isResetDeskError(err, 'WRITEBACK_NO_AGENTS')).toBe(true);
      // Enrolled but silent for longer than the window: not alive.
      await enrollAgent(empty.store, replica.url, configFile, 'silent');
      expect(await replica.channel.agentsAlive()).toBe(false);
      const later = await startReplica({ store: empty.store, signingKey, logger: log.logger, agentAliveWithinMs: 1000, now: () => new Date(Date.now() + 5000) });
      expect(await later.channel.agentsAlive()).toBe(false);
      await later.close();
    } finally {
      await replica.close();
    }
  } finally {
    await empty.cleanup();
  }
});

test('a queued job nobody picks up expires after its time to live and the listener hears "expired"', async () => {
  const replica = await startReplica({ store, signingKey, logger: log.logger, jobTtlSeconds: 1, sweepIntervalMs: 100 });
  try {
    const user = await freshUser('exp');
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password: canaryPassword() });
    const event = await replica.finished(jobId, 10_000);
    expect(event).toMatchObject({ outcome: 'expired', code: 'WRITEBACK_EXPIRED' });
    expect(await store.getJob(jobId)).toMatchObject({ state: 'expired', signedJob: null });
  } finally {
    await replica.close();
  }
});
