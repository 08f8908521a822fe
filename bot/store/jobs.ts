import { randomUUID } from 'node:crypto';
import { ResetDeskError } from '../errors';
import { appendAuditInTx, auditQueueFor, validateAudit } from './audit-log';
import { JOB_FINISHED_CHANNEL, JOB_QUEUED_CHANNEL, type StoreContext } from './context';
import type { Queryable } from './engine';
import { iso, jsonParam, toJob, toRequest } from './rows';
import { agentTokenCheck, agentTokenRefusal, checkAgentToken } from './token-ids';
import type { AgentTokenUse, AuditEntryInput, DeliveryClaim, JobCompletion, NewJob, WriteStartInput, WritebackJob } from './types';
import { deliveryClaimSchema, jobCompletionSchema, leaseSchema, newJobSchema, isUuid, parseInput, writeStartSchema } from './validation';

// The writeback queue. Rules live in SQL so that several bot replicas sharing
// one PostgreSQL stay correct: SKIP LOCKED hands each job to one leaser, the
// lease owner check guards completion, and a CHECK constraint refuses any
// ended job that still carries its sealed payload.

export function validateNewJob(input: NewJob): NewJob {
  return parseInput(newJobSchema, input, 'writeback job');
}

async function notifyQueued(tx: Queryable, jobId: string): Promise<void> {
  // Delivered at commit, so a woken leaser always finds the row.
  await tx.query('SELECT pg_notify($1, $2)', [JOB_QUEUED_CHANNEL, jobId]);
}

/**
 * A CTE (`job_queued`, then `job_announced`) that queues `job` when `guard`
 * holds and announces it at commit, for a statement that changes other rows
 * too; the statement must read `job_announced` for the notice to be sent.
 */
export function jobQueueCte(job: NewJob, now: Date, firstParam: number, guard: string): { cte: string; params: unknown[] } {
  const p = (i: number) => `$${firstParam + i}`;
  return {
    cte: `job_queued AS (
      INSERT INTO writeback_jobs (id, request_id, kind, state, signed_job, created_at, expires_at, attempts)
      SELECT ${p(0)}::uuid, ${p(1)}::uuid, ${p(2)}::text, 'queued', ${p(3)}::text, ${p(4)}::timestamptz, ${p(5)}::timestamptz, 0 WHERE ${guard}
      RETURNING id),
    job_announced AS (SELECT pg_notify(${p(6)}, id::text) FROM job_queued)`,
    params: [job.id ?? randomUUID(), job.requestId ?? null, job.kind, job.signedJob, iso(now), iso(job.expiresAt), JOB_QUEUED_CHANNEL],
  };
}

export async function insertJobInTx(tx: Queryable, job: NewJob, now: Date): Promise<WritebackJob> {
  const rows = await tx.query(
    `INSERT INTO writeback_jobs (id, request_id, kind, state, signed_job, created_at, expires_at, attempts)
     VALUES ($1, $2, $3, 'queued', $4, $5::timestamptz, $6::timestamptz, 0) RETURNING *`,
    [job.id ?? randomUUID(), job.requestId ?? null, job.kind, job.signedJob, iso(now), iso(job.expiresAt)],
  );
  const created = toJob(rows[0]!);
  await notifyQueued(tx, created.id);
  return created;
}

export async function enqueueJob(ctx: StoreContext, input: NewJob, audit?: AuditEntryInput): Promise<WritebackJob> {
  const job = validateNewJob(input);
  const entry = audit ? validateAudit(audit) : null;
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const created = await insertJobInTx(tx, job, now);
    if (entry) await appendAuditInTx(tx, { ...entry, requestId: entry.requestId ?? created.requestId }, now);
    return created;
  });
}

export async function getJob(db: Queryable, id: string): Promise<WritebackJob | null> {
  if (!isUuid(id)) return null;
  const rows = await db.query('SELECT * FROM writeback_jobs WHERE id = $1', [id]);
  return rows[0] ? toJob(rows[0]) : null;
}

export async function listJobsForRequest(ctx: StoreContext, requestId: string): Promise<WritebackJob[]> {
  if (!isUuid(requestId)) return [];
  const rows = await ctx.db.query('SELECT * FROM writeback_jobs WHERE request_id = $1 ORDER BY created_at, id', [requestId]);
  return rows.map(toJob);
}

