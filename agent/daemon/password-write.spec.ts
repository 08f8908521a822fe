// The exactly-once rules of a password write, with the directory, the journal
// and the service in memory: a DC whose password version moves as writes land.
import pino from 'pino';
import type { AboutToWrite, PasswordVersion } from '../directory';
import { DirectoryUnavailableError, PolicyViolationError } from '../errors';
import type { JobPayload, LeasedJob, WriteStart, WriteStartAnswer } from '../protocol';
import { ServiceRefusedError, ServiceUnreachableError } from './gateway-client';
import { Refusal, writePasswordOnce, type PasswordWriteDeps } from './password-write';

const DN = 'CN=pat,OU=Staff,DC=corp,DC=example,DC=test';
const OU = 'OU=Staff,DC=corp,DC=example,DC=test';
const log = pino({ level: 'silent' });

interface World {
  version: number;
  writes: number;
  /** What the DC does with the next modify: apply it, apply it and lose the answer, or refuse it. */
  nextModify: 'apply' | 'apply-then-vanish' | 'vanish' | 'refuse';
  /** Reads fail while this is above zero (each read uses one). */
  unreachableReads: number;
  announced: WriteStart[];
  service: (w: WriteStart) => Promise<WriteStartAnswer>;
  journal: Map<string, number>;
}

function world(version = 5): World {
  return {
    version, writes: 0, nextModify: 'apply', unreachableReads: 0, announced: [], journal: new Map(),
    service: async (w) => ({ jobId: w.jobId, passwordVersion: w.passwordVersion, writeWithinMs: 30_000 }),
  };
}

function deps(w: World, settleMs = 2_000): PasswordWriteDeps {
  const current = (): PasswordVersion => ({ dn: DN, dcUrl: 'ldaps://dc1', version: w.version, changedAt: null });
  // Only the version reads after a lost answer meet the vanished DC.
  const read = async (): Promise<PasswordVersion> => {
    if (w.unreachableReads > 0) {
      w.unreachableReads -= 1;
      throw new DirectoryUnavailableError();
    }
    return current();
  };
  const write = async (_t: unknown, ...rest: unknown[]): Promise<never> => {
    const options = rest[rest.length - 1] as { beforeWrite: (a: AboutToWrite) => Promise<boolean> };
    const { version } = current();
    if (!(await options.beforeWrite({ dn: DN, passwordVersion: version }))) return { applied: false } as never;
    const what = w.nextModify;
    if (what === 'refuse') throw new PolicyViolationError('complexity');
    if (what !== 'vanish') {
      w.version += 1;
      w.writes += 1;
    }
    if (what !== 'apply') throw new DirectoryUnavailableError({}, { cause: new Error('Connection closed before message response was received') });
    return { applied: true } as never;
  };
  return {
    directory: { passwordVersion: read, reset: write as never, change: write as never },
    journal: {
      get: (jobId: string) => (w.journal.has(jobId) ? { jobId, version: w.journal.get(jobId)!, dn: DN, at: 0 } : undefined),
      recordApplying: async (jobId: string, version: number) => void w.journal.set(jobId, version),
    },
    service: {
      writeStart: async (start: WriteStart) => {
        w.announced.push(start);
        return w.service(start);
      },
    },
    managedOus: [OU],
    settleMs,
  };
}

const job = { jobId: 'job-1', requestId: 'req-1', kind: 'reset', options: {} } as unknown as JobPayload & { kind: 'reset' };
const leased = (earlier?: number): LeasedJob => ({
  jobId: 'job-1', leaseId: 'job-1.2', leaseExpiresAt: '2030-01-01T00:00:00Z', jws: 'x.y.z', ...(earlier !== undefined ? { earlierWrite: { passwordVersion: earlier } } : {}),
});
const run = (w: World, o: { earlier?: number; settleMs?: number; mayApply?: () => boolean } = {}) =>
  writePasswordOnce(deps(w, o.settleMs), { leased: leased(o.earlier), job, target: { sid: 'S-1-5-21-1-2-3-1105' }, password: 'Not-a-real-one-1!', mayApply: o.mayApply ?? (() => true), log });

