// The lane's loop around the report: the next job comes in the report's
// answer, so a busy lane long-polls only when nothing is queued, and a job
// that arrives that way after a stop is handed back, never run.
import pino from 'pino';
import type { JobResult, LeasedJob } from '../protocol';
import { AgentDaemon, type AgentDaemonOptions } from './daemon';
import type { JobOutcome } from './job-runner';

const job = (n: number): LeasedJob => ({
  jobId: `job-${n}`,
  leaseId: `job-${n}.1`,
  leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
  jws: 'not.read.here',
});

const resultOf = (leased: LeasedJob): JobResult => ({ jobId: leased.jobId, outcome: 'succeeded', code: 'OK', message: 'Done.' });

interface Calls {
  leases: number;
  /** Each report: the job and whether it asked for the next one. */
  reports: Array<{ jobId: string; next: boolean }>;
  ran: string[];
  released: string[];
}

/** A daemon of one lane over fakes: `lease` answers in turn (then waits until the stop), `nextAfter` says what each report brings. */
function laneOver(o: { leases: LeasedJob[]; nextAfter: Record<string, LeasedJob | null>; onReport?: (daemon: AgentDaemon) => void }): { daemon: AgentDaemon; calls: Calls } {
  const calls: Calls = { leases: 0, reports: [], ran: [], released: [] };
  const leases = [...o.leases];
  let daemon!: AgentDaemon;
  const client: AgentDaemonOptions['client'] = {
    async lease(signal) {
      calls.leases += 1;
      const next = leases.shift();
      if (next) return next;
      // Nothing queued: the test is over; the long-poll waits until the daemon stops.
      setImmediate(() => daemon.stop());
      await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      throw new Error('aborted');
    },
    async result(result, opts) {
      calls.reports.push({ jobId: result.jobId, next: opts?.next === true });
      o.onReport?.(daemon);
      return opts?.next ? (o.nextAfter[result.jobId] ?? null) : null;
    },
    async release(jobId) {
      calls.released.push(jobId);
    },
    async heartbeat() {},
  };
  const runner: AgentDaemonOptions['runner'] = {
    async run(leased, mayApply): Promise<JobOutcome> {
      if (!mayApply()) return { release: true };
      calls.ran.push(leased.jobId);
      return { result: resultOf(leased) };
    },
  };
  daemon = new AgentDaemon({ client, runner, journal: { recordFinished: async () => {} }, logger: pino({ level: 'silent' }), concurrency: 1 });
  return { daemon, calls };
}

it('runs the job a report brings without a lease call, and long-polls only once nothing is queued', async () => {
  const { daemon, calls } = laneOver({ leases: [job(1)], nextAfter: { 'job-1': job(2), 'job-2': job(3), 'job-3': null } });
  await daemon.run();
  expect(calls.ran).toEqual(['job-1', 'job-2', 'job-3']);
  expect(calls.reports).toEqual([{ jobId: 'job-1', next: true }, { jobId: 'job-2', next: true }, { jobId: 'job-3', next: true }]);
  // The first lease, and the long-poll after job 3 that found nothing.
  expect(calls.leases).toBe(2);
  expect(calls.released).toEqual([]);
});

it('hands back, unrun, a job that a report brings after the agent began to stop', async () => {
  // The stop lands while the report is on its way; the service had already leased job 2 with it.
  const { daemon, calls } = laneOver({ leases: [job(1)], nextAfter: { 'job-1': job(2) }, onReport: (d) => d.stop() });
  await daemon.run();
  expect(calls.ran).toEqual(['job-1']);
  expect(calls.released).toEqual(['job-2']);
  expect(calls.leases).toBe(1);
});