/** Hands the oldest available job (queued, or leased with a lapsed lease) to `agentId`, or returns null. */
export async function leaseJob(ctx: StoreContext, agentId: string, leaseMs: number): Promise<WritebackJob | null> {
  const l = parseInput(leaseSchema, { agentId, leaseMs }, 'lease');
  const now = ctx.now();
  const rows = await ctx.db.query(
    `WITH next AS (
       SELECT id FROM writeback_jobs
       WHERE expires_at > $1::timestamptz
         AND (state = 'queued' OR (state = 'leased' AND lease_expires_at <= $1::timestamptz))
       ORDER BY created_at, id
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     UPDATE writeback_jobs j
        SET state = 'leased', lease_owner = $2, lease_expires_at = $3::timestamptz, attempts = j.attempts + 1
       FROM next WHERE j.id = next.id
     RETURNING j.*`,
    [iso(now), l.agentId, iso(new Date(now.getTime() + l.leaseMs))],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

function leaseNotHeld(jobId: string): ResetDeskError {
  return new ResetDeskError('STORE_LEASE_NOT_HELD', 'This job is not leased to this agent.', { jobId });
}

function jobNotFound(jobId: string): ResetDeskError {
  return new ResetDeskError('STORE_NOT_FOUND', 'This job does not exist.', { jobId });
}

/**
 * Records the agent's result and wipes the sealed payload. Only the agent
 * that last leased the job may complete it, even after its lease lapsed and
 * the job went back to the queue, as long as nobody leased it again: the
 * change did happen, and a report retried through a database restart must
 * still count. A repeated report from the same agent (it retried after a
 * lost response) returns the stored outcome.
 */
export async function completeJob(
  ctx: StoreContext, jobId: string, agentId: string, completion: JobCompletion, audit?: AuditEntryInput, token?: AgentTokenUse,
): Promise<WritebackJob> {
  const c = parseInput(jobCompletionSchema, completion, 'job result');
  const entry = audit ? validateAudit(audit) : null;
  if (!isUuid(jobId)) throw jobNotFound(jobId);
  const now = ctx.now();
  const params: unknown[] = [jobId, agentId, c.outcome, jsonParam(c.result), iso(now), jsonParam(c.inspectReport ?? null)];
  const oneStatement = Boolean(ctx.sealer && entry && !entry.requestId);
  const check = token && oneStatement ? agentTokenCheck(checkedAs(token, agentId), now, params.length + 1) : null;
  if (check) params.push(...check.params);
  const finish = `UPDATE writeback_jobs
          SET state = $3, result = $4::jsonb, signed_job = NULL, finished_at = $5::timestamptz, lease_expires_at = NULL,
              inspect_report = $6::jsonb
        WHERE id = $1 AND state IN ('leased','queued') AND lease_owner = $2${check ? ` AND ${check.guard}` : ''}
        RETURNING *`;
  // A result reported again (its answer was lost) by the agent that holds it: the same answer.
  const repeated = async (db: Queryable): Promise<WritebackJob> => {
    const current = await getJob(db, jobId);
    if (!current) throw jobNotFound(jobId);
    if ((current.state === 'succeeded' || current.state === 'failed') && current.leaseOwner === agentId) return current;
    throw leaseNotHeld(jobId);
  };
  if (ctx.sealer && entry && oneStatement) {
    // Every job's last step: one round trip, its token checked in it and its
    // audit entry chained just after (not on the chain's head row, on which
    // every result would queue).
    const queued = auditQueueFor(entry, now, params.length + 1, 'finished');
    const row = (await ctx.db.query(
      `WITH ${check ? `${check.ctes}, ` : ''}finished AS (${finish}), ${queued.cte}
       SELECT ${check ? `${check.columns}, ` : ''}finished.* FROM (SELECT 1) AS one LEFT JOIN finished ON true`,
      [...params, ...queued.params],
    ))[0]!;
    const refused = check ? agentTokenRefusal(row, agentId) : null;
    if (refused) throw refused;
    if (row.id == null) return repeated(ctx.db);
    ctx.sealer.sealSoon();
    return toJob(row);
  }
  // Remembered on its own, before: a change refused below must not free the token id for another use.
  if (token) await checkAgentToken(ctx.db, checkedAs(token, agentId), now);
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(finish, params);
    if (!rows[0]) return repeated(tx);
    const done = toJob(rows[0]);
    if (entry) await appendAuditInTx(tx, { ...entry, requestId: entry.requestId ?? done.requestId }, now);
    return done;
  });
}

/**
 * An agent is about to write the job's password, starting from
 * `passwordVersion`. Recorded only for the live lease of this very attempt
 * (a lease that lapsed, even if nobody took the job yet, may no longer start
 * a write: the agent that took over may already be deciding from the version),
 * and only if no other version was recorded before; the lease is renewed so
 * the write finishes inside it. One statement, audited in it.
 */
