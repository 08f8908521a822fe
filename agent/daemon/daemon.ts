// The agent's main loop: long-poll for a job, run it, report it; reconnect
// with back-off while the service is away; on SIGTERM/SIGINT finish the job
// in hand (or hand its lease back if nothing was written yet), then stop.
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
}

// The agent cannot work on: it was revoked or is unknown to the service.
const FATAL_REFUSALS = new Set(['PROTOCOL_AGENT_REVOKED', 'PROTOCOL_AGENT_UNKNOWN']);

export class AgentDaemon {
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
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
    this.o.logger.info('agent started; waiting for jobs');
    let wasDown = false;
    while (!this.stopping) {
      let leased: LeasedJob | null;
      try {
        leased = await this.o.client.lease(this.abort.signal);
        if (wasDown) this.o.logger.info('service reachable again');
        wasDown = false;
        this.backoff.reset();
      } catch (err) {
        if (this.stopping) break;
        if (err instanceof ServiceRefusedError && FATAL_REFUSALS.has(err.code)) {
          this.o.logger.error({ errorCode: err.code }, 'the service refuses this agent; enroll it again');
          throw err;
        }
        const delay = this.backoff.next();
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
        wasDown = true;
        await sleep(delay, this.abort.signal);
        continue;
      }
      if (leased) await this.handle(leased);
    }
    this.o.logger.info('agent stopped');
  }

  /** Graceful stop: the open long-poll is abandoned, a job in hand is finished or released. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedAt = Date.now();
    this.o.logger.info('stopping: finishing or returning the job in hand');
    this.abort.abort();
  }

  private async handle(leased: LeasedJob): Promise<void> {
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
    if ('release' in outcome) {
      await this.o.client.release(leased.jobId).then(
        () => this.o.logger.info({ jobId: leased.jobId }, 'lease returned unapplied'),
        (err: Error) => this.o.logger.warn({ jobId: leased.jobId, message: err.message }, 'could not return the lease; it will lapse and the job will be queued again'),
      );
      return;
    }
    await this.report(outcome.result);
  }

  /** Reports until the service has the result: a change that happened must not go unreported. */
  private async report(result: JobResult): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
    for (;;) {
      try {
        await this.o.client.result(result);
        await this.o.journal.recordFinished(result.jobId);
        this.o.logger.info({ jobId: result.jobId, outcome: result.outcome, resultCode: result.code }, 'result reported');
        return;
      } catch (err) {
        if (err instanceof ServiceRefusedError) {
          // Not ours any more (re-leased after our lease lapsed) or gone: nothing left to tell.
          this.o.logger.warn({ jobId: result.jobId, errorCode: err.code }, 'the service did not take the result');
          await this.o.journal.recordFinished(result.jobId);
          return;
        }
        if (this.stopping && Date.now() - this.stoppedAt > (this.o.shutdownReportMs ?? 20_000)) {
          // The journal keeps the entry: whichever run of this agent leases the job next reports it without applying again.
          this.o.logger.error({ jobId: result.jobId }, 'could not report the result before shutting down; it will be reported after the lease lapses');
          return;
        }
        const delay = backoff.next();
        this.o.logger.warn({ jobId: result.jobId, retryInMs: delay, message: (err as Error).message }, 'could not report the result; retrying');
        await sleep(delay);
      }
    }
  }
}
