// Sealing reads the agents afresh for every job, but a burst of submissions
// shares the reads: a revoked agent never gets a password sealed after its
// revocation, and 30 submissions at once do not read the agent list 30 times.
import { generateAgentKeys } from '../../agent/protocol';
import { createLogger } from '../log';
import { createTestStore, type TestStore } from '../store/testing';
import { countCalls } from '../../test/support/count-calls';
import { generateServiceSigningKey, ServiceSigningKey } from './crypto';
import { createWritebackService, type WritebackService } from './writeback-service';

const SID = 'S-1-5-21-1000000000-2000000000-3000000000-1105';

let ts: TestStore;
let service: WritebackService;
let agentIds: string[];

async function confirmedLiveAgent(name: string): Promise<string> {
  const { store } = ts;
  const keys = await generateAgentKeys();
  const agent = await store.registerAgent(
    { name, signingJwk: keys.publicKeys.signingJwk, encryptionJwk: keys.publicKeys.encryptionJwk, managedOus: ['OU=Staff,DC=example,DC=test'] },
    { actor: { kind: 'admin', id: 'test' }, action: 'agent.registered' },
  );
  await store.confirmAgent(agent.id, 'test', { actor: { kind: 'admin', id: 'test' }, action: 'agent.confirmed' });
  await store.touchAgent(agent.id);
  return agent.id;
}

/** The agents a prepared job's password is sealed to (their ids appear in the signed payload). */
function sealedTo(signedJob: string): string[] {
  const payload = Buffer.from(signedJob.split('.')[1]!, 'base64url').toString('utf8');
  return agentIds.filter((id) => payload.includes(id));
}

const reset = (): Parameters<WritebackService['prepareJob']>[0] => ({ requestId: crypto.randomUUID(), kind: 'reset', target: { sid: SID }, options: {}, password: 'Correct-Horse-42!' });

beforeAll(async () => {
  ts = await createTestStore('pglite');
  agentIds = [await confirmedLiveAgent('one'), await confirmedLiveAgent('two')];
  const signingKey = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
  service = createWritebackService({ store: ts.store, signingKey, audience: 'resetdesk-service-spec', logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await service.stop();
  await ts.cleanup();
});

it('seals a burst of 30 jobs to every live agent with at most two reads of the agent list', async () => {
  const reads = countCalls(ts.store, 'listAgents');
  const jobs = await Promise.all(Array.from({ length: 30 }, () => service.prepareJob(reset())));
  for (const job of jobs) expect(sealedTo(job.signedJob).sort()).toEqual([...agentIds].sort());
  expect(reads.calls).toBeLessThanOrEqual(2);
});

it('never seals a job prepared after a revocation to the revoked agent', async () => {
  await ts.store.revokeAgent(agentIds[1]!, { actor: { kind: 'admin', id: 'test' }, action: 'agent.revoked' });
  const jobs = await Promise.all(Array.from({ length: 5 }, () => service.prepareJob(reset())));
  for (const job of jobs) expect(sealedTo(job.signedJob)).toEqual([agentIds[0]]);
});
