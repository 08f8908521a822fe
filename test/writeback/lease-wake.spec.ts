// A queued job wakes one waiting lease call, not every one: with many agent
// lanes waiting on a replica, waking them all made each job cost one lease
// query per idle lane, all but one of them finding nothing. And no job is
// left waiting while lanes sleep: a burst of jobs is leased at once.
import { useGatewayWithAgent } from './writeback-harness';

jest.setTimeout(60_000);

const world = useGatewayWithAgent('many-lanes');

/** One lane's long-poll: the job id it was handed, or null. */
async function lease(waitMs: number): Promise<string | null> {
  const { json } = await world.agent.call(world.replica.url, '/api/agent/lease', { waitMs });
  return (json as { job: { jobId: string } | null } | null)?.job?.jobId ?? null;
}

async function untilWaiting(before: number, lanes: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (world.leaseQueries.calls < before + lanes) {
    if (Date.now() > deadline) throw new Error('the lease calls did not reach the gateway');
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200));
}

test('one queued job costs one or two lease queries, not one per waiting lane', async () => {
  const lanes = 8;
  const before = world.leaseQueries.calls;
  const calls = Array.from({ length: lanes }, () => lease(3_000));
  await untilWaiting(before, lanes);
  const waiting = world.leaseQueries.calls;
  const id = await world.enqueue();
  const first = await Promise.any(calls.map((c) => c.then((j) => j ?? Promise.reject(new Error('no job')))));
  await new Promise((r) => setTimeout(r, 300));
  // The woken lane's query, and the one its success passes on (more might be queued).
  expect(world.leaseQueries.calls - waiting).toBeLessThanOrEqual(2);
  expect(first).toBe(id);
  expect((await Promise.all(calls)).filter((j) => j !== null)).toEqual([id]);
});

test('a burst of jobs is taken by the waiting lanes at once: no job sits while a lane sleeps', async () => {
  const lanes = 6;
  const before = world.leaseQueries.calls;
  const calls = Array.from({ length: lanes }, () => lease(5_000));
  await untilWaiting(before, lanes);
  const queued = await Promise.all(Array.from({ length: 4 }, () => world.enqueue()));
  const started = Date.now();
  // Well before the lanes' own deadline (5 s), every job is leased.
  const handed: string[] = [];
  for (const c of calls) void c.then((j) => j && handed.push(j));
  while (handed.length < queued.length && Date.now() - started < 4_000) await new Promise((r) => setTimeout(r, 20));
  expect(handed.sort()).toEqual([...queued].sort());
  for (const id of queued) expect(await world.ts.store.getJob(id)).toMatchObject({ state: 'leased' });
  await Promise.all(calls);
});
