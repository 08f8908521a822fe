import { randomBytes } from 'node:crypto';
import { openStore } from './open-store';
import { createTestClock, createTestStore, testEngines, within, type TestStore } from './testing';
import type { Store, StoreEngineKind } from './types';

// How finished writeback jobs reach the service: the database announces every
// end of a job, and each result is delivered once even across replicas and restarts.

describe.each(testEngines())('finished jobs on %s', (engine: StoreEngineKind) => {
  const clock = createTestClock();
  let ts: TestStore;
  let store: Store;
  const agentId = '6f1e3a34-5d8c-4e2b-9a51-0c2b7d9e4f10';
  const enqueue = (minutes = 10) =>
    store.enqueueJob({ kind: 'inspect', signedJob: `eyJ.${randomBytes(8).toString('base64url')}.sig`, expiresAt: new Date(clock.now().getTime() + minutes * 60_000) });

  beforeAll(async () => {
    ts = await createTestStore(engine, { now: clock.now });
    store = ts.store;
  });
  afterAll(async () => {
    await ts?.cleanup();
  });
  beforeEach(async () => {
    clock.advance(2 * 24 * 3600_000);
    await store.expireJobs();
    for (const id of await store.listUndeliveredJobs(1000, 1000)) await store.markJobDelivered(id);
  });

  it('a result recorded by an agent is announced with the job id, and its inspect report is kept', async () => {
    const job = await enqueue();
    let heard!: (id: string | null) => void;
    const announced = new Promise<string | null>((resolve) => (heard = resolve));
    const unlisten = await store.onJobFinished((id) => heard(id));
    try {
      expect(await store.leaseJob(agentId, 60_000)).toMatchObject({ id: job.id });
      await store.completeJob(job.id, agentId, {
        outcome: 'succeeded',
        result: { code: 'OK', message: 'Done.' },
        inspectReport: { locked: true, disabled: false },
      });
      expect(await within(announced, 5000, 'finished notification')).toBe(job.id);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'succeeded', inspectReport: { locked: true, disabled: false }, deliveredAt: null });
    } finally {
      await unlisten();
    }
  });

  it('an expiry is announced too, and a job that only changes lease is not', async () => {
    const leased = await enqueue(1);
    const heard: (string | null)[] = [];
    const unlisten = await store.onJobFinished((id) => heard.push(id));
    try {
      await store.leaseJob(agentId, 60_000);
      await store.releaseLease(leased.id, agentId);
      clock.advance(2 * 60_000);
      const expired = await store.expireJobs();
      expect(expired.map((j) => j.id)).toEqual([leased.id]);
      await within((async () => {
        while (!heard.includes(leased.id)) await new Promise((r) => setTimeout(r, 20));
      })(), 5000, 'expiry notification');
      expect(heard).toEqual([leased.id]);
    } finally {
      await unlisten();
    }
  });

  it('a finished job is delivered by one claimant at a time, and again only when that claim went stale', async () => {
    const job = await enqueue();
    await store.leaseJob(agentId, 60_000);
    await store.completeJob(job.id, agentId, { outcome: 'failed', result: { code: 'AGENT_OUT_OF_SCOPE', message: 'Not managed.' } });
    expect(await store.listUndeliveredJobs(60_000)).toEqual([job.id]);

    const [first, second] = await Promise.all([store.claimJobDelivery(job.id, 60_000), store.claimJobDelivery(job.id, 60_000)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await store.listUndeliveredJobs(60_000)).toEqual([]);

    clock.advance(61_000);
    expect(await store.listUndeliveredJobs(60_000)).toEqual([job.id]);
    expect(await store.claimJobDelivery(job.id, 60_000)).toMatchObject({ job: { id: job.id, result: { code: 'AGENT_OUT_OF_SCOPE' } }, request: null });
    await store.markJobDelivered(job.id);
    clock.advance(61_000);
    expect(await store.claimJobDelivery(job.id, 60_000)).toBeNull();
    expect(await store.listUndeliveredJobs(60_000)).toEqual([]);
  });

  it("a claim brings the job's request as it is now, read in the same statement", async () => {
    const created = await store.createRequest(
      { tenantId: 'tenant-1', ownerAadId: 'aad-claim', kind: 'reset', methodsRequired: 1, subject: { onPremisesSid: 'S-1-5-21-1-2-3-1105', samAccountName: 'claim.me', upn: 'claim.me@example.test', displayName: 'Claim Me', domain: 'EXAMPLE' }, expiresAt: new Date(clock.now().getTime() + 600_000) },
      { actor: { kind: 'user', id: 'aad-claim' }, action: 'request.created' },
    );
    const moved = await store.transitionFrom(created, { state: 'queued', conversationId: 'a:claim', cardActivityId: 'card-claim' }, { actor: { kind: 'system' }, action: 'request.queued' });
    const job = await store.enqueueJob({ requestId: created.id, kind: 'reset', signedJob: `eyJ.${randomBytes(8).toString('base64url')}.sig`, expiresAt: new Date(clock.now().getTime() + 600_000) });
    await store.leaseJob(agentId, 60_000);
    await store.completeJob(job.id, agentId, { outcome: 'succeeded', result: { code: 'OK', message: 'Done.' } });
    const claim = await store.claimJobDelivery(job.id, 60_000);
    expect(claim?.job).toMatchObject({ id: job.id, requestId: created.id, state: 'succeeded' });
    expect(claim?.request).toEqual(await store.getRequest(created.id));
    expect(claim?.request).toMatchObject({ state: 'queued', version: moved.version, cardActivityId: 'card-claim' });
  });

  it('a job still queued or leased cannot be claimed for delivery', async () => {
    const job = await enqueue();
    expect(await store.claimJobDelivery(job.id, 60_000)).toBeNull();
    await store.leaseJob(agentId, 60_000);
    expect(await store.claimJobDelivery(job.id, 60_000)).toBeNull();
    expect(await store.claimJobDelivery('not-a-uuid', 60_000)).toBeNull();
  });

  if (engine === 'postgres') {
    it('a result recorded through one replica is announced to another', async () => {
      const replica = await openStore({ databaseUrl: ts.databaseUrl!, now: clock.now });
      try {
        let heard!: (id: string | null) => void;
        const announced = new Promise<string | null>((resolve) => (heard = resolve));
        const unlisten = await replica.onJobFinished((id) => heard(id));
        const job = await enqueue();
        await store.leaseJob(agentId, 60_000);
        await store.completeJob(job.id, agentId, { outcome: 'succeeded', result: { code: 'OK', message: 'Done.' } });
        expect(await within(announced, 5000, 'cross-replica notification')).toBe(job.id);
        await unlisten();
      } finally {
        await replica.close();
      }
    });
  }
});
