// The real agent process against a real bot replica and the run's DC: a job
// it finished is never carried out again, whatever kind and whoever hands it
// back; a configured protected group that does not exist keeps it from
// starting; and an inspect job brings back what an approver needs to know.
import type { Store } from '../../bot/store';
import { JOB_QUEUED_CHANNEL } from '../../bot/store/context';
import { createTestStore, superuserQuery, type TestStore } from '../../bot/store/testing';
import type { ServiceSigningKey } from '../../bot/writeback/crypto';
import { capturedLogger } from '../support/failures';
import type { TestDirectory } from '../support/test-directory';
import {
  agentCli, canaryPassword, canBind, enrollAgent, lockOut, newSigningKey, queueForRequest, runAgent, sidOf, startReplica, useWritebackDirectory,
  withTimeout, type AgentProcess, type Replica,
} from '../writeback/writeback-harness';
import { withAgentDirectory, writeAgentConfigFile } from './agent-test-config';

jest.setTimeout(120_000);

const world = useWritebackDirectory();
let dir: TestDirectory;
let ts: TestStore;
let store: Store;
let signingKey: ServiceSigningKey;
let replica: Replica;
let stateDir: string;
const log = capturedLogger();

beforeAll(async () => {
  dir = world.dir;
  ts = await createTestStore('pglite');
  store = ts.store;
  signingKey = await newSigningKey();
  replica = await startReplica({ store, signingKey, logger: log.logger });
  stateDir = await enrollAgent(store, replica.url, world.configFile, 'finished-jobs');
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

async function withAgent<T>(fn: (agent: AgentProcess) => Promise<T>): Promise<T> {
  const agent = await runAgent(world.configFile, stateDir);
  try {
    return await fn(agent);
  } finally {
    await agent.stop();
  }
}

/** The job's row once it has been leased `attempts` times and has ended. */
async function ended(jobId: string, attempts: number): Promise<{ state: string; code: unknown }> {
  return withTimeout((async () => {
    for (;;) {
      const job = (await store.getJob(jobId))!;
      if (job.attempts >= attempts && (job.state === 'succeeded' || job.state === 'failed')) return { state: job.state, code: job.result?.code };
      await new Promise((r) => setTimeout(r, 100));
    }
  })(), 60_000, `job ${jobId} to end after ${attempts} lease(s)`);
}

/**
 * Hands a finished job out again, signed token and all, as a faulty or
 * hostile service could: the row goes back to the queue with the job the
 * service signed (which the store wiped when it ended).
 */
async function requeue(jobId: string, signedJob: string): Promise<void> {
  await superuserQuery(store,
    `UPDATE writeback_jobs SET state = 'queued', signed_job = $2, lease_owner = NULL, lease_expires_at = NULL, result = NULL,
            finished_at = NULL, inspect_report = NULL, delivery_claimed_at = NULL, delivered_at = NULL
      WHERE id = $1`, [jobId, signedJob]);
  await superuserQuery(store, 'SELECT pg_notify($1, $2)', [JOB_QUEUED_CHANNEL, jobId]);
}

const passwordVersion = (sid: string): Promise<number> => withAgentDirectory(dir, async (d) => (await d.passwordVersion({ sid })).version);
const isLocked = (sid: string): Promise<boolean> => withAgentDirectory(dir, async (d) => (await d.status({ sid })).locked);

test('a job the agent finished is refused when it comes back, for every kind, even after the agent restarted', async () => {
  const resetUser = await world.freshUser('fjr');
  const changeUser = await world.freshUser('fjc');
  const unlockUser = await world.freshUser('fju');
  const inspectUser = await world.freshUser('fji');
  const resetPassword = canaryPassword();
  const changedPassword = canaryPassword();
  await lockOut(dir, unlockUser.userPrincipalName);

  // The service seals jobs only to agents it heard from lately: let this one check in once.
  await withAgent(async () => undefined);
  // Queued while no agent runs, so the signed jobs can be kept before the store wipes them.
  const target = (u: typeof resetUser) => ({ sid: u.sid, upn: u.userPrincipalName, sam: u.sAMAccountName });
  const reset = await queueForRequest(store, replica.channel, { kind: 'reset', ...target(resetUser), password: resetPassword });
  const change = await queueForRequest(store, replica.channel, { kind: 'change', ...target(changeUser), currentPassword: changeUser.password, password: changedPassword });
  const unlock = await queueForRequest(store, replica.channel, { kind: 'unlock', ...target(unlockUser) });
  // The bot's own inspect call queues the job and waits for the agent.
  const inspected = replica.channel.inspect({ sid: inspectUser.sid }, { timeoutMs: 60_000 });
  const inspectJobId = await withTimeout((async () => {
    for (;;) {
      const [row] = await superuserQuery<{ id: string }>(store, `SELECT id FROM writeback_jobs WHERE kind = 'inspect' AND state = 'queued'`);
      if (row) return row.id;
      await new Promise((r) => setTimeout(r, 50));
    }
  })(), 10_000, 'the inspect job to be queued');
  const jobs = [reset.jobId, change.jobId, unlock.jobId, inspectJobId];
  const signed = new Map<string, string>();
  for (const id of jobs) signed.set(id, (await store.getJob(id))!.signedJob!);

  const first = await withAgent(async (agent) => {
    for (const id of jobs) expect(await ended(id, 1)).toEqual({ state: 'succeeded', code: 'OK' });
    expect(await inspected).toMatchObject({ privileged: false, inScope: true });
    return agent.output();
  });
  expect(await canBind(dir, resetUser.userPrincipalName, resetPassword)).toBe(true);
  expect(await canBind(dir, changeUser.userPrincipalName, changedPassword)).toBe(true);
  expect(await isLocked(unlockUser.sid)).toBe(false);

  // Since then: the account was locked again, and the passwords are what the jobs set.
  await lockOut(dir, unlockUser.userPrincipalName);
  const versions = { reset: await passwordVersion(resetUser.sid), change: await passwordVersion(changeUser.sid) };

  const second = await withAgent(async (agent) => {
    for (const id of jobs) await requeue(id, signed.get(id)!);
    for (const id of jobs) expect(await ended(id, 2)).toEqual({ state: 'failed', code: 'PROTOCOL_JOB_ALREADY_FINISHED' });
    return agent.output();
  });
  expect(await passwordVersion(resetUser.sid)).toBe(versions.reset);
  expect(await passwordVersion(changeUser.sid)).toBe(versions.change);
  expect(await isLocked(unlockUser.sid)).toBe(true);
  expect(second).toContain('PROTOCOL_JOB_ALREADY_FINISHED');
  for (const secret of [resetPassword, changedPassword, changeUser.password]) expect(`${first}${second}`).not.toContain(secret);
});

test('an agent whose configuration names a protected group that does not exist refuses to start and says which', async () => {
  const config = await writeAgentConfigFile(dir, dir.service, { protectedGroups: ['Tier0 Operators', 'Tier9 Operators'] });
  const result = await withTimeout(agentCli(['run', '--config', config, '--state-dir', stateDir]).exited, 30_000, 'the agent to refuse');
  expect(result.code).toBe(3);
  expect(result.stderr).toContain('Tier9 Operators');
  expect(result.stderr).toContain('AGENT_PROTECTED_GROUP_MISSING');
  expect(result.stdout).not.toContain('waiting for jobs');
});

test('an inspect job tells the approver why an account is privileged, whether its password expired and whether resets check history', async () => {
  const frankSid = await sidOf(dir, world.admin, dir.users.frank.dn);
  await withAgent(async () => {
    const report = await replica.channel.inspect({ sid: frankSid }, { timeoutMs: 20_000 });
    expect(report).toMatchObject({
      privileged: true,
      privilegedBecause: ['member of Domain Admins through Tier0 Operators', 'member of Administrators through Tier0 Operators'],
      passwordExpired: false,
      historyEnforcedOnReset: false,
    });
    expect(Date.parse(report.passwordLastSetAt!)).toBeLessThanOrEqual(Date.now());
    const ordinary = await world.freshUser('fjo');
    expect(await replica.channel.inspect({ sid: ordinary.sid }, { timeoutMs: 20_000 })).toMatchObject({ privileged: false, privilegedBecause: [] });
  });
});
