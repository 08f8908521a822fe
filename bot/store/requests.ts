import { randomUUID } from 'node:crypto';
import { ResetDeskError } from '../errors';
import { appendAuditInTx, auditAppend, auditQueue, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import { CHALLENGES_OF_REQUEST_JSON, challengeStateUpdate, challengeUpdateRefused } from './challenges';
import type { Queryable } from './engine';
import { insertApprovalInTx } from './approvals';
import { insertJobInTx, jobQueueCte, validateNewJob } from './jobs';
import { hashStepToken } from './secret-hash';
import { iso, jsonParam, toChallenge, toRequest } from './rows';
import type { AuditEntryInput, Challenge, NewResetRequest, RequestPatch, ResetRequest, TransitionOptions } from './types';
import { newApprovalSchema, newRequestSchema, isUuid, overdueLimitSchema, parseInput, requestPatchSchema } from './validation';

const FINISHED_STATES = ['denied', 'expired', 'succeeded', 'failed', 'closed'];

export async function createRequest(ctx: StoreContext, input: NewResetRequest, audit: AuditEntryInput): Promise<ResetRequest> {
  const r = parseInput(newRequestSchema, input, 'reset request');
  const entry = validateAudit(audit);
  const now = ctx.now();
  const id = r.id ?? randomUUID();
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `INSERT INTO reset_requests (id, tenant_id, owner_aad_id, requested_by, kind, state, privileged, methods_required,
         methods_passed, subject, step_token_hash, step, conversation_id, card_activity_id, version, created_at, updated_at, expires_at,
         privileged_because, approvals_required, ticket)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $16, $12, $13, 1, $14::timestamptz, $14::timestamptz, $15::timestamptz,
         $17::jsonb, $18, $19)
       RETURNING *`,
      [
        id, r.tenantId, r.ownerAadId, r.requestedBy ?? null, r.kind, r.state ?? 'started', r.privileged ?? false, r.methodsRequired,
        jsonParam(r.methodsPassed ?? []), jsonParam(r.subject ?? null), r.stepToken ? hashStepToken(r.stepToken) : null,
        r.conversationId ?? null, r.cardActivityId ?? null, iso(now), iso(r.expiresAt), r.stepToken ? (r.step ?? null) : null,
        jsonParam(r.privilegedBecause ?? []), r.approvalsRequired ?? 0, r.ticket ?? null,
      ],
    );
    const created = toRequest(rows[0]!);
    await appendAuditInTx(tx, { ...entry, requestId: entry.requestId ?? created.id }, now);
    return created;
  });
}

export async function getRequest(db: Queryable, id: string): Promise<ResetRequest | null> {
  if (!isUuid(id)) return null;
  const rows = await db.query('SELECT * FROM reset_requests WHERE id = $1', [id]);
  return rows[0] ? toRequest(rows[0]) : null;
}

