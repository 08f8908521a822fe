import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isResetDeskError } from '../errors';
import { engineOf, openStore } from './open-store';
import { MIGRATIONS, runMigrations } from './migrations';
import { computeAuditHash } from './audit-chain';
import { stepTokenMatches } from './secret-hash';
import { codeMatches, hashCode } from '../domain/verification/one-time-code';
import { createScratchDatabase, createTestClock, createTestStore, dumpAllTables, superuserQuery, testEngines, type TestStore } from './testing';
import type { AuditEntryInput, NewAgent, NewChallenge, NewResetRequest, Store, StoreEngineKind } from './types';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUBJECT = {
  onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
  samAccountName: 'adele',
  upn: 'adele@contoso.com',
  displayName: 'Adele Vance',
  domain: 'CONTOSO',
};
const userActor = (id = 'aad-adele'): AuditEntryInput['actor'] => ({ kind: 'user', id });

// Distinct, recognisable secrets that must never reach any table.
const CANARY = `canary-${randomBytes(8).toString('hex')}`;
const CANARY_STEP_TOKEN = `${CANARY}-step-token`;
const CANARY_STEP_TOKEN_2 = `${CANARY}-step-token-2`;
const CANARY_CODE = `${CANARY}-483920`;
const CANARY_CODE_2 = `${CANARY}-771204`;
const PEPPER = randomBytes(32);
const CANARY_ENROLLMENT_CODE = `${CANARY}-enrollment-code`;

