// The writeback channel as the rest of the bot sees it: prepare a signed and
// sealed job, learn whether any agent is alive, ask an agent about an account,
// and hear (on this replica) whenever any replica finishes a job.
import { preciseEpochMs, type InspectReport } from '../../agent/protocol';
import { ResetDeskError } from '../errors';
import type { Logger } from '../log';
import type { BotMetrics } from '../metrics';
import type { Agent, NewJob, Store, WritebackJob } from '../store';
import type { ServiceSigningKey } from './crypto';
import { FreshRead } from './fresh-read';
import { buildSignedJob } from './job-builder';
import { codeOf, finishedEvent, ResultDelivery, type JobFinishedListener } from './result-delivery';

export interface WritebackTarget {
  sid?: string;
  guid?: string;
  upn?: string;
  sam?: string;
}

export interface PrepareJobInput {
  requestId: string;
  kind: 'reset' | 'unlock' | 'change' | 'inspect';
  target: WritebackTarget;
  options: { mustChangeAtNextLogon?: boolean; approvedPrivileged?: boolean; enforceHistory?: boolean };
  password?: string;
  currentPassword?: string;
}

export interface WritebackServiceOptions {
  store: Store;
  signingKey: ServiceSigningKey;
  /** Names this deployment; agents learn it at enrollment and refuse jobs for any other. */
  audience: string;
  /** How long a queued job waits for an agent before it expires (default 600 s). */
  jobTtlSeconds?: number;
  /** An agent heard from within this window counts as alive (default 60 s). */
  agentAliveWithinMs?: number;
  /**
   * Passwords are sealed only to confirmed agents heard from within this window
   * (default 15 minutes): an agent nobody runs any more, whose keys may sit on
   * a forgotten disk, stops receiving them.
   */
  sealToAgentsSeenWithinMs?: number;
  /** How long a lease lasts; the gateway must use the same value (default 60 s). */
  leaseMs?: number;
  /** How often queued jobs are expired, lapsed leases requeued and missed results delivered (default 5 s). */
  sweepIntervalMs?: number;
  now?: () => Date;
  logger: Logger;
  metrics?: BotMetrics;
}

