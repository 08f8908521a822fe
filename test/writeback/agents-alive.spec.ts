// "Is an agent alive?" is asked at nearly every step of a journey. A yes is
// kept for a second (an agent counts as alive if heard from in the last
// minute), so a busy replica reads the agent list about once a second instead
// of several times per person; a no is never kept, so a newly confirmed agent
// counts at once.
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { capturedLogger } from '../support/failures';
import { confirmedAgentInStore, newSigningKey, startReplica, type Replica } from './writeback-harness';

let ts: TestStore;
let replica: Replica;
let reads = 0;
let clock = Date.now();

beforeAll(async () => {
  ts = await createTestStore('pglite');
  const listAgents = ts.store.listAgents.bind(ts.store);
  ts.store.listAgents = (...args) => {
    reads += 1;
    return listAgents(...args);
  };
  replica = await startReplica({ store: ts.store, signingKey: await newSigningKey(), logger: capturedLogger().logger, now: () => new Date(clock) });
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

test('a no is read again every time; a yes is kept for a second, then read again', async () => {
  const before = reads;
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(reads - before).toBe(2);

  const { agentId } = await confirmedAgentInStore(ts.store, 'alive');
  await ts.store.touchAgent(agentId);
  expect(await replica.channel.agentsAlive()).toBe(true);

  const kept = reads;
  for (let i = 0; i < 10; i++) expect(await replica.channel.agentsAlive()).toBe(true);
  expect(reads).toBe(kept);

  clock += 1_001;
  await ts.store.revokeAgent(agentId, { actor: { kind: 'admin', id: 'test' }, action: 'agent.revoked' });
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(reads).toBe(kept + 1);
});
