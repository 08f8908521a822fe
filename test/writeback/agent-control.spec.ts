// Agents an admin controls: a newly enrolled agent gets nothing until an admin
// has compared its key thumbprint and confirmed it; passwords are sealed only
// to confirmed agents seen recently; a revoked agent is turned away.
import type { Store } from '../../bot/store';
import { createTestStore, superuserQuery, type TestStore } from '../../bot/store/testing';
import { confirmAgentAs, listAgentViews, revokeAgentAs } from '../../bot/admin/agent-admin';
import type { ServiceSigningKey } from '../../bot/writeback/crypto';
import { capturedLogger } from '../support/failures';
import {
  agentCli, agentIdOf, canaryPassword, canBind, enrollAgent, newSigningKey, queueForRequest, runAgent, startReplica, useWritebackDirectory,
  type Replica,
} from './writeback-harness';
import { issueEnrollmentCode } from '../../bot/writeback';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const world = useWritebackDirectory();
let ts: TestStore;
let store: Store;
let signingKey: ServiceSigningKey;
let replica: Replica;
const log = capturedLogger();
const windows = { seenWithinMs: 15 * 60_000 };

beforeAll(async () => {
  ts = await createTestStore('pglite');
  store = ts.store;
  signingKey = await newSigningKey();
  replica = await startReplica({ store, signingKey, logger: log.logger, longPollMs: 2_000 });
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

/** The agent ids a signed job's password is sealed to (its JWE recipients' key ids). */
function sealedTo(signedJob: string): string[] {
  const payload = JSON.parse(Buffer.from(signedJob.split('.')[1]!, 'base64url').toString('utf8')) as { sealedPassword: { recipients: Array<{ header: { kid: string } }> } };
  return payload.sealedPassword.recipients.map((r) => r.header.kid);
}

test('a newly enrolled agent gets no job until an admin confirms it; enrollment and confirmation are audited with the thumbprint the agent printed', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'resetdesk-agent-state-'));
  const { code } = await issueEnrollmentCode(store, { createdBy: 'test-admin' });
  const enrolled = await agentCli(['--config', world.configFile, 'enroll', '--service', replica.url, '--state-dir', stateDir, '--name', 'new-agent'], { RESETDESK_AGENT_ENROLLMENT_CODE: code }).exited;
  expect(enrolled.code).toBe(0);
  const printed = /key thumbprint (\S+)/.exec(enrolled.stdout)?.[1];
  expect(printed).toMatch(/^[A-Za-z0-9_-]{4}(-[A-Za-z0-9_-]{4}){4}$/);
  expect(enrolled.stdout).toMatch(new RegExp(`resetdesk-agent run --config \\S+ --state-dir ${stateDir.replace(/[/.]/g, '\\$&')}`));
  expect(enrolled.stdout).toMatch(/admin must confirm this agent/);
  const agentId = await agentIdOf(stateDir);

  const agent = await runAgent(world.configFile, stateDir).catch(() => undefined);
  const running = agent ?? agentCli(['run', '--config', world.configFile, '--state-dir', stateDir]);
  try {
    await running.waitForLog('waiting for an admin to confirm this agent');
    const [view] = (await listAgentViews(store, new Date(), windows)).filter((a) => a.id === agentId);
    expect(view).toMatchObject({ keyThumbprint: printed, status: 'waiting for confirmation', name: 'new-agent', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(view!.lastSeenAt).not.toBeNull();

    // Nothing can be sealed for it: no confirmed agent exists in this store yet.
    const user = await world.freshUser('cf');
    await expect(replica.channel.prepareJob({ requestId: '6f1c1b9e-8f0a-4a55-9d55-2f9a7f2f0c11', kind: 'reset', target: { sid: user.sid }, options: {}, password: canaryPassword() }))
      .rejects.toMatchObject({ code: 'WRITEBACK_NO_AGENTS' });

    await confirmAgentAs(store, 'new-agent', 'cli:alex', new Date(), windows);
    const password = canaryPassword();
    const queued = await queueForRequest(store, replica.channel, { kind: 'reset', sid: user.sid, upn: user.userPrincipalName, sam: user.sAMAccountName, password });
    expect(await replica.finished(queued.jobId)).toMatchObject({ outcome: 'succeeded' });
    expect(await canBind(world.dir, user.userPrincipalName, password)).toBe(true);
  } finally {
    await running.stop();
  }
  const audit = (await store.listAudit({ limit: 1000 })).filter((a) => a.details.agentId === agentId);
  expect(audit.map((a) => a.action)).toEqual(['agent.enrolled', 'agent.confirmed']);
  expect(audit[0]!.details.keyThumbprint).toBeDefined();
  expect(audit[1]).toMatchObject({ actor: { kind: 'admin', id: 'cli:alex' }, details: { keyThumbprint: printed } });
});

test('passwords are sealed only to confirmed agents heard from recently: never to one waiting, forgotten or revoked', async () => {
  const good = await agentIdOf(await enrollAgent(store, replica.url, world.configFile, 'good'));
  const waiting = await agentIdOf(await enrollAgent(store, replica.url, world.configFile, 'waiting', { confirm: false }));
  const forgotten = await agentIdOf(await enrollAgent(store, replica.url, world.configFile, 'forgotten'));
  const revoked = await agentIdOf(await enrollAgent(store, replica.url, world.configFile, 'revoked'));
  const now = new Date();
  for (const id of [good, waiting, revoked]) await store.touchAgent(id);
  // Last heard from two days ago: its keys may sit on a server nobody runs any more.
  await superuserQuery(store, 'UPDATE agents SET last_seen_at = $2::timestamptz WHERE id = $1', [forgotten, new Date(now.getTime() - 2 * 86_400_000).toISOString()]);
  await revokeAgentAs(store, revoked, 'cli:alex', now, windows);

  const job = await replica.channel.prepareJob({ requestId: '6f1c1b9e-8f0a-4a55-9d55-2f9a7f2f0c12', kind: 'reset', target: { sid: 'S-1-5-21-1-2-3-4' }, options: {}, password: canaryPassword() });
  const recipients = sealedTo(job.signedJob);
  expect(recipients).toContain(good);
  for (const id of [waiting, forgotten, revoked]) expect(recipients).not.toContain(id);

  const statuses = Object.fromEntries((await listAgentViews(store, now, windows)).map((a) => [a.id, a.status]));
  expect(statuses).toMatchObject({ [good]: 'active', [waiting]: 'waiting for confirmation', [forgotten]: 'not seen recently', [revoked]: 'revoked' });
});

test('a revoked agent is turned away at its next call and stops', async () => {
  const stateDir = await enrollAgent(store, replica.url, world.configFile, 'soon-revoked');
  const agent = await runAgent(world.configFile, stateDir);
  await revokeAgentAs(store, await agentIdOf(stateDir), 'cli:alex', new Date(), windows);
  const ended = await agent.exited;
  expect(ended.code).not.toBe(0);
  expect(agent.output()).toMatch(/PROTOCOL_AGENT_REVOKED/);
});