function publicKey(kid: string): NewAgent['signingJwk'] {
  return { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url'), kid };
}

function agentInput(name = 'agent-dc1'): NewAgent {
  return { name, signingJwk: publicKey('sig'), encryptionJwk: { kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ' }, managedOus: ['OU=Staff,DC=contoso,DC=com'] };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(isResetDeskError(err) ? err.code : err).toBe(code);
}

async function rowCount(store: Store, table: string): Promise<number> {
  const rows = await superuserQuery<{ n: string | number }>(store, `SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

/** Audit entries written, chained or still in the inbox (chaining moves them from one table to the other). */
async function auditEntries(store: Store): Promise<number> {
  // One statement, so one snapshot: a batch moving entries between the reads cannot skew the sum.
  const rows = await superuserQuery<{ n: string | number }>(store, 'SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM audit_inbox) AS n');
  return Number(rows[0]!.n);
}

const ENGINES = testEngines();

describe.each(ENGINES)('the store on %s', (engine: StoreEngineKind) => {
  const clock = createTestClock();
  let ts: TestStore;
  let store: Store;
  const minutesFromNow = (m: number): Date => new Date(clock.now().getTime() + m * 60_000);

  function newRequest(overrides: Partial<NewResetRequest> = {}): NewResetRequest {
    return {
      tenantId: TENANT, ownerAadId: `aad-${randomUUID()}`, kind: 'reset', methodsRequired: 1, subject: SUBJECT,
      expiresAt: minutesFromNow(30), ...overrides,
    };
  }

  const created = (s: Store, overrides: Partial<NewResetRequest> = {}) => s.createRequest(newRequest(overrides), { actor: userActor(), action: 'request.created' });

  // Jobs from earlier tests would be leased by later ones: end them all first.
  async function emptyQueue(): Promise<void> {
    clock.advance(2 * 24 * 3600_000);
    await store.expireJobs();
  }

  const enqueue = (s: Store = store, text = `eyJhbGciOiJFUzI1NiJ9.${randomBytes(12).toString('base64url')}.sig`) =>
    s.enqueueJob({ kind: 'reset', signedJob: text, expiresAt: minutesFromNow(10) });

  beforeAll(async () => {
    ts = await createTestStore(engine, { now: clock.now });
    store = ts.store;
  });

  afterAll(async () => {
    await ts?.cleanup();
  });

  describe('schema', () => {
    it('running the migrations again changes nothing', async () => {
      const before = await dumpAllTables(store);
      const report = await runMigrations(engineOf(store));
      expect(report.applied).toEqual([]);
      expect(report.current).toBe(MIGRATIONS.length);
      expect(await dumpAllTables(store)).toBe(before);
    });

    it('answers the readiness ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('reset requests', () => {
    it('a step token is stored with the card step it belongs to, and neither goes without the other', async () => {
      const r = await created(store, { stepToken: CANARY_STEP_TOKEN, step: 'choose_method' });
      expect(r.step).toBe('choose_method');
      await expectCode(created(store, { stepToken: CANARY_STEP_TOKEN }), 'STORE_INVALID_INPUT');
      await expectCode(store.transitionRequest(r.id, r.version, { stepToken: CANARY_STEP_TOKEN_2 }, { actor: userActor(), action: 'x' }), 'STORE_INVALID_INPUT');
      const moved = await store.transitionRequest(r.id, r.version, { stepToken: CANARY_STEP_TOKEN_2, step: 'enter_code' }, { actor: userActor(), action: 'x' });
      expect(moved).toMatchObject({ step: 'enter_code', version: r.version + 1 });
      const cleared = await store.transitionRequest(r.id, moved.version, { stepToken: null, step: null }, { actor: userActor(), action: 'x' });
      expect(cleared).toMatchObject({ step: null, stepTokenHash: null });
    });

    it('overdue requests are those still waiting on a person past their deadline, oldest deadline first', async () => {
      // Earlier tests' requests all fall due too; only these are looked at.
      const soon = await created(store, { state: 'verifying', expiresAt: minutesFromNow(1) });
      const sooner = await created(store, { state: 'awaiting_approval', expiresAt: minutesFromNow(0.5) });
      const queued = await created(store, { state: 'queued', expiresAt: minutesFromNow(1) });
      const done = await created(store, { state: 'succeeded', expiresAt: minutesFromNow(1) });
      const later = await created(store, { state: 'verifying', expiresAt: minutesFromNow(600) });
      const mine = [soon.id, sooner.id, queued.id, done.id, later.id];
      const overdueNow = async () => (await store.listOverdueRequests(1000)).map((r) => r.id).filter((id) => mine.includes(id));
      expect(await overdueNow()).toEqual([]);
      clock.advance(2 * 60_000);
      expect(await overdueNow()).toEqual([sooner.id, soon.id]);
      await expect(store.listOverdueRequests(0)).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT' });
      await expect(store.listOverdueRequests(5000)).rejects.toMatchObject({ code: 'STORE_INVALID_INPUT' });
    });

    it('a new request is stored with version 1, its step token only as a hash, and its creation audited', async () => {
      const r = await created(store, { stepToken: CANARY_STEP_TOKEN, step: 'choose_method', conversationId: 'a:1', cardActivityId: 'act-1' });
      expect(r).toMatchObject({ state: 'started', version: 1, requestedBy: null, privileged: false, methodsPassed: [], subject: SUBJECT });
      expect(r.stepTokenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(stepTokenMatches(r.stepTokenHash, CANARY_STEP_TOKEN)).toBe(true);
      expect(stepTokenMatches(r.stepTokenHash, 'someone-elses-token')).toBe(false);
      expect(await store.getRequest(r.id)).toEqual(r);
      const audit = await store.listAudit({ requestId: r.id });
      expect(audit.map((a) => a.action)).toEqual(['request.created']);
    });

    it('a transition changes the row, bumps the version and appends its audit entry', async () => {
      const r = await created(store);
      clock.advance(1000);
      const next = await store.transitionRequest(r.id, 1, { state: 'verifying', methodsPassed: ['email'], stepToken: CANARY_STEP_TOKEN_2, step: 'enter_code' }, {
        actor: userActor(), action: 'request.verifying', details: { method: 'email' },
      });
      expect(next).toMatchObject({ state: 'verifying', version: 2, methodsPassed: ['email'] });
      expect(next.updatedAt.getTime()).toBe(r.updatedAt.getTime() + 1000);
      expect(stepTokenMatches(next.stepTokenHash, CANARY_STEP_TOKEN_2)).toBe(true);
      const audit = await store.listAudit({ requestId: r.id });
      expect(audit.map((a) => [a.action, a.details])).toEqual([['request.created', {}], ['request.verifying', { method: 'email' }]]);
    });

    it('a transition from a stale version is refused and changes nothing', async () => {
      const r = await created(store);
      await store.transitionRequest(r.id, 1, { state: 'verifying' }, { actor: userActor(), action: 'request.verifying' });
      const auditBefore = await auditEntries(store);
      const stale = store.transitionRequest(r.id, 1, { state: 'closed' }, { actor: userActor(), action: 'request.closed' });
      await expectCode(stale, 'STORE_VERSION_CONFLICT');
      expect(await store.getRequest(r.id)).toMatchObject({ state: 'verifying', version: 2 });
      expect(await auditEntries(store)).toBe(auditBefore);
    });

    it('two parallel transitions from the same version: exactly one wins', async () => {
      const r = await created(store);
      const results = await Promise.allSettled(['verifying', 'closed'].map((state) =>
        store.transitionRequest(r.id, 1, { state: state as 'verifying' | 'closed' }, { actor: userActor(), action: `request.${state}` })));
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
      expect(isResetDeskError(loser.reason, 'STORE_VERSION_CONFLICT')).toBe(true);
      expect((await store.listAudit({ requestId: r.id })).length).toBe(2);
    });

    it('a transition from the row in hand gives back exactly what reading the row again gives', async () => {
      const r = await created(store, { stepToken: CANARY_STEP_TOKEN, step: 'choose_method', conversationId: 'a:1' });
      clock.advance(1000);
      const next = await store.transitionFrom(r, {
        state: 'verifying', privileged: true, methodsRequired: 2, methodsPassed: ['email'], subject: { ...SUBJECT, displayName: 'Adele V.' },
        stepToken: CANARY_STEP_TOKEN_2, step: 'enter_code', conversationId: null, cardActivityId: 'act-2', resultCode: 'X', resultMessage: 'y', expiresAt: minutesFromNow(45),
      }, { actor: userActor(), action: 'request.verifying' });
      expect(next).toEqual(await store.getRequest(r.id));
      expect(stepTokenMatches(next.stepTokenHash, CANARY_STEP_TOKEN_2)).toBe(true);
      const kept = await store.transitionFrom(next, { state: 'verified' }, { actor: userActor(), action: 'request.verified' });
      expect(kept).toEqual(await store.getRequest(r.id));
      await expectCode(store.transitionFrom(next, { state: 'closed' }, { actor: userActor(), action: 'request.closed' }), 'STORE_VERSION_CONFLICT');
      expect((await store.listAudit({ requestId: r.id })).map((a) => a.action)).toEqual(['request.created', 'request.verifying', 'request.verified']);
    });

    it('one transition may record several steps: all their entries, in order, or none of them', async () => {
      const r = await created(store);
      const steps = (n: number) => Array.from({ length: 4 }, (_, i) => ({ actor: userActor(), action: `step.${n}.${i}`, details: { i } }));
      const moved = await store.transitionFrom(r, { state: 'verified' }, steps(1));
      expect(moved).toEqual(await store.getRequest(r.id));
      await expectCode(store.transitionFrom(r, { state: 'closed' }, steps(2)), 'STORE_VERSION_CONFLICT');
      await expectCode(store.transitionFrom(moved, { state: 'closed' }, []), 'STORE_INVALID_INPUT');
      expect((await store.listAudit({ requestId: r.id })).map((a) => a.action)).toEqual(['request.created', 'step.1.0', 'step.1.1', 'step.1.2', 'step.1.3']);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    });

    it('a request and its challenges read together are what they are read apart', async () => {
      const r = await created(store, { stepToken: CANARY_STEP_TOKEN, step: 'choose_method', cardActivityId: 'act-1' });
      expect(await store.getRequestWithChallenges(r.id)).toEqual({ request: r, challenges: [] });
      await store.createChallenge({ requestId: r.id, method: 'email', maskedTarget: 'a•••@contoso.com', codeHash: 'b'.repeat(64), codeSalt: 'salt-salt-salt', digits: 6, maxAttempts: 5, expiresAt: minutesFromNow(10) });
      clock.advance(10);
      await store.createChallenge({ requestId: r.id, method: 'manager', targetRef: 'aad-manager', maxAttempts: 1, expiresAt: minutesFromNow(10) });
      expect(await store.getRequestWithChallenges(r.id)).toEqual({ request: await store.getRequest(r.id), challenges: await store.listChallenges(r.id) });
      expect(await store.getRequestWithChallenges(randomUUID())).toBeNull();
      expect(await store.getRequestWithChallenges('not-a-uuid')).toBeNull();
    });

    it('a transition that saves a challenge moves both or neither, and two answers from the same card: exactly one counts', async () => {
      const r = await created(store);
      const e = await store.createChallenge({ requestId: r.id, method: 'email', codeHash: 'c'.repeat(64), codeSalt: 'salt-salt-salt', digits: 6, maxAttempts: 5, expiresAt: minutesFromNow(10) });
      const tried = (attempts: number) => ({ status: 'pending' as const, attempts, codeHash: e.codeHash, codeSalt: e.codeSalt, expiresAt: e.expiresAt, sendCount: 1, lastSentAt: e.lastSentAt });
      const answers = await Promise.allSettled([0, 1].map(() => store.transitionFrom(r, { stepToken: null, step: null }, { actor: userActor(), action: 'verify.code_wrong' }, {
        saveChallenge: { id: e.id, expected: { status: 'pending', attempts: 0, sendCount: 1 }, next: tried(1) },
      })));
      expect(answers.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect((answers.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_VERSION_CONFLICT' });
      const after = (await store.getRequest(r.id))!;
      expect(after.version).toBe(2);
      expect((await store.getChallenge(e.id))?.attempts).toBe(1);

      const auditBefore = await auditEntries(store);
      // The request is current but the challenge moved on: neither changes.
      await expectCode(store.transitionFrom(after, { state: 'verified' }, { actor: userActor(), action: 'x' }, {
        saveChallenge: { id: e.id, expected: { status: 'pending', attempts: 0, sendCount: 1 }, next: { ...tried(1), status: 'passed' } },
      }), 'STORE_VERSION_CONFLICT');
      await expectCode(store.transitionFrom(after, { state: 'verified' }, { actor: userActor(), action: 'x' }, {
        saveChallenge: { id: randomUUID(), expected: { status: 'pending', attempts: 1, sendCount: 1 }, next: tried(2) },
      }), 'STORE_NOT_FOUND');
      expect(await store.getRequest(r.id)).toEqual(after);
      expect((await store.getChallenge(e.id))?.status).toBe('pending');
      expect(await auditEntries(store)).toBe(auditBefore);

      // The challenge is current but the request moved on (a step elsewhere that left the challenge alone): neither changes.
      const movedOn = await store.transitionFrom(after, { state: 'verifying' }, { actor: userActor(), action: 'elsewhere' });
      const auditMid = await auditEntries(store);
      await expectCode(store.transitionFrom(after, { state: 'verified' }, { actor: userActor(), action: 'x' }, {
        saveChallenge: { id: e.id, expected: { status: 'pending', attempts: 1, sendCount: 1 }, next: { ...tried(2), status: 'passed' } },
      }), 'STORE_VERSION_CONFLICT');
      expect(await store.getChallenge(e.id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await store.getRequest(r.id)).toEqual(movedOn);
      expect(await auditEntries(store)).toBe(auditMid);

      const passed = await store.transitionFrom(movedOn, { state: 'verified' }, { actor: userActor(), action: 'verify.passed' }, {
        saveChallenge: { id: e.id, expected: { status: 'pending', attempts: 1, sendCount: 1 }, next: { ...tried(2), status: 'passed' } },
      });
      expect(passed).toEqual(await store.getRequest(r.id));
      expect(await store.getChallenge(e.id)).toMatchObject({ status: 'passed', attempts: 2 });
    });

    it('a transition of an unknown request is refused as not found', async () => {
      await expectCode(store.transitionRequest(randomUUID(), 1, { state: 'closed' }, { actor: userActor(), action: 'x' }), 'STORE_NOT_FOUND');
      await expectCode(store.transitionRequest('not-a-uuid', 1, { state: 'closed' }, { actor: userActor(), action: 'x' }), 'STORE_NOT_FOUND');
      expect(await store.getRequest('not-a-uuid')).toBeNull();
    });

    it('when any part of a transition fails, neither the row nor the audit log changes', async () => {
      const r = await created(store);
      const job = await enqueue();
      const auditBefore = await auditEntries(store);
      // Reusing an existing job id makes the INSERT fail after the UPDATE ran inside the transaction.
      const failing = store.transitionRequest(r.id, 1, { state: 'queued' }, { actor: userActor(), action: 'request.queued' }, {
        enqueueJob: { id: job.id, kind: 'reset', signedJob: 'x.y.z', expiresAt: minutesFromNow(10) },
      });
      await expect(failing).rejects.toThrow();
      expect(await store.getRequest(r.id)).toEqual(r);
      expect(await auditEntries(store)).toBe(auditBefore);
    });

    it('a transition can queue the writeback job and record an approval in the same step', async () => {
      const r = await created(store, { privileged: true, methodsRequired: 2 });
      const jobId = randomUUID();
      const approved = await store.transitionRequest(r.id, 1, { state: 'approved' }, { actor: { kind: 'approver', id: 'aad-approver' }, action: 'request.approved' }, {
        recordApproval: { requestId: r.id, approverAadId: 'aad-approver', decision: 'approved' },
      });
      const queued = await store.transitionRequest(r.id, approved.version, { state: 'queued' }, { actor: { kind: 'system' }, action: 'request.queued' }, {
        enqueueJob: { id: jobId, kind: 'reset', signedJob: 'a.b.c', expiresAt: minutesFromNow(10) },
      });
      expect(queued.state).toBe('queued');
      expect(await store.listApprovals(r.id)).toEqual([expect.objectContaining({ approverAadId: 'aad-approver', decision: 'approved' })]);
      expect(await store.listJobsForRequest(r.id)).toEqual([expect.objectContaining({ id: jobId, requestId: r.id, state: 'queued' })]);
      // A second decision by the same approver is refused and rolls the transition back.
      await expectCode(store.transitionRequest(r.id, queued.version, { state: 'denied' }, { actor: { kind: 'approver', id: 'aad-approver' }, action: 'request.denied' }, {
        recordApproval: { requestId: r.id, approverAadId: 'aad-approver', decision: 'denied' },
      }), 'STORE_APPROVAL_EXISTS');
      expect((await store.getRequest(r.id))?.state).toBe('queued');
    });

    it("a queued job and its result are audited under the request, and the chain verifies", async () => {
      const r = await created(store);
      const jobId = randomUUID();
      await store.transitionRequest(r.id, 1, { state: 'queued' }, { actor: { kind: 'system' }, action: 'request.queued' }, {
        enqueueJob: { id: jobId, kind: 'reset', signedJob: 'a.b.c', expiresAt: minutesFromNow(10) },
      });
      // Leased to this agent directly: other tests' jobs wait in the same queue.
      await superuserQuery(store, `UPDATE writeback_jobs SET state = 'leased', lease_owner = 'agent-audit', attempts = 1, lease_expires_at = now() + interval '1 minute' WHERE id = $1`, [jobId]);
      await store.completeJob(jobId, 'agent-audit', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } },
        { actor: { kind: 'agent', id: 'agent-audit' }, action: 'writeback.job_succeeded', details: { jobId } });
      const actions = (await store.listAudit({ requestId: r.id })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['request.queued', 'writeback.job_succeeded']));
      expect((await store.verifyAuditChain()).ok).toBe(true);
    });

    it('bad input is refused with a clear error that names the field, never the value, and stores nothing', async () => {
      const before = await rowCount(store, 'reset_requests');
      const err = await store.createRequest(newRequest({ tenantId: '', kind: 'explode' as 'reset', stepToken: CANARY_STEP_TOKEN }), { actor: userActor(), action: 'x' })
        .catch((e: unknown) => e);
      expect(isResetDeskError(err, 'STORE_INVALID_INPUT')).toBe(true);
      expect((err as Error).message).toMatch(/tenantId/);
      expect((err as Error).message).toMatch(/kind/);
      expect((err as Error).message).not.toContain(CANARY);
      expect(await rowCount(store, 'reset_requests')).toBe(before);
    });

    it('lists a person\'s open requests, newest first', async () => {
      const owner = `aad-${randomUUID()}`;
      const first = await created(store, { ownerAadId: owner });
      clock.advance(1000);
      const second = await created(store, { ownerAadId: owner });
      await store.transitionRequest(first.id, 1, { state: 'closed' }, { actor: userActor(owner), action: 'request.closed' });
      expect((await store.listRequestsByOwner(TENANT, owner)).map((r) => r.id)).toEqual([second.id, first.id]);
      expect((await store.listRequestsByOwner(TENANT, owner, { openOnly: true })).map((r) => r.id)).toEqual([second.id]);
    });
  });

  describe('verification challenges', () => {
    it('a code reaches the store only as the domain\'s salted, peppered hash', async () => {
      const r = await created(store);
      const salt = randomBytes(16).toString('hex');
      const c = await store.createChallenge({
        requestId: r.id, method: 'email', maskedTarget: 'a•••@contoso.com',
        codeHash: hashCode(CANARY_CODE, salt, PEPPER), codeSalt: salt, digits: 6, maxAttempts: 5, expiresAt: minutesFromNow(10),
      });
      expect(c).toMatchObject({ status: 'pending', attempts: 0, sendCount: 1, maskedTarget: 'a•••@contoso.com' });
      expect(c.lastSentAt).toEqual(clock.now());
      expect(codeMatches(CANARY_CODE, c.codeSalt!, c.codeHash!, PEPPER)).toBe(true);
      expect(codeMatches('000000', c.codeSalt!, c.codeHash!, PEPPER)).toBe(false);
      expect(await store.getChallenge(c.id)).toEqual(c);
      expect(await dumpAllTables(store)).not.toContain(CANARY_CODE);
    });

    it('parallel answers read from one state count one try', async () => {
      const r = await created(store);
      const salt = randomBytes(16).toString('hex');
      const c = await store.createChallenge({ requestId: r.id, method: 'sms', codeHash: hashCode('123456', salt, PEPPER), codeSalt: salt, maxAttempts: 5, expiresAt: minutesFromNow(10) });
      const next = { status: 'pending' as const, attempts: 1, codeHash: c.codeHash, codeSalt: c.codeSalt, expiresAt: c.expiresAt, sendCount: 1, lastSentAt: c.lastSentAt };
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => store.saveChallengeState(c.id, { status: 'pending', attempts: 0, sendCount: 1 }, next)));
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect((await store.getChallenge(c.id))?.attempts).toBe(1);
    });

    it('a resend saves a new hash and salt, keeps the attempts, and counts the send', async () => {
      const r = await created(store);
      const salt = randomBytes(16).toString('hex');
      const c = await store.createChallenge({ requestId: r.id, method: 'sms', codeHash: hashCode(CANARY_CODE, salt, PEPPER), codeSalt: salt, maxAttempts: 5, expiresAt: minutesFromNow(10) });
      clock.advance(60_000);
      const salt2 = randomBytes(16).toString('hex');
      const resent = await store.saveChallengeState(c.id, { status: 'pending', attempts: 0, sendCount: 1 }, {
        status: 'pending', attempts: 1, codeHash: hashCode(CANARY_CODE_2, salt2, PEPPER), codeSalt: salt2,
        expiresAt: minutesFromNow(10), sendCount: 2, lastSentAt: clock.now(),
      });
      expect(resent).toMatchObject({ attempts: 1, sendCount: 2, codeSalt: salt2 });
      expect(codeMatches(CANARY_CODE, resent.codeSalt!, resent.codeHash!, PEPPER)).toBe(false);
      expect(codeMatches(CANARY_CODE_2, resent.codeSalt!, resent.codeHash!, PEPPER)).toBe(true);
    });

    it('a closed challenge keeps its outcome and takes no more answers', async () => {
      const r = await created(store);
      const c = await store.createChallenge({ requestId: r.id, method: 'manager', maxAttempts: 1, expiresAt: minutesFromNow(10) });
      expect(c).toMatchObject({ codeHash: null, codeSalt: null, sendCount: 0 });
      expect((await store.setChallengeStatus(c.id, 'passed')).status).toBe('passed');
      await expectCode(store.setChallengeStatus(c.id, 'failed'), 'STORE_CHALLENGE_CLOSED');
      await expectCode(store.saveChallengeState(c.id, { status: 'pending', attempts: 0, sendCount: 0 }, {
        status: 'failed', attempts: 1, codeHash: null, codeSalt: null, expiresAt: c.expiresAt, sendCount: 0, lastSentAt: null,
      }), 'STORE_VERSION_CONFLICT');
      expect(await store.listChallenges(r.id)).toEqual([expect.objectContaining({ id: c.id, status: 'passed' })]);
    });

    it('a challenge hashed by the domain is kept as given, and two answers cannot use the same try', async () => {
      const r = await created(store);
      const hash = 'a'.repeat(64);
      const c = await store.createChallenge({ requestId: r.id, method: 'manager', targetRef: 'aad-manager', maxAttempts: 1, expiresAt: minutesFromNow(10) });
      expect(c).toMatchObject({ targetRef: 'aad-manager', codeHash: null });
      const e = await store.createChallenge({ requestId: r.id, method: 'email', codeHash: hash, codeSalt: 'salt-salt-salt', digits: 8, maxAttempts: 5, expiresAt: minutesFromNow(10) });
      expect(e).toMatchObject({ codeHash: hash, codeSalt: 'salt-salt-salt', digits: 8, sendCount: 1, attempts: 0 });
      const next = { status: 'pending' as const, attempts: 1, codeHash: hash, codeSalt: 'salt-salt-salt', expiresAt: e.expiresAt, sendCount: 1, lastSentAt: e.lastSentAt };
      const results = await Promise.allSettled([
        store.saveChallengeState(e.id, { status: 'pending', attempts: 0, sendCount: 1 }, next),
        store.saveChallengeState(e.id, { status: 'pending', attempts: 0, sendCount: 1 }, next),
      ]);
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'STORE_VERSION_CONFLICT' });
      expect((await store.getChallenge(e.id))?.attempts).toBe(1);
      // Read while pending, but expired since: the answer read a state that is gone.
      await store.saveChallengeState(e.id, { status: 'pending', attempts: 1, sendCount: 1 }, { ...next, status: 'expired' });
      await expectCode(store.saveChallengeState(e.id, { status: 'pending', attempts: 1, sendCount: 1 }, { ...next, attempts: 2 }), 'STORE_VERSION_CONFLICT');
      await expectCode(store.saveChallengeState(e.id, { status: 'passed' as 'pending', attempts: 1, sendCount: 1 }, next), 'STORE_INVALID_INPUT');
      expect(await store.getChallenge(e.id)).toMatchObject({ status: 'expired', attempts: 1 });
      // A code in clear is refused outright: the store only ever takes the domain's hash.
      await expectCode(store.createChallenge({ requestId: r.id, method: 'sms', code: '123456', codeHash: hash, codeSalt: 'salt-salt-salt', maxAttempts: 5, expiresAt: minutesFromNow(10) } as NewChallenge), 'STORE_INVALID_INPUT');
    });
  });

  describe('conversation references', () => {
    it('keeps the latest reference per person per tenant', async () => {
      const aad = `aad-${randomUUID()}`;
      await store.saveConversationReference(TENANT, aad, { conversation: { id: 'a:1' }, serviceUrl: 'https://smba.example/' });
      clock.advance(1000);
      await store.saveConversationReference(TENANT, aad, { conversation: { id: 'a:2' }, serviceUrl: 'https://smba.example/' });
      const got = await store.getConversationReference(TENANT, aad);
      expect(got).toMatchObject({ tenantId: TENANT, aadObjectId: aad, reference: { conversation: { id: 'a:2' } }, updatedAt: clock.now() });
      expect(await store.getConversationReference('other-tenant', aad)).toBeNull();
    });
  });

  describe('audit log', () => {
    it('entries form a chain that verifies', async () => {
      await store.appendAudit({ actor: { kind: 'admin', id: 'aad-admin' }, action: 'admin.viewed_audit', details: { nested: { b: 2, a: [1, 'x', null] } } });
      const report = await store.verifyAuditChain();
      const all = await store.listAudit({ limit: 10_000 });
      expect(report).toEqual({ ok: true, entries: all.length });
      all.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        if (i > 0) expect(e.prevHash).toBe(all[i - 1]!.hash);
      });
    });

    it('an entry with accents, quotes, backslashes, emoji and large numbers is hashed by the database exactly as the verifier does', async () => {
      const details = { name: 'Zoë O\'Brien "Zo" \\ 東京 🔑', tab: 'a\tb\nc', n: 1e21, small: -0.000001, nested: { z: [true, false, null], a: '' } };
      const added = await store.appendAudit({ actor: { kind: 'user', id: 'aad-zoë' }, action: 'request.créée', details });
      const [stored] = await store.listAudit({ afterSeq: added.seq - 1, limit: 1 });
      expect(stored).toEqual(added);
      expect(computeAuditHash(stored!.prevHash, stored!)).toBe(stored!.hash);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    });

    it('parallel appends never fork the chain', async () => {
      const before = (await store.verifyAuditChain()).entries;
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendAudit({ actor: { kind: 'system', id: 'test' }, action: 'parallel', details: { i } })));
      expect(await store.verifyAuditChain()).toEqual({ ok: true, entries: before + 25 });
    });

    it('steps audited through the inbox and direct appends, in parallel, make one unbroken chain, each entry exactly once', async () => {
      const before = (await store.verifyAuditChain()).entries;
      const rows = await Promise.all(Array.from({ length: 12 }, () => created(store, { state: 'verifying' })));
      const steps = rows.map((r, i) => store.transitionFrom(r, { state: 'verified' }, { actor: userActor(), action: 'request.verified', details: { i } }));
      const direct = Array.from({ length: 12 }, (_, i) => store.appendAudit({ actor: { kind: 'system', id: 'test' }, action: 'mixed', details: { i } }));
      await Promise.all([...steps, ...direct]);
      // listAudit and verification chain whatever is still in the inbox first.
      const report = await store.verifyAuditChain();
      expect(report).toEqual({ ok: true, entries: before + 12 + 12 + 12 });
      expect(await rowCount(store, 'audit_inbox')).toBe(0);
      for (const r of rows) {
        expect((await store.listAudit({ requestId: r.id })).map((e) => e.action)).toEqual(['request.created', 'request.verified']);
      }
    });

    it('the database refuses to update, delete or truncate audit entries', async () => {
      await store.appendAudit({ actor: { kind: 'system' }, action: 'undeletable' });
      await expect(superuserQuery(store, "UPDATE audit_log SET action = 'rewritten' WHERE seq = 1")).rejects.toThrow(/append-only/);
      await expect(superuserQuery(store, 'DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
      await expect(superuserQuery(store, 'TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      expect((await store.verifyAuditChain()).ok).toBe(true);
    });

    it('verification names the first entry that was tampered with, even by a superuser who bypassed the trigger', async () => {
      await store.appendAudit({ actor: { kind: 'system' }, action: 'tamper-target', details: { approved: false } });
      await store.appendAudit({ actor: { kind: 'system' }, action: 'after-target' });
      const [target] = (await store.listAudit({ limit: 10_000 })).filter((e) => e.action === 'tamper-target');
      const bypass = async (sql: string, params: unknown[] = []) => {
        await superuserQuery(store, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        try {
          await superuserQuery(store, sql, params);
        } finally {
          await superuserQuery(store, 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
        }
      };

      await bypass(`UPDATE audit_log SET details = '{"approved": true}'::jsonb WHERE seq = $1`, [target!.seq]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, brokenAtSeq: target!.seq, reason: 'hash_mismatch' });
      await bypass(`UPDATE audit_log SET details = '{"approved": false}'::jsonb WHERE seq = $1`, [target!.seq]);
      expect((await store.verifyAuditChain()).ok).toBe(true);

      await bypass('DELETE FROM audit_log WHERE seq = $1', [target!.seq]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, brokenAtSeq: target!.seq + 1, reason: 'sequence_gap' });
      await superuserQuery(store,
        `INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash) VALUES ($1, $2::timestamptz, $3::jsonb, $4, $5, $6::jsonb, $7, $8)`,
        [target!.seq, target!.at.toISOString(), JSON.stringify(target!.actor), target!.action, target!.requestId, JSON.stringify(target!.details), target!.prevHash, target!.hash]);
      expect((await store.verifyAuditChain()).ok).toBe(true);

      // Rewriting an entry AND its hash still breaks the next link.
      await bypass(`UPDATE audit_log SET action = 'forged', hash = $2 WHERE seq = $1`, [target!.seq, 'f'.repeat(64)]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, brokenAtSeq: target!.seq });
      await bypass(`UPDATE audit_log SET action = $2, hash = $3 WHERE seq = $1`, [target!.seq, target!.action, target!.hash]);
      expect((await store.verifyAuditChain()).ok).toBe(true);
    });

    it('entries cut off the end of the log are noticed against the chain head, and the head cannot be deleted', async () => {
      const last = await store.appendAudit({ actor: { kind: 'system' }, action: 'tail-entry' });
      await expect(superuserQuery(store, 'DELETE FROM audit_head')).rejects.toThrow(/refused/);
      await superuserQuery(store, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      try {
        await superuserQuery(store, 'DELETE FROM audit_log WHERE seq = $1', [last.seq]);
      } finally {
        await superuserQuery(store, 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      }
      expect(await store.verifyAuditChain()).toMatchObject({ ok: false, entries: last.seq - 1, brokenAtSeq: last.seq, reason: 'head_mismatch' });
      await superuserQuery(store,
        `INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash) VALUES ($1, $2::timestamptz, $3::jsonb, $4, $5, $6::jsonb, $7, $8)`,
        [last.seq, last.at.toISOString(), JSON.stringify(last.actor), last.action, last.requestId, JSON.stringify(last.details), last.prevHash, last.hash]);
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    });
  });

  describe('writeback jobs', () => {
    beforeEach(emptyQueue);

    it('a queued job is leased once, to one agent, with its attempt counted', async () => {
      const job = await enqueue();
      expect(job).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });
      const leased = await store.leaseJob('agent-a', 30_000);
      expect(leased).toMatchObject({ id: job.id, state: 'leased', leaseOwner: 'agent-a', attempts: 1, signedJob: job.signedJob });
      expect(leased?.leaseExpiresAt).toEqual(new Date(clock.now().getTime() + 30_000));
      expect(await store.leaseJob('agent-b', 30_000)).toBeNull();
    });

    it('concurrent leasers never receive the same job', async () => {
      const second = engine === 'postgres' ? await openStore({ databaseUrl: ts.databaseUrl!, now: clock.now }) : store;
      try {
        const jobs = await Promise.all(Array.from({ length: 20 }, () => enqueue()));
        const leaseAll = async (s: Store, agent: string) => {
          const got: string[] = [];
          for (;;) {
            const j = await s.leaseJob(agent, 30_000);
            if (!j) return got;
            got.push(j.id);
          }
        };
        const results = await Promise.all([
          ...Array.from({ length: 5 }, (_, i) => leaseAll(store, `agent-a${i}`)),
          ...Array.from({ length: 5 }, (_, i) => leaseAll(second, `agent-b${i}`)),
        ]);
        const leased = results.flat();
        expect(leased).toHaveLength(20);
        expect(new Set(leased)).toEqual(new Set(jobs.map((j) => j.id)));
      } finally {
        if (second !== store) await second.close();
      }
    });

    it('the lease owner completes the job: the result is kept and the signed job is wiped', async () => {
      const job = await enqueue(store, `${CANARY}-not-a-password-but-wiped`);
      await store.leaseJob('agent-a', 30_000);
      const done = await store.completeJob(job.id, 'agent-a', { outcome: 'succeeded', result: { code: 'OK', message: 'Your password was changed.' } },
        { actor: { kind: 'agent', id: 'agent-a' }, action: 'job.succeeded' });
      expect(done).toMatchObject({ state: 'succeeded', signedJob: null, result: { code: 'OK', message: 'Your password was changed.' }, finishedAt: clock.now() });
      expect(await dumpAllTables(store)).not.toContain(`${CANARY}-not-a-password-but-wiped`);
      // The agent retrying its report after a lost response gets the same answer.
      expect(await store.completeJob(job.id, 'agent-a', { outcome: 'failed', result: { code: 'X', message: 'x' } })).toEqual(done);
    });

    it('a completion by an agent that does not hold the lease is refused and changes nothing', async () => {
      const job = await enqueue();
      await expectCode(store.completeJob(job.id, 'agent-b', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_LEASE_NOT_HELD');
      const leased = await store.leaseJob('agent-a', 30_000);
      await expectCode(store.completeJob(job.id, 'agent-b', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_LEASE_NOT_HELD');
      expect(await store.getJob(job.id)).toEqual(leased);
      await expectCode(store.completeJob(randomUUID(), 'agent-a', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_NOT_FOUND');
    });

    it('a lapsed lease returns the job to the queue and the old owner can no longer complete it', async () => {
      const job = await enqueue();
      await store.leaseJob('agent-a', 30_000);
      clock.advance(31_000);
      const again = await store.leaseJob('agent-b', 30_000);
      expect(again).toMatchObject({ id: job.id, leaseOwner: 'agent-b', attempts: 2 });
      await expectCode(store.completeJob(job.id, 'agent-a', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_LEASE_NOT_HELD');
      expect((await store.completeJob(job.id, 'agent-b', { outcome: 'failed', result: { code: 'AGENT_DC_UNAVAILABLE', message: 'No domain controller answered.' } })).state).toBe('failed');
    });

    it('an agent whose lease lapsed (it could not reach the service) still completes the job it wrote, as long as nobody leased it again', async () => {
      const late = await enqueue();
      await store.leaseJob('agent-a', 30_000);
      clock.advance(31_000);
      await store.requeueLapsedLeases();
      expect(await store.completeJob(late.id, 'agent-a', { outcome: 'succeeded', result: { code: 'OK', message: 'The password was changed.' } })).toMatchObject({
        state: 'succeeded', leaseOwner: 'agent-a', signedJob: null,
      });
      const taken = await enqueue();
      await store.leaseJob('agent-a', 30_000);
      clock.advance(31_000);
      await store.requeueLapsedLeases();
      await store.leaseJob('agent-b', 30_000);
      await expectCode(store.completeJob(taken.id, 'agent-a', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_LEASE_NOT_HELD');
      await expectCode(store.completeJob(taken.id, 'agent-c', { outcome: 'succeeded', result: { code: 'OK', message: 'done' } }), 'STORE_LEASE_NOT_HELD');
    });

    it('the sweeper re-queues lapsed leases, and a released lease is queued again at once', async () => {
      const a = await enqueue();
      await store.leaseJob('agent-a', 30_000);
      clock.advance(31_000);
      expect((await store.requeueLapsedLeases()).map((j) => j.id)).toEqual([a.id]);
      // The last owner is kept until the next lease, so a late report from it still counts.
      expect(await store.getJob(a.id)).toMatchObject({ state: 'queued', leaseOwner: 'agent-a', leaseExpiresAt: null, attempts: 1 });
      await store.leaseJob('agent-b', 30_000);
      await expectCode(store.releaseLease(a.id, 'agent-a'), 'STORE_LEASE_NOT_HELD');
      expect(await store.releaseLease(a.id, 'agent-b')).toMatchObject({ state: 'queued', leaseOwner: null });
    });

    it('jobs nobody applied in time expire with their signed job wiped, but not while an agent holds a live lease', async () => {
      const waiting = await store.enqueueJob({ kind: 'unlock', signedJob: 'queued.job.text', expiresAt: minutesFromNow(10) });
      clock.advance(1);
      const held = await store.enqueueJob({ kind: 'reset', signedJob: 'held.job.text', expiresAt: minutesFromNow(10) });
      await store.leaseJob('agent-a', 30_000); // takes `waiting`, the older one
      await store.leaseJob('agent-b', 15 * 60_000); // takes `held`
      clock.advance(11 * 60_000);
      const expired = await store.expireJobs();
      expect(expired.map((j) => j.id)).toEqual([waiting.id]);
      expect(expired[0]).toMatchObject({ state: 'expired', signedJob: null });
      expect((await store.getJob(held.id))?.state).toBe('leased');
      expect(await store.leaseJob('agent-c', 30_000)).toBeNull();
      clock.advance(5 * 60_000);
      expect((await store.expireJobs()).map((j) => j.id)).toEqual([held.id]);
      expect(await dumpAllTables(store)).not.toMatch(/queued\.job\.text|held\.job\.text/);
    });

    it('the lease holder records the password version its write starts from; the lease is renewed, the start audited, and the next lease carries the version', async () => {
      const request = await created(store);
      const job = await store.enqueueJob({ requestId: request.id, kind: 'reset', signedJob: 'write.start.job', expiresAt: minutesFromNow(10) });
      await store.leaseJob('agent-a', 30_000);
      clock.advance(20_000);
      const started = await store.recordWriteStart({ jobId: job.id, agentId: 'agent-a', attempt: 1, passwordVersion: 7, renewLeaseMs: 30_000 });
      expect(started).toMatchObject({ state: 'leased', writeFromVersion: 7, writeStartedBy: 'agent-a', writeStartedAt: clock.now() });
      expect(started.leaseExpiresAt).toEqual(new Date(clock.now().getTime() + 30_000));
      const audit = await store.listAudit({ requestId: request.id });
      expect(audit.filter((a) => a.action === 'writeback.write_started')).toEqual([
        expect.objectContaining({ actor: { kind: 'agent', id: 'agent-a' }, details: { jobId: job.id, attempt: 1, passwordVersion: 7 } }),
      ]);
      // The agent dies; whoever leases the job next learns where its write started.
      clock.advance(31_000);
      const again = await store.leaseJob('agent-b', 30_000);
      expect(again).toMatchObject({ id: job.id, leaseOwner: 'agent-b', attempts: 2, writeFromVersion: 7 });
      // It may write from the same version, never from another.
      await expectCode(store.recordWriteStart({ jobId: job.id, agentId: 'agent-b', attempt: 2, passwordVersion: 8, renewLeaseMs: 30_000 }), 'STORE_WRITE_VERSION_CONFLICT');
      expect(await store.recordWriteStart({ jobId: job.id, agentId: 'agent-b', attempt: 2, passwordVersion: 7, renewLeaseMs: 30_000 })).toMatchObject({
        writeFromVersion: 7, writeStartedBy: 'agent-b', writeStartedAt: started.writeStartedAt,
      });
    });

    it('a write start is refused for a lease not held: another agent, an earlier attempt, or a lease that lapsed even if nobody took the job', async () => {
      const job = await enqueue();
      await expectCode(store.recordWriteStart({ jobId: job.id, agentId: 'agent-a', attempt: 1, passwordVersion: 1, renewLeaseMs: 30_000 }), 'STORE_LEASE_NOT_HELD');
      await store.leaseJob('agent-a', 30_000);
      await expectCode(store.recordWriteStart({ jobId: job.id, agentId: 'agent-b', attempt: 1, passwordVersion: 1, renewLeaseMs: 30_000 }), 'STORE_LEASE_NOT_HELD');
      clock.advance(30_000);
      // Lapsed: the agent that takes over may already be deciding from the version, so the old holder may not start now.
      await expectCode(store.recordWriteStart({ jobId: job.id, agentId: 'agent-a', attempt: 1, passwordVersion: 1, renewLeaseMs: 30_000 }), 'STORE_LEASE_NOT_HELD');
      await store.leaseJob('agent-a', 30_000);
      await expectCode(store.recordWriteStart({ jobId: job.id, agentId: 'agent-a', attempt: 1, passwordVersion: 1, renewLeaseMs: 30_000 }), 'STORE_LEASE_NOT_HELD');
      expect(await store.getJob(job.id)).toMatchObject({ attempts: 2, writeFromVersion: null, writeStartedAt: null, writeStartedBy: null });
      await expectCode(store.recordWriteStart({ jobId: randomUUID(), agentId: 'agent-a', attempt: 1, passwordVersion: 1, renewLeaseMs: 30_000 }), 'STORE_NOT_FOUND');
    });

    it('the database itself refuses an ended job that still carries its signed job', async () => {
      const job = await enqueue();
      await expect(superuserQuery(store, "UPDATE writeback_jobs SET state = 'failed' WHERE id = $1", [job.id])).rejects.toThrow(/check constraint/);
    });

    it('a queued job wakes whoever waits for work' + (engine === 'postgres' ? ', on another replica too' : ''), async () => {
      const replica = engine === 'postgres' ? await openStore({ databaseUrl: ts.databaseUrl!, now: clock.now }) : store;
      try {
        const heard: (string | null)[] = [];
        let wake: () => void = () => undefined;
        const unlisten = await replica.onJobQueued((id) => {
          heard.push(id);
          wake();
        });
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const job = await enqueue(store);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no notification within 5 s')), 5000);
        });
        await Promise.race([woken, timeout]).finally(() => clearTimeout(timer));
        expect(heard).toEqual([job.id]);
        await unlisten();
        await enqueue(store);
        await new Promise((r) => setTimeout(r, 200));
        expect(heard).toEqual([job.id]);
      } finally {
        if (replica !== store) await replica.close();
      }
    });
  });

  describe('agents and enrollment', () => {
    it('an enrollment code is stored only as a hash and works exactly once, even when used in parallel', async () => {
      const other = engine === 'postgres' ? await openStore({ databaseUrl: ts.databaseUrl!, now: clock.now }) : store;
      try {
        await store.createEnrollmentCode({ code: CANARY_ENROLLMENT_CODE, expiresAt: minutesFromNow(15), createdBy: 'aad-admin' }, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'enrollment.code_created' });
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).enrollAgent(CANARY_ENROLLMENT_CODE, agentInput(`agent-${i}`), { actor: { kind: 'agent' }, action: 'agent.enrolled' })));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((x) => x.status === 'rejected')) expect(((r as PromiseRejectedResult).reason as { code: string }).code).toBe('ENROLL_CODE_USED');
        expect((await store.listAgents()).filter((a) => a.name.startsWith('agent-'))).toHaveLength(1);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('an unknown or expired enrollment code is refused', async () => {
      await expectCode(store.consumeEnrollmentCode('never-issued-code-0000'), 'ENROLL_CODE_INVALID');
      const code = `expiring-${randomBytes(12).toString('hex')}`;
      await store.createEnrollmentCode({ code, expiresAt: minutesFromNow(15), createdBy: 'aad-admin' }, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'enrollment.code_created' });
      clock.advance(16 * 60_000);
      await expectCode(store.enrollAgent(code, agentInput('late'), { actor: { kind: 'agent' }, action: 'agent.enrolled' }), 'ENROLL_CODE_EXPIRED');
      expect((await store.listAgents()).some((a) => a.name === 'late')).toBe(false);
    });

    it('a registration that fails leaves the enrollment code usable', async () => {
      const code = `retry-${randomBytes(12).toString('hex')}`;
      await store.createEnrollmentCode({ code, expiresAt: minutesFromNow(15), createdBy: 'aad-admin' }, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'enrollment.code_created' });
      const existing = await store.registerAgent(agentInput('taken-id'), { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.registered' });
      await expect(store.enrollAgent(code, { ...agentInput('dup'), id: existing.id }, { actor: { kind: 'agent' }, action: 'agent.enrolled' })).rejects.toThrow();
      expect((await store.enrollAgent(code, agentInput('second-try'), { actor: { kind: 'agent' }, action: 'agent.enrolled' })).name).toBe('second-try');
    });

    it('only public keys can be registered for an agent', async () => {
      const withPrivate = { ...agentInput('leaky'), signingJwk: { ...publicKey('sig'), d: 'c2VjcmV0' } };
      await expectCode(store.registerAgent(withPrivate, { actor: { kind: 'admin' }, action: 'agent.registered' }), 'STORE_INVALID_INPUT');
      expect((await store.listAgents({ includeRevoked: true })).some((a) => a.name === 'leaky')).toBe(false);
    });

    it('an agent is seen when it checks in and disappears from the active list when revoked', async () => {
      const agent = await store.registerAgent(agentInput('dc2-agent'), { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.registered' });
      expect(agent).toMatchObject({ lastSeenAt: null, revokedAt: null, managedOus: ['OU=Staff,DC=contoso,DC=com'] });
      clock.advance(5000);
      await store.touchAgent(agent.id);
      expect((await store.getAgent(agent.id))?.lastSeenAt).toEqual(clock.now());
      const revoked = await store.revokeAgent(agent.id, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.revoked' });
      expect(revoked.revokedAt).toEqual(clock.now());
      expect((await store.listAgents()).some((a) => a.id === agent.id)).toBe(false);
      expect((await store.listAgents({ includeRevoked: true })).some((a) => a.id === agent.id)).toBe(true);
      await expectCode(store.touchAgent(randomUUID()), 'STORE_NOT_FOUND');
    });
  });

  describe('token replay protection', () => {
    it('a token id is accepted once; a replay, even in parallel, is refused', async () => {
      const jti = randomUUID();
      const results = await Promise.all(Array.from({ length: 8 }, () => store.rememberTokenId(jti, minutesFromNow(2))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.rememberTokenId(jti, minutesFromNow(2))).toBe(false);
    });

    it("an agent's token id is remembered with the agent's row as it is now, in one call", async () => {
      const agent = await store.registerAgent(agentInput('token-agent'), { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.registered' });
      const jti = randomUUID();
      const first = await store.rememberAgentTokenId(agent.id, jti, minutesFromNow(2));
      expect(first).toMatchObject({ fresh: true, agent: { id: agent.id, revokedAt: null, signingJwk: agent.signingJwk } });
      expect(await store.rememberAgentTokenId(agent.id, jti, minutesFromNow(2))).toMatchObject({ fresh: false, agent: { id: agent.id } });
      await store.revokeAgent(agent.id, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.revoked' });
      const after = await store.rememberAgentTokenId(agent.id, randomUUID(), minutesFromNow(2));
      expect(after.fresh).toBe(true);
      expect(after.agent?.revokedAt).toBeInstanceOf(Date);
      expect(await store.rememberAgentTokenId(randomUUID(), randomUUID(), minutesFromNow(2))).toMatchObject({ fresh: true, agent: null });
      expect(await store.rememberAgentTokenId('not-a-uuid', randomUUID(), minutesFromNow(2))).toEqual({ fresh: false, agent: null });
    });

    it("a write start and a result checked with the agent's token in their own call: done once for a fresh token of the agent, refused and unchanged otherwise", async () => {
      await emptyQueue();
      const agent = await store.registerAgent(agentInput('in-statement'), { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.registered' });
      const use = (jti = randomUUID()) => ({ agentId: agent.id, jti, expiresAt: minutesFromNow(2), signingJwk: agent.signingJwk });
      const audit = { actor: { kind: 'agent' as const, id: agent.id }, action: 'writeback.job_succeeded' };
      const result = { outcome: 'succeeded' as const, result: { code: 'OK', message: 'Done.' } };
      const job = await enqueue();
      const leased = (await store.leaseJob(agent.id, 30_000))!;
      const start = { jobId: job.id, agentId: agent.id, attempt: 1, passwordVersion: 3, renewLeaseMs: 30_000 };

      const spent = use();
      expect(await store.recordWriteStart(start, spent)).toMatchObject({ writeFromVersion: 3 });
      const started = await store.getJob(job.id);
      await expectCode(store.recordWriteStart(start, spent), 'STORE_AGENT_TOKEN_REPLAYED');
      await expectCode(store.completeJob(job.id, agent.id, result, audit, spent), 'STORE_AGENT_TOKEN_REPLAYED');
      await expectCode(store.completeJob(job.id, agent.id, result, audit, { ...use(), signingJwk: publicKey('other') }), 'STORE_AGENT_UNKNOWN');
      await expectCode(store.completeJob(job.id, agent.id, result, audit, { ...use(), agentId: randomUUID() }), 'STORE_AGENT_UNKNOWN');
      expect(await store.getJob(job.id)).toEqual(started);
      expect(started).toMatchObject({ state: 'leased', leaseOwner: agent.id, attempts: leased.attempts });

      expect(await store.completeJob(job.id, agent.id, result, audit, use())).toMatchObject({ state: 'succeeded' });
      const other = await enqueue();
      await store.leaseJob(agent.id, 30_000);
      await store.revokeAgent(agent.id, { actor: { kind: 'admin', id: 'aad-admin' }, action: 'agent.revoked' });
      await expectCode(store.recordWriteStart({ ...start, jobId: other.id }, use()), 'STORE_AGENT_REVOKED');
      await expectCode(store.completeJob(other.id, agent.id, result, audit, use()), 'STORE_AGENT_REVOKED');
      expect(await store.getJob(other.id)).toMatchObject({ state: 'leased', writeFromVersion: null });
    });

    it('ids of expired tokens are pruned', async () => {
      const jti = randomUUID();
      await store.rememberTokenId(jti, minutesFromNow(2));
      clock.advance(3 * 60_000);
      await store.rememberTokenId(randomUUID(), minutesFromNow(2));
      expect(await superuserQuery(store, 'SELECT jti FROM used_token_ids WHERE jti = $1', [jti])).toEqual([]);
    });
  });

  describe('usage limits', () => {
    const rule = { max: 3, windowMs: 60 * 60_000 };
    const who = () => [{ scope: 'person' as const, subject: `aad-${randomUUID()}` }, { scope: 'account' as const, subject: `S-1-5-21-1-2-3-${Math.floor(Math.random() * 1e6)}` }];

    it('counts uses up to the limit, then refuses and says until when the window lasts', async () => {
      const subjects = who();
      const opened = clock.now().getTime();
      for (let i = 0; i < 3; i++) expect(await store.consumeUsage({ action: 'wrong_code', subjects, ...rule })).toEqual({ allowed: true });
      clock.advance(10 * 60_000);
      const refused = await store.consumeUsage({ action: 'wrong_code', subjects, ...rule });
      expect(refused).toEqual({ allowed: false, scope: 'person', until: new Date(opened + rule.windowMs) });
      expect(await store.peekUsage({ action: 'wrong_code', subjects, ...rule })).toEqual(refused);
      // Another action has a budget of its own.
      expect(await store.consumeUsage({ action: 'mail_code', subjects, ...rule })).toEqual({ allowed: true });
    });

    it('a new window opens when the last one is over', async () => {
      const subjects = who();
      for (let i = 0; i < 3; i++) await store.consumeUsage({ action: 'sms_code', subjects, ...rule });
      clock.advance(rule.windowMs + 1);
      expect(await store.peekUsage({ action: 'sms_code', subjects, ...rule })).toEqual({ allowed: true });
      expect(await store.consumeUsage({ action: 'sms_code', subjects, ...rule })).toEqual({ allowed: true });
      expect(await store.consumeUsage({ action: 'sms_code', subjects, ...rule })).toEqual({ allowed: true });
    });

    it('an account at its limit refuses every person, and a refused use charges nobody', async () => {
      const [first, account] = who() as [{ scope: 'person'; subject: string }, { scope: 'account'; subject: string }];
      for (let i = 0; i < 3; i++) await store.consumeUsage({ action: 'request', subjects: [first, account], ...rule });
      const other = { scope: 'person' as const, subject: `aad-${randomUUID()}` };
      expect(await store.consumeUsage({ action: 'request', subjects: [other, account], ...rule })).toMatchObject({ allowed: false, scope: 'account' });
      // The other person's budget was not touched by the refused use.
      const rows = await superuserQuery(store, `SELECT used FROM usage_limits WHERE kind = 'request' AND subject = $1`, [other.subject]);
      expect(rows).toEqual([]);
    });

    it('a refund gives one use back', async () => {
      const subjects = who();
      for (let i = 0; i < 3; i++) await store.consumeUsage({ action: 'manager_card', subjects, ...rule });
      await store.refundUsage({ action: 'manager_card', subjects });
      expect(await store.consumeUsage({ action: 'manager_card', subjects, ...rule })).toEqual({ allowed: true });
      expect(await store.consumeUsage({ action: 'manager_card', subjects, ...rule })).toMatchObject({ allowed: false });
    });

    it('parallel uses never count past the limit', async () => {
      const subjects = who();
      const verdicts = await Promise.all(Array.from({ length: 12 }, () => store.consumeUsage({ action: 'change_failure', subjects, ...rule })));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
    });

    it('bad input is refused and changes nothing', async () => {
      await expectCode(store.consumeUsage({ action: 'guess' as 'wrong_code', subjects: who(), ...rule }), 'STORE_INVALID_INPUT');
      await expectCode(store.consumeUsage({ action: 'wrong_code', subjects: [], ...rule }), 'STORE_INVALID_INPUT');
    });
  });

  describe('secrets', () => {
    it('no step token, one-time code or enrollment code appears in any table, in clear', async () => {
      const dump = await dumpAllTables(store);
      // The dump must really contain the rows the canaries were given to, or the check proves nothing.
      expect(dump).toMatch(/== reset_requests \([1-9]/);
      expect(dump).toMatch(/== verification_challenges \([1-9]/);
      expect(dump).toMatch(/== enrollment_codes \([1-9]/);
      expect(dump).toContain('step_token_hash');
      expect(dump).not.toContain(CANARY);
    });
  });
});

describe('the store on PGlite with a data folder', () => {
  it('keeps its data across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resetdesk-store-'));
    try {
      const first = await openStore({ dataDir: dir });
      const r = await first.createRequest({ tenantId: TENANT, ownerAadId: 'aad-x', kind: 'unlock', methodsRequired: 1, expiresAt: new Date(Date.now() + 60_000) }, { actor: userActor('aad-x'), action: 'request.created' });
      await first.close();
      const second = await openStore({ dataDir: dir });
      try {
        expect((await second.getRequest(r.id))?.kind).toBe('unlock');
        expect((await second.verifyAuditChain()).ok).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

(ENGINES.includes('postgres') ? describe : describe.skip)('the store on PostgreSQL with several replicas', () => {
  it('replicas starting at the same moment migrate the database once, without errors', async () => {
    const scratch = await createScratchDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ databaseUrl: scratch.databaseUrl })));
      try {
        const rows = await superuserQuery<{ version: number }>(stores[0]!, 'SELECT version FROM schema_migrations');
        expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    } finally {
      await scratch.drop();
    }
  });

  it('an unreachable DATABASE_URL fails to open with a clear error', async () => {
    await expect(openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});

(ENGINES.includes('postgres') ? describe : describe.skip)('the store on PostgreSQL, during a rolling upgrade', () => {
  it('statements prepared before a schema change still run after it', async () => {
    const { store, cleanup } = await createTestStore('postgres');
    try {
      const r = await store.createRequest({ tenantId: TENANT, ownerAadId: 'aad-u', kind: 'unlock', methodsRequired: 1, expiresAt: new Date(Date.now() + 60_000) }, { actor: userActor('aad-u'), action: 'request.created' });
      // Prepared on every pooled connection, as a busy replica would have them.
      await Promise.all(Array.from({ length: 12 }, () => store.getRequest(r.id)));
      await superuserQuery(store, 'ALTER TABLE reset_requests ADD COLUMN added_by_a_newer_release text');
      const after = await Promise.all(Array.from({ length: 12 }, () => store.getRequest(r.id)));
      expect(after.every((row) => row?.id === r.id)).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

(ENGINES.includes('postgres') ? describe : describe.skip)('the audit inbox on PostgreSQL', () => {
  it('an entry a replica left in the inbox (it stopped before chaining) is chained by another, within the backstop interval', async () => {
    const { store, cleanup } = await createTestStore('postgres');
    try {
      await superuserQuery(store, `INSERT INTO audit_inbox (at, actor, action, request_id, details) VALUES (now(), '{"kind":"system"}', 'left.behind', NULL, '{"n":1}')`);
      // No call chains it here: only the sealer's own backstop can.
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (await rowCount(store, 'audit_inbox')) > 0) await new Promise((r) => setTimeout(r, 100));
      expect(await rowCount(store, 'audit_inbox')).toBe(0);
      expect((await store.listAudit({ limit: 10_000 })).map((e) => e.action)).toContain('left.behind');
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    } finally {
      await cleanup();
    }
  });

  it('an entry waiting in the inbox cannot be rewritten', async () => {
    const { store, cleanup } = await createTestStore('postgres');
    try {
      // One statement, so the sealer cannot move the entry between the insert and the rewrite.
      await expect(superuserQuery(store, `DO $$ BEGIN
        INSERT INTO audit_inbox (at, actor, action, request_id, details) VALUES (now(), '{"kind":"system"}', 'waiting', NULL, '{}');
        UPDATE audit_inbox SET action = 'rewritten' WHERE action = 'waiting';
      END $$`)).rejects.toThrow(/refused/);
    } finally {
      await cleanup();
    }
  });
});