describe('writing a password exactly once', () => {
  it('announces the version it starts from (service and journal) before the one modify', async () => {
    const w = world(5);
    expect(await run(w)).toMatchObject({ done: 'written' });
    expect(w.announced).toEqual([{ jobId: 'job-1', leaseId: 'job-1.2', passwordVersion: 5 }]);
    expect(w.journal.get('job-1')).toBe(5);
    expect(w).toMatchObject({ version: 6, writes: 1 });
  });

  it('takes over a job an earlier lease wrote (version grown by one): reports it and writes nothing', async () => {
    const w = world(6);
    expect(await run(w, { earlier: 5 })).toMatchObject({ done: 'found-written' });
    expect(w).toMatchObject({ version: 6, writes: 0, announced: [] });
  });

  it('takes over a job an earlier lease announced but never wrote (version unchanged): writes it once, from that version', async () => {
    const w = world(5);
    expect(await run(w, { earlier: 5 })).toMatchObject({ done: 'written' });
    expect(w).toMatchObject({ version: 6, writes: 1 });
    expect(w.announced.map((a) => a.passwordVersion)).toEqual([5]);
  });

  it('refuses a job whose password changed more than once since its write was announced', async () => {
    const w = world(7);
    await expect(run(w, { earlier: 5 })).rejects.toMatchObject({ code: 'AGENT_ALREADY_APPLIED' });
    expect(w.writes).toBe(0);
  });

  it('uses its own journal when the service knows nothing (an earlier run of this agent)', async () => {
    const w = world(6);
    w.journal.set('job-1', 5);
    expect(await run(w)).toMatchObject({ done: 'found-written' });
    expect(w.writes).toBe(0);
  });

  it('writes nothing and reports nothing when the service says the lease is no longer its own (it lapsed; another agent holds the job)', async () => {
    const w = world(5);
    w.service = async () => {
      throw new ServiceRefusedError(409, 'STORE_LEASE_NOT_HELD', 'This job is not leased to this agent.');
    };
    expect(await run(w)).toEqual({ dropped: true });
    expect(w.writes).toBe(0);
  });

  it('refuses when the service already keeps another starting version for the job', async () => {
    const w = world(5);
    w.service = async () => {
      throw new ServiceRefusedError(409, 'STORE_WRITE_VERSION_CONFLICT', 'conflict');
    };
    await expect(run(w)).rejects.toBeInstanceOf(Refusal);
    expect(w.writes).toBe(0);
  });

  it('writes nothing, and hands the job back, when the write cannot be announced or its answer came too late', async () => {
    const unreachable = world(5);
    unreachable.service = async () => {
      throw new ServiceUnreachableError('The ResetDesk service cannot be reached (ECONNREFUSED).');
    };
    expect(await run(unreachable)).toEqual({ release: true });
    expect(unreachable.writes).toBe(0);

    const late = world(5);
    late.service = async (s) => ({ jobId: s.jobId, passwordVersion: s.passwordVersion, writeWithinMs: 0 });
    const slowJournal = deps(late);
    slowJournal.journal.recordApplying = async () => new Promise((r) => setTimeout(r, 5));
    expect(await writePasswordOnce(slowJournal, { leased: leased(), job, target: { sid: 'S-1-5-21-1-2-3-1105' }, password: 'x', mayApply: () => true, log })).toEqual({ release: true });
    expect(late.writes).toBe(0);
  });

  it('a stopping agent writes nothing and hands the job back', async () => {
    const w = world(5);
    expect(await run(w, { mayApply: () => false })).toEqual({ release: true });
    expect(w.writes).toBe(0);
  });

  it('settles a modify whose answer was lost: the DC comes back with the version grown by one, so it was written', async () => {
    const w = world(5);
    w.nextModify = 'apply-then-vanish';
    w.unreachableReads = 2;
    expect(await run(w)).toMatchObject({ done: 'written' });
    expect(w).toMatchObject({ version: 6, writes: 1 });
  });

  it('settles a modify whose answer was lost and that never landed: the failure stands, and nothing was changed', async () => {
    const w = world(5);
    w.nextModify = 'vanish';
    await expect(run(w)).rejects.toMatchObject({ code: 'AGENT_DIRECTORY_UNAVAILABLE' });
    expect(w.writes).toBe(0);
  });

  it('keeps the job while no DC answers (renewing its lease), and says the outcome is unknown when none answers in time', async () => {
    const w = world(5);
    w.nextModify = 'apply-then-vanish';
    w.unreachableReads = 1_000;
    expect(await run(w, { settleMs: 400 })).toEqual({ unknown: true });
    // The first announcement, then renewals while it waited.
    expect(w.announced.length).toBeGreaterThan(1);
    expect(new Set(w.announced.map((a) => a.passwordVersion))).toEqual(new Set([5]));
  });

  it('a DC that answers "no" is a plain failure, not a lost answer', async () => {
    const w = world(5);
    w.nextModify = 'refuse';
    await expect(run(w)).rejects.toMatchObject({ code: 'AGENT_POLICY_VIOLATION' });
  });
});
