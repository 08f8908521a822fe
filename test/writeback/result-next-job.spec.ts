// An agent's report can ask for its next job in the same call
// (/api/agent/result?next=1): a busy lane then costs the gateway one call and
// one token per job instead of two. The next job is leased at once if one is
// queued, never waited for; without the query the answer is as before.
import { randomUUID } from 'node:crypto';
import { ResultAnswerSchema } from '../../agent/protocol';
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { countCalls, type CallCount } from '../support/count-calls';
import { capturedLogger } from '../support/failures';
import { confirmedAgentInStore, newSigningKey, startReplica, type Replica } from './writeback-harness';

jest.setTimeout(60_000);

let ts: TestStore;
let replica: Replica;
let agent: Awaited<ReturnType<typeof confirmedAgentInStore>>;
let leaseQueries: CallCount;
const log = capturedLogger();

beforeAll(async () => {
  ts = await createTestStore('pglite');
  leaseQueries = countCalls(ts.store, 'leaseJob');
  replica = await startReplica({ store: ts.store, signingKey: await newSigningKey(), logger: log.logger });
  agent = await confirmedAgentInStore(ts.store, 'next-in-the-answer');
});
afterAll(async () => {
  await replica?.close();
  await ts?.cleanup();
});

const enqueue = async (): Promise<string> => {
  const id = randomUUID();
  await ts.store.enqueueJob({ id, kind: 'unlock', signedJob: 'not.read.here', expiresAt: new Date(Date.now() + 600_000) });
  return id;
};

async function leaseOne(): Promise<string> {
  const { status, json } = await agent.call(replica.url, '/api/agent/lease', { waitMs: 0 });
  expect(status).toBe(200);
  return (json as { job: { jobId: string } }).job.jobId;
}

const report = (jobId: string, query = ''): Promise<{ status: number; json: unknown }> =>
  agent.call(replica.url, `/api/agent/result${query}`, { jobId, outcome: 'succeeded', code: 'OK', message: 'Unlocked.' });

test('a report with ?next=1 brings the next queued job, leased to the reporting agent', async () => {
  const first = await enqueue();
  const second = await enqueue();
  expect(await leaseOne()).toBe(first);
  const queries = leaseQueries.calls;
  const { status, json } = await report(first, '?next=1');
  expect(status).toBe(200);
  const answer = ResultAnswerSchema.parse(json);
  expect(answer).toMatchObject({ jobId: first, state: 'succeeded' });
  expect(answer.next?.jobId).toBe(second);
  expect(answer.next?.jws).toBe('not.read.here');
  const leased = await ts.store.getJob(second);
  expect(leased).toMatchObject({ state: 'leased', leaseOwner: agent.agentId });
  expect(leased!.leaseExpiresAt!.toISOString()).toBe(answer.next!.leaseExpiresAt);
  // One lease query for the next job (plus at most one by a lane it wakes), no lease call of the agent's.
  expect(leaseQueries.calls - queries).toBeLessThanOrEqual(2);
  // The job it brought is the agent's to report like any other.
  const again = ResultAnswerSchema.parse((await report(second, '?next=1')).json);
  expect(again).toMatchObject({ jobId: second, state: 'succeeded', next: null });
});

test('without the query, a report leases nothing and answers as before', async () => {
  const first = await enqueue();
  const waiting = await enqueue();
  expect(await leaseOne()).toBe(first);
  const { status, json } = await report(first);
  expect(status).toBe(200);
  expect(json).toEqual({ jobId: first, state: 'succeeded' });
  expect((await ts.store.getJob(waiting))!.state).toBe('queued');
  expect(await leaseOne()).toBe(waiting);
  await report(waiting);
});