export async function recordWriteStart(ctx: StoreContext, input: WriteStartInput, token?: AgentTokenUse): Promise<WritebackJob> {
  const w = parseInput(writeStartSchema, input, 'write start');
  const now = ctx.now();
  const params: unknown[] = [w.jobId, w.agentId, w.attempt, w.passwordVersion, iso(now), iso(new Date(now.getTime() + w.renewLeaseMs))];
  const check = token && ctx.sealer ? agentTokenCheck(checkedAs(token, w.agentId), now, params.length + 1) : null;
  if (check) params.push(...check.params);
  const started = `started AS (
    UPDATE writeback_jobs
       SET write_from_version = COALESCE(write_from_version, $4),
           write_started_at = COALESCE(write_started_at, $5::timestamptz),
           write_started_by = $2,
           lease_expires_at = GREATEST(lease_expires_at, $6::timestamptz)
     WHERE id = $1 AND state = 'leased' AND lease_owner = $2 AND attempts = $3 AND lease_expires_at > $5::timestamptz
       AND (write_from_version IS NULL OR write_from_version = $4)${check ? ` AND ${check.guard}` : ''}
     RETURNING *)`;
  const entry = { actor: { kind: 'agent' as const, id: w.agentId }, action: 'writeback.write_started', details: { jobId: w.jobId, attempt: w.attempt, passwordVersion: w.passwordVersion } };
  let row: Record<string, unknown> | undefined;
  if (ctx.sealer) {
    // The hot path of every password write: one round trip, its audit entry chained just after.
    const queued = auditQueueFor(entry, now, params.length + 1, 'started');
    const answer = (await ctx.db.query(
      `WITH ${check ? `${check.ctes}, ` : ''}${started}, ${queued.cte}
       SELECT ${check ? `${check.columns}, ` : ''}started.* FROM (SELECT 1) AS one LEFT JOIN started ON true`,
      [...params, ...queued.params],
    ))[0]!;
    const refused = check ? agentTokenRefusal(answer, w.agentId) : null;
    if (refused) throw refused;
    row = answer.id == null ? undefined : answer;
    if (row) ctx.sealer.sealSoon();
  } else {
    // Remembered on its own, before: a change refused below must not free the token id for another use.
    if (token) await checkAgentToken(ctx.db, checkedAs(token, w.agentId), now);
    row = await ctx.db.transaction(async (tx) => {
      const updated = (await tx.query(`WITH ${started} SELECT * FROM started`, params))[0];
      if (updated) await appendAuditInTx(tx, { ...entry, requestId: strOrNullOf(updated.request_id) }, now);
      return updated;
    });
  }
  if (row) return toJob(row);
  const current = await getJob(ctx.db, w.jobId);
  if (!current) throw jobNotFound(w.jobId);
  const holds = current.state === 'leased' && current.leaseOwner === w.agentId && current.attempts === w.attempt && current.leaseExpiresAt! > now;
  if (holds && current.writeFromVersion !== null && current.writeFromVersion !== w.passwordVersion) {
    throw new ResetDeskError('STORE_WRITE_VERSION_CONFLICT', 'A write of this job was already started from another password version.', {
      jobId: w.jobId, recordedVersion: current.writeFromVersion ?? -1, askedVersion: w.passwordVersion,
    });
  }
  throw leaseNotHeld(w.jobId);
}

/** A token checked for the agent that makes the change, and no other. */
function checkedAs(token: AgentTokenUse, agentId: string): AgentTokenUse {
  if (token.agentId !== agentId) throw new ResetDeskError('STORE_AGENT_UNKNOWN', 'The token is not for the agent making this change.', { agentId });
  return token;
}

