import { LOCK_AUDIT_CHAIN, type Queryable } from './engine';
import { AuditChainVerifier, GENESIS_HASH, auditBodyBeforeSeq, computeAuditHash } from './audit-chain';
import type { StoreContext } from './context';
import { iso, jsonParam, toAuditEntry } from './rows';
import type { AuditChainReport, AuditEntry, AuditEntryInput, AuditQuery } from './types';
import { auditEntrySchema, auditQuerySchema, parseInput } from './validation';

const VERIFY_BATCH = 1000;

export function validateAudit(entry: AuditEntryInput): AuditEntryInput {
  return parseInput(auditEntrySchema, entry, 'audit entry');
}

// Call as the LAST statement of a transaction: the chain lock is held from
// here to commit, so keeping it last keeps that window short and means the
// lock is never held while waiting for a row lock (no deadlock).
//
// On PostgreSQL the chain head is read, the entry hashed and inserted in one
// statement after the lock (a statement sees what was committed before it
// started, so it must start after the lock is granted): two round trips
// instead of three. The database appends only the number to the body computed
// here, and verifyAuditChain recomputes every hash in JavaScript, so any
// difference would show at once. PGlite pays per statement, not per round
// trip, and there an INSERT ... SELECT costs more than a plain SELECT and
// INSERT, so it reads the head and hashes here.
const APPEND_SQL = `
  INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash)
  SELECT head.seq + 1, $1::timestamptz, $2::jsonb, $3, $4::uuid, $5::jsonb, head.hash,
         encode(sha256(convert_to(head.hash || $6::text || (head.seq + 1)::text || '}', 'UTF8')), 'hex')
    FROM (SELECT COALESCE(last.seq, 0) AS seq, COALESCE(last.hash, $7::text) AS hash
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS last ON true) AS head
  RETURNING seq, prev_hash, hash`;

export async function appendAuditInTx(tx: Queryable, entry: AuditEntryInput, at: Date): Promise<AuditEntry> {
  const content = {
    at,
    actor: entry.actor.id === undefined ? { kind: entry.actor.kind } : { kind: entry.actor.kind, id: entry.actor.id },
    action: entry.action,
    requestId: entry.requestId ?? null,
    details: entry.details ?? {},
  };
  if (tx.exclusive) {
    const last = await tx.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const prevHash = last[0]?.hash ?? GENESIS_HASH;
    const seq = Number(last[0]?.seq ?? 0) + 1;
    const hash = computeAuditHash(prevHash, { ...content, seq });
    await tx.query(
      `INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash)
       VALUES ($1, $2::timestamptz, $3::jsonb, $4, $5, $6::jsonb, $7, $8)`,
      [seq, iso(at), jsonParam(content.actor), content.action, content.requestId, jsonParam(content.details), prevHash, hash],
    );
    return { ...content, seq, prevHash, hash };
  }
  await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_AUDIT_CHAIN]);
  const rows = await tx.query<{ seq: string | number; prev_hash: string; hash: string }>(APPEND_SQL, [
    iso(at), jsonParam(content.actor), content.action, content.requestId, jsonParam(content.details), auditBodyBeforeSeq(content), GENESIS_HASH,
  ]);
  const row = rows[0]!;
  return { ...content, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
}

export async function appendAudit(ctx: StoreContext, entry: AuditEntryInput): Promise<AuditEntry> {
  const valid = validateAudit(entry);
  return ctx.db.transaction((tx) => appendAuditInTx(tx, valid, ctx.now()));
}

export async function listAudit(ctx: StoreContext, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const q = parseInput(auditQuerySchema, query, 'audit query');
  const rows = await ctx.db.query(
    `SELECT * FROM audit_log
     WHERE ($1::uuid IS NULL OR request_id = $1::uuid) AND seq > $2
     ORDER BY seq LIMIT $3`,
    [q.requestId ?? null, q.afterSeq ?? 0, q.limit ?? 1000],
  );
  return rows.map(toAuditEntry);
}

export async function verifyAuditChain(ctx: StoreContext): Promise<AuditChainReport> {
  // Read in pages so a large log never sits in memory at once.
  const verifier = new AuditChainVerifier();
  let after = 0;
  for (;;) {
    const rows = await ctx.db.query('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_BATCH]);
    for (const r of rows) {
      const broken = verifier.check(toAuditEntry(r));
      if (broken) return broken;
    }
    if (rows.length < VERIFY_BATCH) return { ok: true, entries: verifier.entries };
    after = Number(rows[rows.length - 1]!.seq);
  }
}
