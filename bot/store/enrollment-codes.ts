import { ResetDeskError } from '../errors';
import { appendAuditInTx, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { iso, toEnrollmentCode } from './rows';
import { hashEnrollmentCode } from './secret-hash';
import type { AuditEntryInput, EnrollmentCodeRecord, NewEnrollmentCode } from './types';
import { newEnrollmentCodeSchema, parseInput } from './validation';

export async function createEnrollmentCode(ctx: StoreContext, input: NewEnrollmentCode, audit: AuditEntryInput): Promise<EnrollmentCodeRecord> {
  const c = parseInput(newEnrollmentCodeSchema, input, 'enrollment code');
  const entry = validateAudit(audit);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `INSERT INTO enrollment_codes (code_hash, created_by, created_at, expires_at)
       VALUES ($1, $2, $3::timestamptz, $4::timestamptz) RETURNING *`,
      [hashEnrollmentCode(c.code), c.createdBy, iso(now), iso(c.expiresAt)],
    );
    await appendAuditInTx(tx, entry, now);
    return toEnrollmentCode(rows[0]!);
  });
}

// One UPDATE both checks and marks the code: under concurrency PostgreSQL
// re-checks `used_at IS NULL` after the first claimant commits, so exactly
// one caller gets the row.
export async function consumeEnrollmentCodeInTx(tx: Queryable, code: string, now: Date): Promise<EnrollmentCodeRecord> {
  if (typeof code !== 'string' || code.length === 0 || code.length > 4096) {
    throw new ResetDeskError('ENROLL_CODE_INVALID', 'This enrollment code is not valid.');
  }
  const hash = hashEnrollmentCode(code);
  const rows = await tx.query(
    `UPDATE enrollment_codes SET used_at = $2::timestamptz
      WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2::timestamptz RETURNING *`,
    [hash, iso(now)],
  );
  if (rows[0]) return toEnrollmentCode(rows[0]);
  const existing = await tx.query('SELECT * FROM enrollment_codes WHERE code_hash = $1', [hash]);
  if (!existing[0]) throw new ResetDeskError('ENROLL_CODE_INVALID', 'This enrollment code is not valid.');
  const record = toEnrollmentCode(existing[0]);
  if (record.usedAt) throw new ResetDeskError('ENROLL_CODE_USED', 'This enrollment code has already been used; ask an admin for a new one.');
  throw new ResetDeskError('ENROLL_CODE_EXPIRED', 'This enrollment code has expired; ask an admin for a new one.');
}

export async function consumeEnrollmentCode(ctx: StoreContext, code: string): Promise<EnrollmentCodeRecord> {
  const now = ctx.now();
  return ctx.db.transaction((tx) => consumeEnrollmentCodeInTx(tx, code, now));
}
