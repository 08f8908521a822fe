// The agent's main loop: long-poll for a job, run it, report it (the report
// asks for the next job in the same call, so a busy lane long-polls only when
// nothing is queued); reconnect with back-off while the service is away; on
// SIGTERM/SIGINT finish the job in hand (or hand its lease back if nothing
// was written yet), then stop.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { JobResult, LeasedJob } from '../protocol';
import { Backoff, sleep } from './backoff';
import { ServiceRefusedError, ServiceUnreachableError, type GatewayClient } from './gateway-client';
import type { JobOutcome, JobRunner } from './job-runner';
import type { Journal } from './journal';

export interface AgentDaemonOptions {
  client: Pick<GatewayClient, 'lease' | 'result' | 'release' | 'heartbeat'>;
  runner: Pick<JobRunner, 'run'>;
  journal: Pick<Journal, 'recordFinished'>;
  logger: Logger;
  backoff?: Backoff;
  /** While a job runs no lease call is open, so the agent checks in on this interval (default 15 s). */
  heartbeatMs?: number;
  /** How long a shutdown waits for a result to reach an unreachable service (default 20 s). */
  shutdownReportMs?: number;
  /** Jobs worked on at once, each lane with a long-poll of its own (default 1). */
  concurrency?: number;
}

// The agent cannot work on: it was revoked or is unknown to the service.
const FATAL_REFUSALS = new Set(['PROTOCOL_AGENT_REVOKED', 'PROTOCOL_AGENT_UNKNOWN']);

export class AgentDaemon {
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  /** Lanes whose service calls are failing now: "reachable again" is said when the last recovers. */
  private lanesDown = 0;
  /** When "waiting for confirmation" was last logged (0: not waiting). */
  private waitingSaid = 0;
  private stoppedAt = 0;

  constructor(private readonly o: AgentDaemonOptions) {
    this.backoff = o.backoff ?? new Backoff();
  }

  /** Resolves when stopped; rejects when the service refuses this agent for good. */
  async run(): Promise<void> {
    // Check in first, so the service counts this agent as alive before anyone waits on it;
    // an unreachable service is handled by the lease loop's back-off below.
    await this.o.client.heartbeat().catch(() => undefined);
    const lanes = Math.max(1, this.o.concurrency ?? 1);
    this.o.logger.info({ concurrency: lanes }, 'agent started; waiting for jobs');
    let fatal: unknown;
    await Promise.all(Array.from({ length: lanes }, (_, i) => this.lane(i === 0 ? this.backoff : new Backoff()).catch((err: unknown) => {
      // One refusal for good ends every lane.
      fatal ??= err;
      this.stop();
    })));
    if (fatal) throw fatal;
    this.o.logger.info('agent stopped');
  }

  /** One lease at a time: long-poll, run the job, report it; over and over until stopped. */
  private async lane(backoff: Backoff): Promise<void> {
    let wasDown = false;
    // A job the last report's answer brought: run (or, when stopping, handed back) before anything else.
    let carried: LeasedJob | null = null;
    while (carried || !this.stopping) {
      if (carried) {
        carried = await this.handle(carried);
        continue;
      }
      let leased: LeasedJob | null;
      try {
        leased = await this.o.client.lease(this.abort.signal);
        if (wasDown) {
          this.lanesDown -= 1;
          if (this.lanesDown === 0) this.o.logger.info('service reachable again');
        }
        wasDown = false;
        backoff.reset();
      } catch (err) {
        if (this.stopping) break;
        if (err instanceof ServiceRefusedError && FATAL_REFUSALS.has(err.code)) {
          if (!this.stopping) this.o.logger.error({ errorCode: err.code }, 'the service refuses this agent; enroll it again');
          throw err;
        }
        const delay = backoff.next();
        if (err instanceof ServiceRefusedError && err.code === 'PROTOCOL_AGENT_NOT_CONFIRMED') {
          // Expected right after enrollment: say it plainly, and not on every poll.
          if (!this.waitingSaid || Date.now() - this.waitingSaid > 5 * 60_000) {
            this.o.logger.warn({ errorCode: err.code, retryInMs: delay }, 'waiting for an admin to confirm this agent (they compare the key thumbprint `enroll` printed); no job comes before that');
            this.waitingSaid = Date.now();
          }
          // Polled often enough that a confirmation takes effect within seconds (and the agent counts as alive).
          await sleep(Math.min(delay, 10_000), this.abort.signal);
          continue;
        }
        this.waitingSaid = 0;
        // Only our typed errors' messages are known to be safe to log; anything else is logged by name.
        const typed = err instanceof ServiceRefusedError || err instanceof ServiceUnreachableError;
        const code = typed ? err.code : (err as Error).name;
        this.o.logger.warn({ errorCode: code, retryInMs: delay, ...(typed ? { message: err.message } : {}) }, 'lease call failed; retrying');
        if (!wasDown) this.lanesDown += 1;
        wasDown = true;
        await sleep(delay, this.abort.signal);
        continue;
      }
      if (leased) carried = await this.handle(leased);
    }
  }

