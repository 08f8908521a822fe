import { randomUUID } from 'node:crypto';
import { ResetDeskError } from '../errors';
import { appendAuditInTx, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { iso, toApproval } from './rows';
import type { Approval, AuditEntryInput, NewApproval } from './types';
import { isUuid, newApprovalSchema, parseInput } from './validation';

export async function insertApprovalInTx(tx: Queryable, a: NewApproval, now: Date): Promise<Approval> {
  const rows = await tx.query(
    `INSERT INTO approvals (id, request_id, approver_aad_id, decision, decided_at)
     VALUES ($1, $2, $3, $4, $5::timestamptz)
     ON CONFLICT (request_id, approver_aad_id) DO NOTHING RETURNING *`,
    [randomUUID(), a.requestId, a.approverAadId, a.decision, iso(now)],
  );
  if (!rows[0]) {
    throw new ResetDeskError('STORE_APPROVAL_EXISTS', 'You have already decided on this request.', { requestId: a.requestId });
  }
  return toApproval(rows[0]);
}

export async function recordApproval(ctx: StoreContext, input: NewApproval, audit: AuditEntryInput): Promise<Approval> {
  const a = parseInput(newApprovalSchema, input, 'approval');
  const entry = validateAudit(audit);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const approval = await insertApprovalInTx(tx, a, now);
    await appendAuditInTx(tx, { ...entry, requestId: entry.requestId ?? a.requestId }, now);
    return approval;
  });
}

export async function listApprovals(ctx: StoreContext, requestId: string): Promise<Approval[]> {
  if (!isUuid(requestId)) return [];
  const rows = await ctx.db.query('SELECT * FROM approvals WHERE request_id = $1 ORDER BY decided_at, id', [requestId]);
  return rows.map(toApproval);
}
