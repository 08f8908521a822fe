// The console's read-only reports, one contract run on both engines (like
// store.contract.spec.ts): what each filter finds, paging, and the counts.
import { randomBytes, randomUUID } from 'node:crypto';
import { isResetDeskError } from '../errors';
import { superuserQuery, createTestClock, createTestStore, testEngines, type TestStore } from './testing';
import type { AuditEntryInput, NewAgent, NewResetRequest, RequestState, Store, StoreEngineKind } from './types';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0b1d2e3f-0000-4000-8000-000000000099';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(isResetDeskError(err) ? err.code : err).toBe(code);
}

function subjectFor(sam: string, displayName: string) {
  return { onPremisesSid: `S-1-5-21-1-2-3-${1000 + Math.floor(Math.random() * 90000)}`, samAccountName: sam, upn: `${sam}@contoso.com`, displayName, domain: 'CONTOSO' };
}

function agentInput(name: string): NewAgent {
  return {
    name,
    signingJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') },
    encryptionJwk: { kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ' },
    managedOus: ['OU=Staff,DC=contoso,DC=com'],
  };
}

describe.each(testEngines())('the console reports on %s', (engine: StoreEngineKind) => {
  const clock = createTestClock(new Date('2030-03-10T12:00:00.000Z'));
  let ts: TestStore;
  let store: Store;

  beforeAll(async () => {
    ts = await createTestStore(engine, { now: clock.now });
    store = ts.store;
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  const created = (overrides: Partial<NewResetRequest> = {}) =>
    store.createRequest(
      { tenantId: TENANT, ownerAadId: randomUUID(), kind: 'reset', methodsRequired: 1, subject: subjectFor(`u${randomBytes(3).toString('hex')}`, 'Some Person'), expiresAt: new Date(clock.now().getTime() + 3600_000), ...overrides },
      { actor: { kind: 'user', id: 'aad-x' }, action: 'request.created' },
    );

  describe('requests by filter', () => {
    const owner = randomUUID();
    const helper = randomUUID();
    let ids: Record<string, string> = {};

    beforeAll(async () => {
      clock.set(new Date('2030-03-01T09:00:00.000Z'));
      const a = await created({ ownerAadId: owner, kind: 'reset', state: 'succeeded', subject: subjectFor('zoe.obrien', 'Zoë O\'Brien') });
      clock.advance(60_000);
      const b = await created({ ownerAadId: owner, kind: 'unlock', state: 'awaiting_approval', requestedBy: helper, subject: subjectFor('zoe.obrien', 'Zoë O\'Brien') });
      clock.advance(60_000);
      const c = await created({ kind: 'unlock', state: 'failed', subject: subjectFor('percent_50%', 'Hundred Percent') });
      clock.advance(60_000);
      const d = await created({ kind: 'status', state: 'verifying', subject: subjectFor('quinn', 'Quinn Quist') });
      await created({ tenantId: OTHER_TENANT, ownerAadId: owner, subject: subjectFor('zoe.obrien', 'Zoë in another tenant') });
      ids = { a: a.id, b: b.id, c: c.id, d: d.id };
    });

    const find = async (query: Partial<Parameters<Store['listRequests']>[0]>) =>
      (await store.listRequests({ tenantId: TENANT, createdFrom: new Date('2030-03-01T00:00:00Z'), createdBefore: new Date('2030-03-02T00:00:00Z'), ...query })).map((r) => r.id);

    it('lists every request of the tenant, newest first, and never another tenant\'s', async () => {
      expect(await find({})).toEqual([ids.d, ids.c, ids.b, ids.a]);
    });

    it('filters by state and by kind, each given as a list', async () => {
      expect(await find({ states: ['succeeded', 'failed'] })).toEqual([ids.c, ids.a]);
      expect(await find({ kinds: ['unlock'] })).toEqual([ids.c, ids.b]);
      expect(await find({ kinds: ['unlock'], states: ['awaiting_approval'] })).toEqual([ids.b]);
    });

    it('finds a person by their Entra object id, as the account holder or as the helpdesk member who asked', async () => {
      expect(await find({ person: owner })).toEqual([ids.b, ids.a]);
      expect(await find({ person: owner.toUpperCase() })).toEqual([ids.b, ids.a]);
      expect(await find({ person: helper })).toEqual([ids.b]);
    });

    it('finds a person by words of their account name, UPN or display name, in any case, with wildcards taken literally', async () => {
      expect(await find({ person: 'ZOE.OB' })).toEqual([ids.b, ids.a]);
      expect(await find({ person: 'Quist' })).toEqual([ids.d]);
      expect(await find({ person: '50%' })).toEqual([ids.c]);
      expect(await find({ person: '%' })).toEqual([ids.c]);
      expect(await find({ person: '_' })).toEqual([ids.c]);
    });

    it('limits the window by creation time and pages through the rest, newest first', async () => {
      expect(await find({ createdFrom: new Date('2030-03-01T09:01:00Z'), createdBefore: new Date('2030-03-01T09:03:00Z') })).toEqual([ids.c, ids.b]);
      const first = await store.listRequests({ tenantId: TENANT, createdFrom: new Date('2030-03-01T00:00:00Z'), createdBefore: new Date('2030-03-02T00:00:00Z'), limit: 3 });
      expect(first.map((r) => r.id)).toEqual([ids.d, ids.c, ids.b]);
      const last = first[first.length - 1]!;
      expect(await find({ after: { createdAt: last.createdAt, id: last.id } })).toEqual([ids.a]);
    });

    it('pages requests created in the same instant without losing or repeating one', async () => {
      clock.set(new Date('2030-03-05T10:00:00.000Z'));
      const same = await Promise.all(Array.from({ length: 5 }, () => created({ kind: 'change' })));
      const window = { createdFrom: new Date('2030-03-05T00:00:00Z'), createdBefore: new Date('2030-03-06T00:00:00Z'), kinds: ['change' as const] };
      const seen: string[] = [];
      let after: { createdAt: Date; id: string } | undefined;
      for (;;) {
        const page = await store.listRequests({ tenantId: TENANT, ...window, limit: 2, ...(after ? { after } : {}) });
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.id));
        const tail = page[page.length - 1]!;
        after = { createdAt: tail.createdAt, id: tail.id };
      }
      expect(seen.sort()).toEqual(same.map((r) => r.id).sort());
    });

    it('refuses a query it cannot answer exactly, before any SQL runs', async () => {
      await expectCode(store.listRequests({ tenantId: TENANT, states: ['nonsense' as RequestState] }), 'STORE_INVALID_INPUT');
      await expectCode(store.listRequests({ tenantId: TENANT, limit: 10_000 }), 'STORE_INVALID_INPUT');
      await expectCode(store.listRequests({ tenantId: TENANT, after: { createdAt: new Date(), id: 'not-a-uuid' } }), 'STORE_INVALID_INPUT');
    });
  });

  describe('the audit log by filter', () => {
    const admin = `aad-admin-${randomUUID()}`;
    let requestId: string;
    let from: Date;

    beforeAll(async () => {
      clock.set(new Date('2030-04-01T08:00:00.000Z'));
      from = clock.now();
      const r = await created();
      requestId = r.id;
      const entries: AuditEntryInput[] = [
        { actor: { kind: 'admin', id: admin }, action: 'agent.enrollment_code_issued' },
        { actor: { kind: 'admin', id: admin }, action: 'agent.confirmed', details: { keyThumbprint: 'AB:CD' } },
        { actor: { kind: 'system' }, action: 'agentless.thing' },
        { actor: { kind: 'user', id: 'aad-someone' }, action: 'request.verified', requestId: r.id },
      ];
      for (const e of entries) {
        clock.advance(60_000);
        await store.appendAudit(e);
      }
      // A step audited through the inbox (PostgreSQL's hot path) is found at once too.
      clock.advance(60_000);
      await store.transitionFrom(r, { state: 'verifying' }, { actor: { kind: 'user', id: 'aad-someone' }, action: 'request.step_taken' });
    });

    it('finds an action family by its prefix, and one action exactly, newest first', async () => {
      expect((await store.searchAudit({ action: 'agent', from })).map((e) => e.action)).toEqual(['agent.confirmed', 'agent.enrollment_code_issued']);
      expect((await store.searchAudit({ action: 'agent.confirmed', from })).map((e) => e.details)).toEqual([{ keyThumbprint: 'AB:CD' }]);
    });

    it('finds what one person did, and what one kind of actor did', async () => {
      expect((await store.searchAudit({ actorId: admin })).map((e) => e.action)).toEqual(['agent.confirmed', 'agent.enrollment_code_issued']);
      expect((await store.searchAudit({ actorKind: 'system', from })).map((e) => e.action)).toContain('agentless.thing');
    });

    it('finds a request\'s timeline, with the step chained just now, oldest first when asked', async () => {
      expect((await store.searchAudit({ requestId, order: 'oldest' })).map((e) => e.action)).toEqual(['request.created', 'request.verified', 'request.step_taken']);
    });

    it('limits by time and pages by sequence number in either order', async () => {
      const window = { from: new Date(from.getTime() + 90_000), before: new Date(from.getTime() + 3.5 * 60_000) };
      expect((await store.searchAudit(window)).map((e) => e.action)).toEqual(['agentless.thing', 'agent.confirmed']);
      const all = await store.searchAudit({ from, order: 'oldest' });
      const [first, second] = await Promise.all([
        store.searchAudit({ from, order: 'oldest', limit: 2 }),
        store.searchAudit({ from, order: 'oldest', afterSeq: all[1]!.seq }),
      ]);
      expect([...first, ...second].map((e) => e.seq)).toEqual(all.map((e) => e.seq));
      const newest = await store.searchAudit({ from, limit: 2 });
      expect((await store.searchAudit({ from, afterSeq: newest[1]!.seq, limit: 1 }))[0]!.seq).toBe(newest[1]!.seq - 1);
    });

    it('refuses a search it cannot answer exactly', async () => {
      await expectCode(store.searchAudit({ action: "x' OR 1=1 --" }), 'STORE_INVALID_INPUT');
      await expectCode(store.searchAudit({ requestId: 'nope' }), 'STORE_INVALID_INPUT');
      await expectCode(store.searchAudit({ limit: 0 }), 'STORE_INVALID_INPUT');
    });
  });

  describe('what each agent did lately', () => {
    it('counts the jobs each agent finished since the given time, its failures and the latest failure\'s code', async () => {
      clock.set(new Date('2030-05-01T10:00:00.000Z'));
      // Jobs left by earlier tests must not be leased here.
      await store.expireJobs(new Date('2031-01-01T00:00:00Z'));
      const audit = { actor: { kind: 'admin' as const, id: 'aad-admin' }, action: 'agent.registered' };
      const one = await store.registerAgent(agentInput('dc1'), audit);
      const two = await store.registerAgent(agentInput('dc2'), audit);
      await store.confirmAgent(one.id, 'aad-admin', { ...audit, action: 'agent.confirmed' });
      await store.confirmAgent(two.id, 'aad-admin', { ...audit, action: 'agent.confirmed' });
      const run = async (agentId: string, outcome: 'succeeded' | 'failed', code: string) => {
        await store.enqueueJob({ kind: 'unlock', signedJob: `e.${randomBytes(8).toString('base64url')}.s`, expiresAt: new Date(clock.now().getTime() + 600_000) });
        const job = await store.leaseJob(agentId, 60_000);
        await store.completeJob(job!.id, agentId, { outcome, result: { code, message: 'done' } });
        clock.advance(60_000);
      };
      await run(one.id, 'failed', 'AGENT_DIRECTORY_UNAVAILABLE');
      const since = clock.now();
      await run(one.id, 'succeeded', 'OK');
      await run(one.id, 'failed', 'AGENT_USER_NOT_FOUND');
      await run(one.id, 'failed', 'AGENT_POLICY_VIOLATION');
      await run(two.id, 'succeeded', 'OK');
      // Queued and leased jobs are not finished: they do not count.
      await store.enqueueJob({ kind: 'unlock', signedJob: 'e.x.s', expiresAt: new Date(clock.now().getTime() + 600_000) });
      await store.leaseJob(two.id, 60_000);

      const activity = await store.listAgentActivity(since);
      const of = (id: string) => activity.find((a) => a.agentId === id);
      expect(of(one.id)).toEqual({ agentId: one.id, jobs: 3, failed: 2, lastFailure: { code: 'AGENT_POLICY_VIOLATION', at: new Date('2030-05-01T10:03:00.000Z') } });
      expect(of(two.id)).toEqual({ agentId: two.id, jobs: 1, failed: 0, lastFailure: null });
      expect(await store.listAgentActivity(clock.now())).toEqual([]);
    });
  });

  describe('counts for the charts', () => {
    const DAY = 86_400_000;
    const at = (iso: string) => clock.set(new Date(iso));

    beforeAll(async () => {
      // A quiet week of its own, far from the other tests' requests.
      const person = randomUUID();
      at('2030-06-02T10:00:00.000Z');
      await created({ kind: 'reset', state: 'succeeded' });
      await created({ kind: 'reset', state: 'succeeded' });
      await created({ kind: 'unlock', state: 'succeeded', ownerAadId: person });
      await created({ kind: 'unlock', state: 'succeeded', ownerAadId: person });
      await created({ kind: 'reset', state: 'failed' });
      at('2030-06-02T23:30:00.000Z');
      await created({ kind: 'reset', state: 'succeeded' });
      at('2030-06-04T12:00:00.000Z');
      const failing = await created({ kind: 'reset', state: 'queued' });
      clock.advance(60_000);
      await store.transitionFrom(failing, { state: 'failed', resultCode: 'AGENT_POLICY_VIOLATION' }, { actor: { kind: 'system' }, action: 'request.failed' });
      await created({ kind: 'unlock', state: 'closed' });
      await created({ kind: 'reset', state: 'verifying' });
      await created({ kind: 'reset', state: 'succeeded', tenantId: OTHER_TENANT });
    });

    it('counts resets, people unlocked (each once a day) and unsuccessful requests per day, with empty days as zeros', async () => {
      const counts = await store.countOutcomes({ tenantId: TENANT, since: new Date('2030-06-01T00:00:00Z'), until: new Date('2030-06-05T00:00:00Z'), utcOffsetMinutes: 0 });
      expect(counts.days).toEqual([
        { day: '2030-06-01', resets: 0, peopleUnlocked: 0, unsuccessful: 0 },
        { day: '2030-06-02', resets: 3, peopleUnlocked: 1, unsuccessful: 1 },
        { day: '2030-06-03', resets: 0, peopleUnlocked: 0, unsuccessful: 0 },
        { day: '2030-06-04', resets: 0, peopleUnlocked: 0, unsuccessful: 2 },
      ]);
    });

    it('counts the unsuccessful ones by the reason they ended with, most frequent first', async () => {
      const counts = await store.countOutcomes({ tenantId: TENANT, since: new Date('2030-06-01T00:00:00Z'), until: new Date('2030-06-05T00:00:00Z'), utcOffsetMinutes: 0 });
      expect(counts.unsuccessfulByReason).toEqual([
        { code: 'AGENT_POLICY_VIOLATION', count: 1 },
        { code: 'CLOSED', count: 1 },
        { code: 'FAILED', count: 1 },
      ]);
    });

    it('counts days in the viewer\'s offset from UTC: a reset at 23:30 UTC is the next day an hour east', async () => {
      const since = new Date(Date.parse('2030-06-02T00:00:00Z') - 60 * 60_000);
      const counts = await store.countOutcomes({ tenantId: TENANT, since, until: new Date(since.getTime() + 2 * DAY), utcOffsetMinutes: 60 });
      expect(counts.days.map((d) => [d.day, d.resets])).toEqual([['2030-06-02', 2], ['2030-06-03', 1]]);
    });

    it('refuses a window that is empty, reversed or longer than three months', async () => {
      const since = new Date('2030-06-01T00:00:00Z');
      await expectCode(store.countOutcomes({ tenantId: TENANT, since, until: since, utcOffsetMinutes: 0 }), 'STORE_INVALID_INPUT');
      await expectCode(store.countOutcomes({ tenantId: TENANT, since, until: new Date(since.getTime() + 100 * DAY), utcOffsetMinutes: 0 }), 'STORE_INVALID_INPUT');
      await expectCode(store.countOutcomes({ tenantId: TENANT, since, until: new Date(since.getTime() + DAY), utcOffsetMinutes: 15 * 60 }), 'STORE_INVALID_INPUT');
    });
  });

  it('the reports only read: running them all changes no row', async () => {
    // An audit entry still waiting in the inbox is chained before a search (it moves, it is not added): both tables count.
    const rows = "SELECT (SELECT count(*) FROM reset_requests) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM audit_inbox) + (SELECT count(*) FROM writeback_jobs) AS n";
    const before = await superuserQuery<{ n: string }>(store, rows);
    await store.listRequests({ tenantId: TENANT });
    await store.searchAudit({});
    await store.listAgentActivity(new Date(0));
    await store.countOutcomes({ tenantId: TENANT, since: new Date('2030-06-01T00:00:00Z'), until: new Date('2030-06-05T00:00:00Z'), utcOffsetMinutes: 0 });
    const after = await superuserQuery<{ n: string }>(store, rows);
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
  });
});