export interface WritebackService {
  prepareJob(input: PrepareJobInput): Promise<NewJob & { id: string }>;
  enqueue(prepared: NewJob): Promise<WritebackJob>;
  agentsAlive(): Promise<boolean>;
  onJobFinished(listener: JobFinishedListener): () => void;
  /** This replica's gateway recorded a job's result: deliver it now. */
  resultRecorded(jobId: string): void;
  inspect(target: WritebackTarget, opts: { timeoutMs: number }): Promise<InspectReport>;
  /** One sweep: expire overdue queued jobs, requeue lapsed leases, deliver missed results. */
  sweep(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_JOB_TTL_SECONDS = 600;
export const DEFAULT_AGENT_ALIVE_WITHIN_MS = 60_000;
export const DEFAULT_SEAL_TO_AGENTS_SEEN_WITHIN_MS = 15 * 60_000;

/** Agents that may hold a job: confirmed by an admin, not revoked, heard from since `since`. */
export function trustedAgentsSeenSince(agents: Agent[], since: number): Agent[] {
  return agents.filter((a) => a.confirmedAt !== null && a.revokedAt === null && a.lastSeenAt !== null && a.lastSeenAt.getTime() >= since);
}
export const DEFAULT_LEASE_MS = 60_000;
const ALIVE_ANSWER_KEPT_MS = 1_000;

export function createWritebackService(o: WritebackServiceOptions): WritebackService {
  const { store, logger } = o;
  const now = o.now ?? (() => new Date());
  const queueTtlMs = (o.jobTtlSeconds ?? DEFAULT_JOB_TTL_SECONDS) * 1000;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const aliveWithinMs = o.agentAliveWithinMs ?? DEFAULT_AGENT_ALIVE_WITHIN_MS;
  const sealWithinMs = Math.max(o.sealToAgentsSeenWithinMs ?? DEFAULT_SEAL_TO_AGENTS_SEEN_WITHIN_MS, aliveWithinMs);
  const delivery = new ResultDelivery({ store, logger, ...(o.metrics ? { metrics: o.metrics } : {}), claimMs: Math.max(leaseMs, 30_000) });
  // Callers waiting for one job's end (inspect), on this replica.
  const waiters = new Map<string, (job: WritebackJob) => void>();
  let unsubscribe: Promise<() => Promise<void>> | undefined;
  let aliveUntil = 0;
  let sweeper: NodeJS.Timeout | undefined;
  // Sealing reads the agents afresh; submissions arriving together share one read that started after they asked.
  const agentsNow = new FreshRead(() => store.listAgents());

  async function checkWaiter(jobId: string): Promise<void> {
    const resolve = waiters.get(jobId);
    if (!resolve) return;
    const job = await store.getJob(jobId).catch(() => null);
    if (job && finishedEvent(job)) resolve(job);
  }

  // A result is delivered by the replica whose gateway recorded it, at once
  // (resultRecorded). The notice every replica hears only wakes a caller
  // waiting here for that job: were every replica to try to claim every
  // result, each would cost a write per replica that all but one lose. A
  // recorder that dies before or while delivering leaves the result unclaimed
  // or its claim going stale, and any replica's sweep delivers it.
  function onFinishedNotification(jobId: string | null): void {
    if (jobId === null) {
      for (const id of waiters.keys()) void checkWaiter(id);
      void delivery.deliverBacklog();
      return;
    }
    void checkWaiter(jobId);
  }

  function subscribe(): Promise<() => Promise<void>> {
    unsubscribe ??= store.onJobFinished(onFinishedNotification).catch((err: unknown) => {
      unsubscribe = undefined;
      throw err;
    });
    return unsubscribe;
  }

  async function prepare(input: Omit<PrepareJobInput, 'requestId'> & { requestId: string | null }, queueMs = queueTtlMs): Promise<NewJob & { id: string }> {
    const startedAt = preciseEpochMs();
    const agents = trustedAgentsSeenSince(await agentsNow.get(), now().getTime() - sealWithinMs);
    const job = await buildSignedJob(input, { agents, signingKey: o.signingKey, audience: o.audience, now, queueTtlMs: queueMs, leaseMs });
    // Where a reset's time goes (bench/writeback-latency.ts reads it): one line per job.
    logger.info({ jobId: job.id, kind: job.kind, recipients: agents.length, startedAt, sealSignMs: Math.round((preciseEpochMs() - startedAt) * 1000) / 1000 }, 'writeback: job prepared');
    return job;
  }

  async function enqueue(prepared: NewJob): Promise<WritebackJob> {
    return store.enqueueJob(prepared, {
      actor: { kind: 'system', id: 'writeback' },
      action: 'writeback.job_queued',
      requestId: prepared.requestId ?? null,
      details: { jobId: prepared.id ?? null, kind: prepared.kind },
    });
  }

  const service: WritebackService = {
    prepareJob: (input) => prepare(input),
    enqueue,

    async agentsAlive() {
      // Asked at nearly every step; "an agent was heard from in the last minute"
      // does not change within a second. Only a yes is kept: a no is read again,
      // so a newly confirmed agent counts at once.
      const at = now().getTime();
      if (aliveUntil > at) return true;
      const alive = trustedAgentsSeenSince(await agentsNow.get(), at - aliveWithinMs).length > 0;
      aliveUntil = alive ? at + ALIVE_ANSWER_KEPT_MS : 0;
      return alive;
    },

    onJobFinished: (listener) => delivery.add(listener),

    resultRecorded(jobId) {
      void checkWaiter(jobId);
      void delivery.deliver(jobId);
    },

    async inspect(target, { timeoutMs }) {
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) {
        throw new ResetDeskError('WRITEBACK_INVALID_JOB', 'The writeback job is not valid: an inspect waits 100 ms to 10 minutes.');
      }
      await subscribe();
      // A question nobody waits for any more is useless: the job expires with the wait.
      const prepared = await prepare({ requestId: null, kind: 'inspect', target, options: {} }, Math.max(timeoutMs, 1000));
      let timer: NodeJS.Timeout | undefined;
      const finished = new Promise<WritebackJob>((resolve, reject) => {
        waiters.set(prepared.id, resolve);
        timer = setTimeout(() => reject(new ResetDeskError('WRITEBACK_TIMEOUT', 'The on-premises directory did not answer in time.')), timeoutMs);
      });
      try {
        await enqueue(prepared);
        void checkWaiter(prepared.id);
        const job = await finished;
        const event = finishedEvent(job)!;
        if (event.outcome === 'succeeded' && event.inspect) return event.inspect;
        throw new ResetDeskError(event.outcome === 'succeeded' ? 'AGENT_INTERNAL_ERROR' : event.code, event.message, { jobId: job.id });
      } finally {
        clearTimeout(timer);
        waiters.delete(prepared.id);
      }
    },

    async sweep() {
      const at = now();
      try {
        const requeued = await store.requeueLapsedLeases(at);
        if (requeued.length) logger.warn({ jobIds: requeued.map((j) => j.id) }, 'writeback: leases lapsed; jobs queued again');
        const expired = await store.expireJobs(at);
        if (expired.length) logger.warn({ jobIds: expired.map((j) => j.id) }, 'writeback: queued jobs expired');
      } catch (err) {
        logger.warn({ err: { code: codeOf(err) } }, 'writeback: sweep failed; will retry');
      }
      await delivery.deliverBacklog();
    },

    async start() {
      await subscribe();
      await service.sweep();
      sweeper ??= setInterval(() => void service.sweep(), o.sweepIntervalMs ?? 5000);
      sweeper.unref();
    },

    async stop() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      const pending = unsubscribe;
      unsubscribe = undefined;
      if (pending) await (await pending.catch(() => async () => undefined))();
      await delivery.drain();
    },
  };
  return service;
}
