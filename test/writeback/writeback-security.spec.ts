// What the writeback channel refuses: jobs the service did not sign (or
// signed too long ago), targets outside the agent's OUs, protected accounts
// without an approval, forged or replayed agent tokens, used enrollment codes.
import { randomUUID } from 'node:crypto';
import type { Client } from 'ldapts';
import { createLeaseToken, generateAgentKeys } from '../../agent/protocol';
import type { Store } from '../../bot/store';
import { createTestStore, dumpAllTables, type TestStore } from '../../bot/store/testing';
import { issueEnrollmentCode } from '../../bot/writeback';
import type { ServiceSigningKey } from '../../bot/writeback/crypto';
import { createWritebackService } from '../../bot/writeback/writeback-service';
import { capturedLogger } from '../support/failures';
import { addMember, type TestDirectory } from '../support/test-directory';
import {
  agentCli, AUDIENCE, canaryPassword, canBind, enrollAgent, newSigningKey, queueForRequest, runAgent, sidOf, startReplica, useWritebackDirectory,
  type AgentProcess, type Replica,
} from './writeback-harness';

jest.setTimeout(120_000);

const world = useWritebackDirectory();
let dir: TestDirectory;
let admin: Client;
let configFile: string;
const freshUser = (prefix: string, ou?: string) => world.freshUser(prefix, ou);
let ts: TestStore;
let store: Store;
let signingKey: ServiceSigningKey;
let replica: Replica;
let agent: AgentProcess;
const log = capturedLogger();
const canaries: string[] = [];

beforeAll(async () => {
  ({ dir, admin, configFile } = world);
  ts = await createTestStore('pglite');
  store = ts.store;
  signingKey = await newSigningKey();
  replica = await startReplica({ store, signingKey, logger: log.logger });
  agent = await runAgent(configFile, await enrollAgent(store, replica.url, configFile));
});
afterAll(async () => {
  await agent?.stop();
  await replica?.close();
  await ts?.cleanup();
});

/** Queues an already signed job text as is, the way a compromised database or replica could. */
async function queueRaw(signedJob: string, id: string = randomUUID()): Promise<string> {
  await store.enqueueJob({ id, kind: 'reset', signedJob, expiresAt: new Date(Date.now() + 600_000) });
  return id;
}

async function preparedReset(user: { sid: string }, service = replica.channel): Promise<{ id: string; signedJob: string }> {
  const password = canaryPassword();
  canaries.push(password);
  const job = await service.prepareJob({ requestId: randomUUID(), kind: 'reset', target: { sid: user.sid }, options: {}, password });
  return { id: job.id, signedJob: job.signedJob };
}