function strOrNullOf(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** The agent gives the job back unfinished (graceful shutdown): it is queued again at once. */
export async function releaseLease(ctx: StoreContext, jobId: string, agentId: string): Promise<WritebackJob> {
  if (!isUuid(jobId)) throw jobNotFound(jobId);
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE writeback_jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $1 AND state = 'leased' AND lease_owner = $2 RETURNING *`,
      [jobId, agentId],
    );
    if (!rows[0]) {
      if (!(await getJob(tx, jobId))) throw jobNotFound(jobId);
      throw leaseNotHeld(jobId);
    }
    await notifyQueued(tx, jobId);
    return toJob(rows[0]);
  });
}

/**
 * Ends jobs nobody applied in time and wipes their payload: queued ones past
 * expiry, and leased ones past expiry whose lease also lapsed (a live lease
 * means an agent may be applying it right now). Returned so users can be told.
 */
export async function expireJobs(ctx: StoreContext, now: Date): Promise<WritebackJob[]> {
  const rows = await ctx.db.query(
    `UPDATE writeback_jobs
        SET state = 'expired', signed_job = NULL, finished_at = $1::timestamptz, lease_expires_at = NULL
      WHERE expires_at <= $1::timestamptz
        AND (state = 'queued' OR (state = 'leased' AND lease_expires_at <= $1::timestamptz))
      RETURNING *`,
    [iso(now)],
  );
  return rows.map(toJob);
}

/**
 * Puts jobs whose lease lapsed (the agent died, or cannot reach us) back in
 * the queue and wakes waiting leasers. The last owner is kept until someone
 * leases the job again, so its report, if it comes after all, still counts.
 */
export async function requeueLapsedLeases(ctx: StoreContext, now: Date): Promise<WritebackJob[]> {
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE writeback_jobs SET state = 'queued', lease_expires_at = NULL
        WHERE state = 'leased' AND lease_expires_at <= $1::timestamptz AND expires_at > $1::timestamptz
        RETURNING *`,
      [iso(now)],
    );
    for (const r of rows) await notifyQueued(tx, String(r.id));
    return rows.map(toJob);
  });
}

export async function onJobQueued(ctx: StoreContext, listener: (jobId: string | null) => void): Promise<() => Promise<void>> {
  // An empty payload means "notifications may have been missed": re-check the queue.
  return ctx.db.listen(JOB_QUEUED_CHANNEL, (payload) => listener(payload === '' ? null : payload));
}

export async function onJobFinished(ctx: StoreContext, listener: (jobId: string | null) => void): Promise<() => Promise<void>> {
  return ctx.db.listen(JOB_FINISHED_CHANNEL, (payload) => listener(payload === '' ? null : payload));
}

// Delivery of results is claimed, not just marked: a replica that dies while
// acting on a result leaves a claim that goes stale, and another replica (or
// the next start) delivers it. A result is therefore acted on at least once,
// and by one replica at a time.
const FINISHED = `state IN ('succeeded','failed','expired') AND delivered_at IS NULL`;
const CLAIMABLE = `(delivery_claimed_at IS NULL OR delivery_claimed_at <= $1::timestamptz)`;

export async function listUndeliveredJobs(ctx: StoreContext, claimMs: number, limit: number): Promise<string[]> {
  const c = parseInput(deliveryClaimSchema, { claimMs, limit }, 'undelivered job query');
  const rows = await ctx.db.query<{ id: string }>(
    `SELECT id FROM writeback_jobs WHERE ${FINISHED} AND ${CLAIMABLE} ORDER BY finished_at, id LIMIT $2`,
    [iso(new Date(ctx.now().getTime() - c.claimMs)), c.limit],
  );
  return rows.map((r) => String(r.id));
}

export async function claimJobDelivery(ctx: StoreContext, jobId: string, claimMs: number): Promise<DeliveryClaim | null> {
  const c = parseInput(deliveryClaimSchema, { claimMs, limit: 1 }, 'delivery claim');
  if (!isUuid(jobId)) return null;
  const now = ctx.now();
  // The request comes with the claim: whoever delivers acts on it next, and a
  // read of its own would be another round trip per result. As JSON, so its
  // columns cannot collide with the job's.
  const rows = await ctx.db.query(
    `WITH claimed AS (
       UPDATE writeback_jobs SET delivery_claimed_at = $3::timestamptz
        WHERE id = $2 AND ${FINISHED} AND ${CLAIMABLE} RETURNING *)
     SELECT claimed.*, to_jsonb(r) AS request_row FROM claimed LEFT JOIN reset_requests r ON r.id = claimed.request_id`,
    [iso(new Date(now.getTime() - c.claimMs)), jobId, iso(now)],
  );
  const row = rows[0];
  if (!row) return null;
  const { request_row: request, ...job } = row;
  return { job: toJob(job), request: request ? toRequest(request as Record<string, unknown>) : null };
}

export async function markJobDelivered(ctx: StoreContext, jobId: string): Promise<void> {
  if (!isUuid(jobId)) throw jobNotFound(jobId);
  const rows = await ctx.db.query(
    `UPDATE writeback_jobs SET delivered_at = COALESCE(delivered_at, $2::timestamptz)
      WHERE id = $1 AND state IN ('succeeded','failed','expired') RETURNING id`,
    [jobId, iso(ctx.now())],
  );
  if (!rows[0]) throw jobNotFound(jobId);
}
