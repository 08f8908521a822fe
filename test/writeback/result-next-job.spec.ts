// An agent's report can ask for its next job in the same call
// (/api/agent/result?next=1): a busy lane then costs the gateway one call and
// one token per job instead of two. The next job is leased at once if one is
// queued, never waited for; without the query the answer is as before.
import { ResultAnswerSchema } from '../../agent/protocol';
import { useGatewayWithAgent } from './writeback-harness';

jest.setTimeout(60_000);

const world = useGatewayWithAgent('next-in-the-answer');
async function leaseOne(): Promise<string> {
  const { status, json } = await world.agent.call(world.replica.url, '/api/agent/lease', { waitMs: 0 });
  expect(status).toBe(200);
  return (json as { job: { jobId: string } }).job.jobId;
}

const report = (jobId: string, query = ''): Promise<{ status: number; json: unknown }> =>
  world.agent.call(world.replica.url, `/api/agent/result${query}`, { jobId, outcome: 'succeeded', code: 'OK', message: 'Unlocked.' });

test('a report with ?next=1 brings the next queued job, leased to the reporting agent', async () => {
  const first = await world.enqueue();
  const second = await world.enqueue();
  expect(await leaseOne()).toBe(first);
  const queries = world.leaseQueries.calls;
  const { status, json } = await report(first, '?next=1');
  expect(status).toBe(200);
  const answer = ResultAnswerSchema.parse(json);
  expect(answer).toMatchObject({ jobId: first, state: 'succeeded' });
  expect(answer.next?.jobId).toBe(second);
  expect(answer.next?.jws).toBe('not.read.here');
  const leased = await world.ts.store.getJob(second);
  expect(leased).toMatchObject({ state: 'leased', leaseOwner: world.agent.agentId });
  expect(leased!.leaseExpiresAt!.toISOString()).toBe(answer.next!.leaseExpiresAt);
  // One lease query for the next job (plus at most one by a lane it wakes), no lease call of the agent's.
  expect(world.leaseQueries.calls - queries).toBeLessThanOrEqual(2);
  // The job it brought is the agent's to report like any other.
  const again = ResultAnswerSchema.parse((await report(second, '?next=1')).json);
  expect(again).toMatchObject({ jobId: second, state: 'succeeded', next: null });
});

test('without the query, a report leases nothing and answers as before', async () => {
  const first = await world.enqueue();
  const waiting = await world.enqueue();
  expect(await leaseOne()).toBe(first);
  const { status, json } = await report(first);
  expect(status).toBe(200);
  expect(json).toEqual({ jobId: first, state: 'succeeded' });
  expect((await world.ts.store.getJob(waiting))!.state).toBe('queued');
  expect(await leaseOne()).toBe(waiting);
  await report(waiting);
});

test('a next job that cannot be leased leaves the result recorded: the answer says none, and the lane asks as before', async () => {
  const first = await world.enqueue();
  const waiting = await world.enqueue();
  expect(await leaseOne()).toBe(first);
  const store = world.ts.store;
  const leaseJob = store.leaseJob;
  store.leaseJob = async () => {
    throw new Error('the database went away');
  };
  try {
    const { status, json } = await report(first, '?next=1');
    expect(status).toBe(200);
    expect(ResultAnswerSchema.parse(json)).toMatchObject({ jobId: first, state: 'succeeded', next: null });
  } finally {
    store.leaseJob = leaseJob;
  }
  expect((await store.getJob(first))!.state).toBe('succeeded');
  expect(await leaseOne()).toBe(waiting);
  await report(waiting);
});
