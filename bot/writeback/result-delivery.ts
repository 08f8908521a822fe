import { InspectReportSchema, preciseEpochMs, type InspectReport } from '../../agent/protocol';
import type { Logger } from '../log';
import type { BotMetrics } from '../metrics';
import type { ResetRequest, Store, WritebackJob } from '../store';

export interface JobFinishedEvent {
  job: WritebackJob;
  outcome: 'succeeded' | 'failed' | 'expired';
  code: string;
  message: string;
  inspect?: InspectReport;
  /**
   * The job's request as the delivery claim read it: listeners act on it
   * without a read of their own, and a write guarded by its version refuses
   * if it moved since (then they read it again).
   */
  request?: ResetRequest | null;
}

export type JobFinishedListener = (event: JobFinishedEvent) => Promise<void>;

export const EXPIRED_RESULT = {
  code: 'WRITEBACK_EXPIRED',
  message: 'The on-premises directory did not pick up the request in time. Nothing was changed; please try again.',
} as const;

/**
 * A job that expired after an agent announced its write cannot be called
 * "nothing was changed": the write may have happened before the agent
 * vanished. The person is told that, as a failure they can act on.
 */
export const UNCONFIRMED_RESULT = {
  code: 'WRITEBACK_UNCONFIRMED',
  message: 'ResetDesk could not confirm whether your new password took effect. Try signing in with it; if that does not work, start again or contact the helpdesk.',
} as const;

/** What listeners hear about a finished job row. */
export function finishedEvent(job: WritebackJob): JobFinishedEvent | null {
  if (job.state !== 'succeeded' && job.state !== 'failed' && job.state !== 'expired') return null;
  if (job.state === 'expired' && job.writeFromVersion != null) return { job, outcome: 'failed', ...UNCONFIRMED_RESULT };
  const result = job.state === 'expired' ? EXPIRED_RESULT : (job.result ?? { code: 'AGENT_INTERNAL_ERROR', message: 'The agent reported no result.' });
  const event: JobFinishedEvent = { job, outcome: job.state, code: result.code, message: result.message };
  const report = job.inspectReport ? InspectReportSchema.safeParse(job.inspectReport) : undefined;
  if (report?.success) event.inspect = report.data;
  return event;
}

export interface ResultDeliveryOptions {
  store: Store;
  logger: Logger;
  metrics?: BotMetrics;
  /** A replica that claimed a result and died is replaced after this long. */
  claimMs: number;
}

/**
 * Acts on finished jobs once across all replicas: whoever claims a job runs
 * every listener, then marks it delivered. A listener that throws is logged
 * and does not stop the others; a replica that dies mid-delivery leaves a
 * claim that goes stale, and the job is delivered again.
 */
export class ResultDelivery {
  private readonly listeners = new Set<JobFinishedListener>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: ResultDeliveryOptions) {}

  add(listener: JobFinishedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers one job if it is finished and nobody else is delivering it. Never throws. */
  deliver(jobId: string): Promise<void> {
    const p = this.deliverOnce(jobId).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  /** Delivers every finished job nobody delivered (after a restart, or when notifications were missed). */
  async deliverBacklog(): Promise<void> {
    try {
      for (const id of await this.o.store.listUndeliveredJobs(this.o.claimMs, 100)) await this.deliver(id);
    } catch (err) {
      this.o.logger.warn({ err: { code: codeOf(err) } }, 'writeback: could not read undelivered results; will retry');
    }
  }

  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliverOnce(jobId: string): Promise<void> {
    // A replica with nobody to tell must not claim a result and mark it delivered.
    if (this.listeners.size === 0) return;
    const log = this.o.logger.child({ jobId });
    let claim: Awaited<ReturnType<Store['claimJobDelivery']>>;
    try {
      claim = await this.o.store.claimJobDelivery(jobId, this.o.claimMs);
    } catch (err) {
      log.warn({ err: { code: codeOf(err) } }, 'writeback: could not claim a result for delivery; will retry');
      return;
    }
    if (!claim) return;
    const { job } = claim;
    const finished = finishedEvent(job);
    if (!finished) return;
    const event: JobFinishedEvent = { ...finished, request: claim.request };
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch (err) {
        log.error({ err: { name: (err as Error)?.name, code: codeOf(err) }, outcome: event.outcome }, 'writeback: a result listener failed');
      }
    }
    try {
      await this.o.store.markJobDelivered(jobId);
      this.o.metrics?.writebackJobs.inc({ kind: job.kind, outcome: event.outcome });
      log.info({ kind: job.kind, outcome: event.outcome, code: event.code, at: preciseEpochMs() }, 'writeback: job finished');
    } catch (err) {
      log.warn({ err: { code: codeOf(err) } }, 'writeback: could not mark a result delivered; it may be delivered again');
    }
  }
}

export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