describe('jobs the agent refuses and reports', () => {
  test('a job signed by another key is refused with PROTOCOL_JOB_SIGNATURE and nothing changes', async () => {
    const user = await freshUser('sgk');
    const rogue = createWritebackService({ store, signingKey: await newSigningKey(), audience: AUDIENCE, logger: log.logger });
    const job = await preparedReset(user, rogue as unknown as typeof replica.channel);
    const id = await queueRaw(job.signedJob, job.id);
    expect(await replica.finished(id)).toMatchObject({ outcome: 'failed', code: 'PROTOCOL_JOB_SIGNATURE' });
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  });

  test('a job whose signature was tampered with is refused', async () => {
    const user = await freshUser('sgt');
    const job = await preparedReset(user);
    const [h, p, sig] = job.signedJob.split('.');
    const flipped = `${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BA' : 'AA'}`;
    const id = await queueRaw(`${h}.${p}.${flipped}`, job.id);
    expect(await replica.finished(id)).toMatchObject({ outcome: 'failed', code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  test('an unsigned job (alg none) is refused', async () => {
    const user = await freshUser('sgn');
    const job = await preparedReset(user);
    const payload = job.signedJob.split('.')[1]!;
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'resetdesk-job+jwt' })).toString('base64url');
    const id = await queueRaw(`${header}.${payload}.`, job.id);
    expect(await replica.finished(id)).toMatchObject({ outcome: 'failed', code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  test('an expired job is refused with PROTOCOL_JOB_EXPIRED', async () => {
    const user = await freshUser('sge');
    const past = createWritebackService({ store, signingKey, audience: AUDIENCE, logger: log.logger, now: () => new Date(Date.now() - 2 * 3600_000) });
    const job = await preparedReset(user, past as unknown as typeof replica.channel);
    const id = await queueRaw(job.signedJob, job.id);
    expect(await replica.finished(id)).toMatchObject({ outcome: 'failed', code: 'PROTOCOL_JOB_EXPIRED' });
    expect(await canBind(dir, user.userPrincipalName, user.password)).toBe(true);
  });

  test('an account outside the agent\'s OUs (gina in OU=Executives) is refused with AGENT_OUT_OF_SCOPE', async () => {
    const gina = dir.users.gina;
    const sid = await sidOf(dir, admin, gina.dn);
    const password = canaryPassword();
    canaries.push(password);
    const { jobId } = await queueForRequest(store, replica.channel, { kind: 'reset', sid, upn: gina.userPrincipalName, sam: gina.sAMAccountName, password });
    const event = await replica.finished(jobId);
    expect(event).toMatchObject({ outcome: 'failed', code: 'AGENT_OUT_OF_SCOPE' });
    expect(event.message).toMatch(/not managed by ResetDesk/);
    expect(await canBind(dir, gina.userPrincipalName, gina.password)).toBe(true);
  });

  test('a protected account is refused without an approval and reset with one', async () => {
    const erinLike = await freshUser('prt');
    await addMember(admin, `CN=Domain Admins,CN=Users,${dir.dc.baseDn}`, erinLike.dn);
    const target = { sid: erinLike.sid, upn: erinLike.userPrincipalName, sam: erinLike.sAMAccountName };
    const refusedPassword = canaryPassword();
    const approvedPassword = canaryPassword();
    canaries.push(refusedPassword, approvedPassword);

    const refused = await queueForRequest(store, replica.channel, { kind: 'reset', ...target, password: refusedPassword });
    expect(await replica.finished(refused.jobId)).toMatchObject({ outcome: 'failed', code: 'AGENT_PROTECTED_ACCOUNT' });
    expect(await canBind(dir, erinLike.userPrincipalName, refusedPassword)).toBe(false);

    const approved = await queueForRequest(store, replica.channel, { kind: 'reset', ...target, password: approvedPassword, options: { approvedPrivileged: true } });
    expect(await replica.finished(approved.jobId)).toMatchObject({ outcome: 'succeeded' });
    expect(await canBind(dir, erinLike.userPrincipalName, approvedPassword)).toBe(true);
  });
});

describe('the gateway', () => {
  let agentId: string;
  let keys: Awaited<ReturnType<typeof generateAgentKeys>>;

  beforeAll(async () => {
    keys = await generateAgentKeys();
    const agentRow = await store.registerAgent(
      { name: 'token-tests', signingJwk: keys.publicKeys.signingJwk, encryptionJwk: keys.publicKeys.encryptionJwk, managedOus: [dir.staffOu] },
      { actor: { kind: 'admin', id: 'test' }, action: 'agent.registered' },
    );
    agentId = agentRow.id;
  });

  const heartbeat = (token: string | undefined, body: unknown = {}) =>
    fetch(`${replica.url}/api/agent/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { code?: string; message?: string; ok?: boolean } }));

  test('a valid token is accepted once; the same token again is refused as a replay', async () => {
    const token = await createLeaseToken(keys.privateJwks.signingJwk, { agentId, audience: AUDIENCE });
    expect(await heartbeat(token)).toEqual({ status: 200, body: { ok: true } });
    expect(await heartbeat(token)).toMatchObject({ status: 401, body: { code: 'PROTOCOL_TOKEN_REPLAYED' } });
  });

  test('a token signed with a key the agent did not enroll is refused', async () => {
    const forger = await generateAgentKeys();
    const token = await createLeaseToken(forger.privateJwks.signingJwk, { agentId, audience: AUDIENCE });
    expect(await heartbeat(token)).toMatchObject({ status: 401, body: { code: 'PROTOCOL_TOKEN_INVALID' } });
  });

  test('an expired token is refused, and so is a call without a token', async () => {
    const token = await createLeaseToken(keys.privateJwks.signingJwk, { agentId, audience: AUDIENCE, now: () => new Date(Date.now() - 10 * 60_000) });
    expect(await heartbeat(token)).toMatchObject({ status: 401, body: { code: 'PROTOCOL_TOKEN_EXPIRED' } });
    expect(await heartbeat(undefined)).toMatchObject({ status: 401, body: { code: 'PROTOCOL_TOKEN_INVALID' } });
  });

  test('a result that is not a valid result is refused with a clear 400 and changes nothing', async () => {
    const token = await createLeaseToken(keys.privateJwks.signingJwk, { agentId, audience: AUDIENCE });
    const res = await fetch(`${replica.url}/api/agent/result`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jobId: randomUUID(), outcome: 'succeeded', code: 'AGENT_OUT_OF_SCOPE', message: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'GATEWAY_INVALID_INPUT' });
  });

  test('a result for a job this agent does not hold is refused', async () => {
    const token = await createLeaseToken(keys.privateJwks.signingJwk, { agentId, audience: AUDIENCE });
    const res = await fetch(`${replica.url}/api/agent/result`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jobId: randomUUID(), outcome: 'succeeded', code: 'OK', message: 'Done.' }),
    });
    expect(res.status).toBe(404);
  });

  test('a used enrollment code is refused', async () => {
    const { code } = await issueEnrollmentCode(store, { createdBy: 'test-admin' });
    const first = await agentCli(['--config', configFile, 'enroll', '--service', replica.url, '--state-dir', `${configFile}.state1`], { RESETDESK_AGENT_ENROLLMENT_CODE: code }).exited;
    expect(first.code).toBe(0);
    const second = await agentCli(['--config', configFile, 'enroll', '--service', replica.url, '--state-dir', `${configFile}.state2`], { RESETDESK_AGENT_ENROLLMENT_CODE: code }).exited;
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('ENROLL_CODE_USED');
    expect(`${first.stdout}${first.stderr}${second.stdout}${second.stderr}${log.text()}`).not.toContain(code);
    expect(await dumpAllTables(store)).not.toContain(code);
  });
});

test('after all of it, no canary password is in any table, the service log or the agent log', async () => {
  expect(canaries.length).toBeGreaterThan(5);
  const dump = await dumpAllTables(store);
  const logs = `${log.text()}\n${agent.output()}`;
  for (const c of canaries) {
    expect(dump).not.toContain(c);
    expect(logs).not.toContain(c);
  }
});
