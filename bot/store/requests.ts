import { randomUUID } from 'node:crypto';
import { ResetDeskError } from '../errors';
import { appendAuditInTx, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import { saveChallengeStateIn } from './challenges';
import type { Queryable } from './engine';
import { insertApprovalInTx } from './approvals';
import { insertJobInTx, validateNewJob } from './jobs';
import { hashStepToken } from './secret-hash';
import { iso, jsonParam, toRequest } from './rows';
import type { AuditEntryInput, NewResetRequest, RequestPatch, ResetRequest, TransitionOptions } from './types';
import { newApprovalSchema, newRequestSchema, isUuid, parseInput, requestPatchSchema } from './validation';

const FINISHED_STATES = ['denied', 'expired', 'succeeded', 'failed', 'closed'];

export async function createRequest(ctx: StoreContext, input: NewResetRequest, audit: AuditEntryInput): Promise<ResetRequest> {
  const r = parseInput(newRequestSchema, input, 'reset request');
  const entry = validateAudit(audit);
  const now = ctx.now();
  const id = r.id ?? randomUUID();
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `INSERT INTO reset_requests (id, tenant_id, owner_aad_id, requested_by, kind, state, privileged, methods_required,
         methods_passed, subject, step_token_hash, conversation_id, card_activity_id, version, created_at, updated_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, 1, $14::timestamptz, $14::timestamptz, $15::timestamptz)
       RETURNING *`,
      [
        id, r.tenantId, r.ownerAadId, r.requestedBy ?? null, r.kind, r.state ?? 'started', r.privileged ?? false, r.methodsRequired,
        jsonParam(r.methodsPassed ?? []), jsonParam(r.subject ?? null), r.stepToken ? hashStepToken(r.stepToken) : null,
        r.conversationId ?? null, r.cardActivityId ?? null, iso(now), iso(r.expiresAt),
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

export async function listRequestsByOwner(ctx: StoreContext, tenantId: string, ownerAadId: string, openOnly: boolean): Promise<ResetRequest[]> {
  const rows = await ctx.db.query(
    `SELECT * FROM reset_requests
     WHERE tenant_id = $1 AND owner_aad_id = $2 AND (NOT $3::boolean OR NOT (state = ANY($4::text[])))
     ORDER BY created_at DESC, id LIMIT 100`,
    [tenantId, ownerAadId, openOnly, FINISHED_STATES],
  );
  return rows.map(toRequest);
}

// Column, and how a patch value becomes an SQL parameter.
const PATCH_COLUMNS: { [K in keyof RequestPatch]-?: { column: string; cast: string; toParam: (v: NonNullable<RequestPatch[K]> | null) => unknown } } = {
  state: { column: 'state', cast: '', toParam: (v) => v },
  privileged: { column: 'privileged', cast: '', toParam: (v) => v },
  methodsRequired: { column: 'methods_required', cast: '', toParam: (v) => v },
  methodsPassed: { column: 'methods_passed', cast: '::jsonb', toParam: (v) => jsonParam(v) },
  subject: { column: 'subject', cast: '::jsonb', toParam: (v) => jsonParam(v) },
  stepToken: { column: 'step_token_hash', cast: '', toParam: (v) => (v === null ? null : hashStepToken(v)) },
  conversationId: { column: 'conversation_id', cast: '', toParam: (v) => v },
  cardActivityId: { column: 'card_activity_id', cast: '', toParam: (v) => v },
  resultCode: { column: 'result_code', cast: '', toParam: (v) => v },
  resultMessage: { column: 'result_message', cast: '', toParam: (v) => v },
  expiresAt: { column: 'expires_at', cast: '::timestamptz', toParam: (v) => (v === null ? null : iso(v)) },
};

export async function transitionRequest(
  ctx: StoreContext,
  id: string,
  expectedVersion: number,
  patch: RequestPatch,
  audit: AuditEntryInput,
  opts: TransitionOptions = {},
): Promise<ResetRequest> {
  const p = parseInput(requestPatchSchema, patch, 'request change');
  const entry = validateAudit(audit);
  if (!Number.isInteger(expectedVersion)) throw new ResetDeskError('STORE_INVALID_INPUT', 'Invalid request change: expectedVersion must be an integer');
  const job = opts.enqueueJob ? validateNewJob(opts.enqueueJob) : null;
  const approval = opts.recordApproval ? parseInput(newApprovalSchema, opts.recordApproval, 'approval') : null;
  if (!isUuid(id)) throw notFound(id);
  const now = ctx.now();

  const params: unknown[] = [id, expectedVersion, iso(now)];
  const sets = ['version = version + 1', 'updated_at = $3::timestamptz'];
  for (const key of Object.keys(p) as (keyof RequestPatch)[]) {
    const value = p[key];
    if (value === undefined) continue;
    const spec = PATCH_COLUMNS[key] as { column: string; cast: string; toParam: (v: unknown) => unknown };
    params.push(spec.toParam(value));
    sets.push(`${spec.column} = $${params.length}${spec.cast}`);
  }

  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(`UPDATE reset_requests SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *`, params);
    if (!rows[0]) {
      const current = await getRequest(tx, id);
      if (!current) throw notFound(id);
      throw new ResetDeskError('STORE_VERSION_CONFLICT', 'This request was changed by another step in the meantime; please try again.', {
        requestId: id, expectedVersion, actualVersion: current.version,
      });
    }
    const updated = toRequest(rows[0]);
    if (approval) await insertApprovalInTx(tx, { ...approval, requestId: id }, now);
    if (opts.saveChallenge) await saveChallengeStateIn(tx, opts.saveChallenge.id, opts.saveChallenge.expected, opts.saveChallenge.next, now);
    if (job) await insertJobInTx(tx, { ...job, requestId: job.requestId ?? id }, now);
    await appendAuditInTx(tx, { ...entry, requestId: entry.requestId ?? id }, now);
    return updated;
  });
}

function notFound(id: string): ResetDeskError {
  return new ResetDeskError('STORE_NOT_FOUND', 'This request no longer exists.', { requestId: id });
}