  /** Graceful stop: the open long-poll is abandoned, a job in hand is finished or released. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedAt = Date.now();
    this.o.logger.info('stopping: finishing or returning the job in hand');
    this.abort.abort();
  }

  /** Runs one job and reports it; the next job the report's answer brought, if any. */
  private async handle(leased: LeasedJob): Promise<LeasedJob | null> {
    const heartbeat = setInterval(() => {
      this.o.client.heartbeat().catch(() => undefined);
    }, this.o.heartbeatMs ?? 15_000);
    heartbeat.unref();
    let outcome: JobOutcome;
    try {
      outcome = await this.o.runner.run(leased, () => !this.stopping);
    } finally {
      clearInterval(heartbeat);
    }
    if ('dropped' in outcome) {
      this.o.logger.warn({ jobId: leased.jobId }, 'the job is no longer this agent\'s (its lease lapsed and another agent holds it); nothing was written and nothing is reported');
      return null;
    }
    if ('release' in outcome) {
      await this.o.client.release(leased.jobId).then(
        () => this.o.logger.info({ jobId: leased.jobId }, 'lease returned unapplied'),
        (err: Error) => this.o.logger.warn({ jobId: leased.jobId, message: err.message }, 'could not return the lease; it will lapse and the job will be queued again'),
      );
      return null;
    }
    return this.report(outcome.result);
  }

  /**
   * Reports until the service has the result: a change that happened must not
   * go unreported. Unless stopping, the report asks for the lane's next job;
   * returns it, or null.
   */
  private async report(result: JobResult): Promise<LeasedJob | null> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
    for (;;) {
      try {
        const started = performance.now();
        const next = await this.o.client.result(result, { next: !this.stopping });
        const reportMs = Math.round((performance.now() - started) * 100) / 100;
        await this.o.journal.recordFinished(result.jobId);
        this.o.logger.info({ jobId: result.jobId, outcome: result.outcome, resultCode: result.code, reportMs, ...(next ? { nextJobId: next.jobId } : {}) }, 'result reported');
        return next;
      } catch (err) {
        if (err instanceof ServiceRefusedError && err.code === 'STORE_LEASE_NOT_HELD') {
          // Leased again by another agent after ours lapsed: that agent decides from the password
          // version. Not remembered as finished here, so that if the job comes back to this agent
          // it is decided the same way instead of being refused as done (and the person told
          // "nothing was changed" about a password that was).
          this.o.logger.warn({ jobId: result.jobId, errorCode: err.code }, 'the service did not take the result: another agent holds the job now and decides it from the password version');
          return null;
        }
        if (err instanceof ServiceRefusedError) {
          // Gone, or refused for good: nothing left to tell.
          this.o.logger.warn({ jobId: result.jobId, errorCode: err.code }, 'the service did not take the result');
          await this.o.journal.recordFinished(result.jobId);
          return null;
        }
        if (this.stopping && Date.now() - this.stoppedAt > (this.o.shutdownReportMs ?? 20_000)) {
          // The journal keeps the entry: whichever run of this agent leases the job next reports it without applying again.
          this.o.logger.error({ jobId: result.jobId }, 'could not report the result before shutting down; it will be reported after the lease lapses');
          return null;
        }
        const delay = backoff.next();
        this.o.logger.warn({ jobId: result.jobId, retryInMs: delay, message: (err as Error).message }, 'could not report the result; retrying');
        await sleep(delay);
      }
    }
  }
}
