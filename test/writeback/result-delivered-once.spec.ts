// A result is acted on by the replica that recorded it, at once; the other
// replicas, who hear of it too, do not try to claim it (each try was a write
// that all but one lost). With the agent's lease on one replica and its report
// on the other, the reporting replica tells the person, and nobody else tries.
import { randomUUID } from 'node:crypto';
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { countCalls, type CallCount } from '../support/count-calls';
import { capturedLogger } from '../support/failures';
import { confirmedAgentInStore, newSigningKey, startReplica, type Replica } from './writeback-harness';

jest.setTimeout(60_000);

let ts: TestStore;
let a: Replica;
let b: Replica;
let agent: Awaited<ReturnType<typeof confirmedAgentInStore>>;
let claims: CallCount;
const delivered: Array<{ replica: string; jobId: string }> = [];

beforeAll(async () => {
  ts = await createTestStore('pglite');
  claims = countCalls(ts.store, 'claimJobDelivery');
  const signingKey = await newSigningKey();
  a = await startReplica({ store: ts.store, signingKey, logger: capturedLogger().logger, sweepIntervalMs: 60_000 });
  b = await startReplica({ store: ts.store, signingKey, logger: capturedLogger().logger, sweepIntervalMs: 60_000 });
  for (const [name, replica] of [['a', a], ['b', b]] as const) replica.channel.onJobFinished(async (e) => void delivered.push({ replica: name, jobId: e.job.id }));
  agent = await confirmedAgentInStore(ts.store, 'two-replicas');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await ts?.cleanup();
});

const call = (replica: Replica, path: string, body: unknown) => agent.call(replica.url, path, body);

test('leased on one replica, reported to the other: the reporting replica delivers it, once, and the other does not try', async () => {
  const id = randomUUID();
  await ts.store.enqueueJob({ id, kind: 'unlock', signedJob: 'not.read.here', expiresAt: new Date(Date.now() + 600_000) });
  const leased = await call(a, '/api/agent/lease', { waitMs: 0 });
  expect(leased.json).toMatchObject({ job: { jobId: id } });
  const before = claims.calls;
  const reported = await call(b, '/api/agent/result', { jobId: id, outcome: 'succeeded', code: 'OK', message: 'The account was unlocked.' });
  expect(reported.status).toBe(200);
  const deadline = Date.now() + 5_000;
  while (!delivered.some((d) => d.jobId === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Time for replica a to hear the notice and (before) try its own claim.
  await new Promise((r) => setTimeout(r, 500));
  expect(delivered.filter((d) => d.jobId === id)).toEqual([{ replica: 'b', jobId: id }]);
  expect(claims.calls - before).toBe(1);
  expect(await ts.store.getJob(id)).toMatchObject({ state: 'succeeded' });
  expect((await ts.store.getJob(id))?.deliveredAt).toBeInstanceOf(Date);
});
