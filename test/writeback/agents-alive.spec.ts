// "Is an agent alive?" is asked at nearly every step of a journey. A yes is
// kept for a second (an agent counts as alive if heard from in the last
// minute), so a busy replica reads the agent list about once a second instead
// of several times per person; a no is never kept, so a newly confirmed agent
// counts at once.
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { countCalls, type CallCount } from '../support/count-calls';
import { capturedLogger } from '../support/failures';
import { confirmedAgentInStore, newSigningKey, startReplica, type Replica } from './writeback-harness';

let ts: TestStore;
let replica: Replica;
let agentListReads: CallCount;
let clock = Date.now();

beforeAll(async () => {
  ts = await createTestStore('pglite');
  agentListReads = countCalls(ts.store, 'listAgents');
  replica = await startReplica({ store: ts.store, signingKey: await newSigningKey(), logger: capturedLogger().logger, now: () => new Date(clock) });
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

test('a no is read again every time; a yes is kept for a second, then read again', async () => {
  const before = agentListReads.calls;
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(agentListReads.calls - before).toBe(2);

  const { agentId } = await confirmedAgentInStore(ts.store, 'alive');
  await ts.store.touchAgent(agentId);
  expect(await replica.channel.agentsAlive()).toBe(true);

  const kept = agentListReads.calls;
  for (let i = 0; i < 10; i++) expect(await replica.channel.agentsAlive()).toBe(true);
  expect(agentListReads.calls).toBe(kept);

  clock += 1_001;
  await ts.store.revokeAgent(agentId, { actor: { kind: 'admin', id: 'test' }, action: 'agent.revoked' });
  expect(await replica.channel.agentsAlive()).toBe(false);
  expect(agentListReads.calls).toBe(kept + 1);
});