/** A request and its challenges (oldest first) in one read, as a code answer needs both. */
export async function getRequestWithChallenges(db: Queryable, id: string): Promise<{ request: ResetRequest; challenges: Challenge[] } | null> {
  if (!isUuid(id)) return null;
  // As JSON text: PGlite pays per column read, and a row's columns as one JSON value cost about half.
  const rows = await db.query<{ request: string; challenges: string | null }>(
    `SELECT row_to_json(r)::text AS request, ${CHALLENGES_OF_REQUEST_JSON} AS challenges FROM reset_requests r WHERE r.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  const challenges = row.challenges ? (JSON.parse(row.challenges) as Record<string, unknown>[]) : [];
  return { request: toRequest(JSON.parse(row.request) as Record<string, unknown>), challenges: challenges.map(toChallenge) };
}

export async function listRequestsByOwner(ctx: StoreContext, tenantId: string, ownerAadId: string, openOnly: boolean): Promise<ResetRequest[]> {
  const rows = await ctx.db.query(
    `SELECT * FROM reset_requests
     WHERE tenant_id = $1 AND owner_aad_id = $2 AND (NOT $3::boolean OR NOT (state = ANY($4::text[])))
     ORDER BY created_at DESC, id LIMIT 100`,
    [tenantId, ownerAadId, openOnly, FINISHED_STATES],
  );
  return rows.map(toRequest);
}

// States in which a request waits on a person; past its deadline it is swept.
// (Queued and applying requests end with their job, which has a deadline of its own.)
const WAITING_ON_A_PERSON = ['started', 'verifying', 'verified', 'awaiting_approval', 'approved'];

/** Requests still waiting on a person after their deadline, oldest deadline first. */
export async function listOverdueRequests(ctx: StoreContext, limit: number): Promise<ResetRequest[]> {
  const n = parseInput(overdueLimitSchema, limit, 'overdue request limit');
  const rows = await ctx.db.query(
    `SELECT * FROM reset_requests WHERE state = ANY($1::text[]) AND expires_at <= $2::timestamptz ORDER BY expires_at, id LIMIT $3`,
    [WAITING_ON_A_PERSON, iso(ctx.now()), n],
  );
  return rows.map(toRequest);
}

// Column, how a patch value becomes an SQL parameter, and the row field it sets.
type PatchSpec<K extends keyof RequestPatch> = {
  column: string;
  cast: string;
  toParam: (v: NonNullable<RequestPatch[K]> | null) => unknown;
  /** The field of ResetRequest this column maps to, and its value from the parameter. */
  toField: (param: unknown) => Partial<ResetRequest>;
};
const PATCH_COLUMNS: { [K in keyof RequestPatch]-?: PatchSpec<K> } = {
  state: { column: 'state', cast: '', toParam: (v) => v, toField: (v) => ({ state: v as ResetRequest['state'] }) },
  privileged: { column: 'privileged', cast: '', toParam: (v) => v, toField: (v) => ({ privileged: v as boolean }) },
  methodsRequired: { column: 'methods_required', cast: '', toParam: (v) => v, toField: (v) => ({ methodsRequired: v as number }) },
  methodsPassed: { column: 'methods_passed', cast: '::jsonb', toParam: (v) => jsonParam(v), toField: (v) => ({ methodsPassed: JSON.parse(v as string) as ResetRequest['methodsPassed'] }) },
  approvedBy: { column: 'approved_by', cast: '::jsonb', toParam: (v) => jsonParam(v), toField: (v) => ({ approvedBy: JSON.parse(v as string) as string[] }) },
  sealedDelivery: { column: 'sealed_delivery', cast: '', toParam: (v) => v, toField: (v) => ({ sealedDelivery: v as string | null }) },
  approvalPost: { column: 'approval_post', cast: '::jsonb', toParam: (v) => jsonParam(v), toField: (v) => ({ approvalPost: v === null ? null : (JSON.parse(v as string) as ResetRequest['approvalPost']) }) },
  subject: { column: 'subject', cast: '::jsonb', toParam: (v) => jsonParam(v), toField: (v) => ({ subject: v === null ? null : (JSON.parse(v as string) as ResetRequest['subject']) }) },
  stepToken: { column: 'step_token_hash', cast: '', toParam: (v) => (v === null ? null : hashStepToken(v)), toField: (v) => ({ stepTokenHash: v as string | null }) },
  step: { column: 'step', cast: '', toParam: (v) => v, toField: (v) => ({ step: v as ResetRequest['step'] }) },
  conversationId: { column: 'conversation_id', cast: '', toParam: (v) => v, toField: (v) => ({ conversationId: v as string | null }) },
  cardActivityId: { column: 'card_activity_id', cast: '', toParam: (v) => v, toField: (v) => ({ cardActivityId: v as string | null }) },
  resultCode: { column: 'result_code', cast: '', toParam: (v) => v, toField: (v) => ({ resultCode: v as string | null }) },
  resultMessage: { column: 'result_message', cast: '', toParam: (v) => v, toField: (v) => ({ resultMessage: v as string | null }) },
  expiresAt: { column: 'expires_at', cast: '::timestamptz', toParam: (v) => (v === null ? null : iso(v)), toField: (v) => ({ expiresAt: new Date(v as string) }) },
};

export async function transitionRequest(
  ctx: StoreContext,
  id: string,
  expectedVersion: number,
  patch: RequestPatch,
  audit: AuditEntryInput,
  opts: TransitionOptions = {},
): Promise<ResetRequest> {
  return applyTransition(ctx, id, expectedVersion, null, patch, audit, opts);
}

/**
 * transitionRequest for a caller that holds the row at the version it read:
 * the result is that row with the patch applied, so nothing is read back
 * (on PGlite, reading a whole row costs more than the update itself).
 */
export async function transitionFrom(
  ctx: StoreContext,
  current: ResetRequest,
  patch: RequestPatch,
  audit: AuditEntryInput | readonly AuditEntryInput[],
  opts: TransitionOptions = {},
): Promise<ResetRequest> {
  return applyTransition(ctx, current.id, current.version, current, patch, audit, opts);
}

async function applyTransition(
  ctx: StoreContext,
  id: string,
  expectedVersion: number,
  current: ResetRequest | null,
  patch: RequestPatch,
  audit: AuditEntryInput | readonly AuditEntryInput[],
  opts: TransitionOptions,
): Promise<ResetRequest> {
  const p = parseInput(requestPatchSchema, patch, 'request change');
  // Several entries when one write records several steps (a job leased and finished, delivered together), in their order.
  const entries = (Array.isArray(audit) ? audit : [audit as AuditEntryInput]).map(validateAudit);
  if (entries.length === 0) throw new ResetDeskError('STORE_INVALID_INPUT', 'Invalid request change: it needs an audit entry');
  if (!Number.isInteger(expectedVersion)) throw new ResetDeskError('STORE_INVALID_INPUT', 'Invalid request change: expectedVersion must be an integer');
  const job = opts.enqueueJob ? validateNewJob(opts.enqueueJob) : null;
  const approval = opts.recordApproval ? parseInput(newApprovalSchema, opts.recordApproval, 'approval') : null;
  if (!isUuid(id)) throw notFound(id);
  const now = ctx.now();

  const params: unknown[] = [id, expectedVersion, iso(now)];
  const sets = ['version = version + 1', 'updated_at = $3::timestamptz'];
  let changed: Partial<ResetRequest> = {};
  for (const key of Object.keys(p) as (keyof RequestPatch)[]) {
    const value = p[key];
    if (value === undefined) continue;
    const spec = PATCH_COLUMNS[key] as PatchSpec<keyof RequestPatch>;
    const param = spec.toParam(value as never);
    params.push(param);
    sets.push(`${spec.column} = $${params.length}${spec.cast}`);
    if (current) changed = { ...changed, ...spec.toField(param) };
  }
  // The challenge's new state is saved in the same statement, and each
  // changes only with the other: the request is locked at the expected version
  // first (a data-modifying CTE runs even when nothing reads its rows, so the
  // challenge must check the request itself), and it moves only if the
  // challenge was saved. On a single connection (PGlite) nothing can run in
  // between, so the check needs no row lock.
  const challenge = opts.saveChallenge
    ? challengeStateUpdate(opts.saveChallenge.id, opts.saveChallenge.expected, opts.saveChallenge.next, now, params.length + 1)
    : null;
  if (challenge) params.push(...challenge.params);
  const lockedChallenge = challenge
    ? `locked AS (SELECT 1 FROM reset_requests WHERE id = $1 AND version = $2${ctx.db.exclusive ? '' : ' FOR UPDATE'}),
    saved_challenge AS (${challenge.sql} AND EXISTS (SELECT 1 FROM locked) RETURNING 1), `
    : '';
  const move = `${lockedChallenge}moved AS (
    UPDATE reset_requests SET ${sets.join(', ')}
     WHERE id = $1 AND version = $2${challenge ? ' AND EXISTS (SELECT 1 FROM saved_challenge)' : ''}
     RETURNING ${current ? 'version' : '*'})`;
  const auditInputs = entries.map((entry) => ({ ...entry, requestId: entry.requestId ?? id }));
  // Without a sealer (PGlite) an entry is chained in the statement itself, and one statement moves the chain's head once.
  const oneStatement = ctx.sealer !== undefined || auditInputs.length === 1;
  const result = (rows: Record<string, unknown>[]) =>
    current ? { ...current, ...changed, version: expectedVersion + 1, updatedAt: now } : toRequest(rows[0]!);
  const refused = async (db: Queryable): Promise<never> => {
    const found = await getRequest(db, id);
    if (!found) throw notFound(id);
    if (found.version !== expectedVersion || !challenge) {
      throw new ResetDeskError('STORE_VERSION_CONFLICT', 'This request was changed by another step in the meantime; please try again.', {
        requestId: id, expectedVersion, actualVersion: found.version,
      });
    }
    throw await challengeUpdateRefused(db, opts.saveChallenge!.id);
  };

  if (!approval && !job && oneStatement) {
    // The common step (a code answer, a new state): the challenge, the request
    // and the audit entry in one statement, which is one round trip and atomic
    // on its own; the entry is written only if the request moved. With a
    // sealer (PostgreSQL) it goes to the audit inbox and is chained just
    // after, so concurrent steps do not queue on the chain's head row; without
    // one (PGlite, a single connection) it is appended directly.
    const guard = 'EXISTS (SELECT 1 FROM moved)';
    if (!ctx.sealer) {
      const append = auditAppend(auditInputs[0]!, now, params.length + 1, guard);
      const rows = await ctx.db.query(`WITH ${move}, ${append.ctes} SELECT moved.* FROM moved, audit_logged`, [...params, ...append.params]);
      return rows[0] ? result(rows) : refused(ctx.db);
    }
    const queued = auditQueue(auditInputs, now, params.length + 1, guard);
    const rows = await ctx.db.query(`WITH ${move}, ${queued.cte} SELECT moved.* FROM moved, audit_queued`, [...params, ...queued.params]);
    if (!rows[0]) return refused(ctx.db);
    ctx.sealer.sealSoon();
    return result(rows);
  }
  if (job && !approval && oneStatement) {
    // Queueing a writeback job: the move, the job, its notice and the audit
    // entry in one statement. It stays inside BEGIN and COMMIT: a connection
    // lost before COMMIT then surely rolled everything back, so "nothing was
    // changed" is the truth (test/faults/postgres-restart.spec.ts).
    const guard = 'EXISTS (SELECT 1 FROM moved)';
    const queuedJob = jobQueueCte({ ...job, requestId: job.requestId ?? id }, now, params.length + 1, guard);
    const jobParams = [...params, ...queuedJob.params];
    const audit = ctx.sealer ? auditQueue(auditInputs, now, jobParams.length + 1, guard) : undefined;
    const append = ctx.sealer ? undefined : auditAppend(auditInputs[0]!, now, jobParams.length + 1, guard);
    const auditCtes = audit ? audit.cte : append!.ctes;
    const auditName = audit ? 'audit_queued' : 'audit_logged';
    const moved = await ctx.db.transaction(async (tx) => {
      const rows = await tx.query(
        `WITH ${move}, ${queuedJob.cte}, ${auditCtes} SELECT moved.* FROM moved, job_queued, (SELECT count(*) FROM job_announced) AS announced, ${auditName}`,
        [...jobParams, ...(audit ? audit.params : append!.params)],
      );
      return rows[0] ? rows : refused(tx);
    });
    ctx.sealer?.sealSoon();
    return result(moved);
  }
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(`WITH ${move} SELECT * FROM moved`, params);
    if (!rows[0]) return refused(tx);
    if (approval) await insertApprovalInTx(tx, { ...approval, requestId: id }, now);
    if (job) await insertJobInTx(tx, { ...job, requestId: job.requestId ?? id }, now);
    for (const entry of auditInputs) await appendAuditInTx(tx, entry, now);
    return result(rows);
  });
}

function notFound(id: string): ResetDeskError {
  return new ResetDeskError('STORE_NOT_FOUND', 'This request no longer exists.', { requestId: id });
}
