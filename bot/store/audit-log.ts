import { ResetDeskError } from '../errors';
import type { Queryable } from './engine';
import { AuditChainVerifier, auditBodyBeforeSeq } from './audit-chain';
import type { StoreContext } from './context';
import { iso, jsonParam, toAuditEntry } from './rows';
import type { AuditChainReport, AuditEntry, AuditEntryInput, AuditQuery } from './types';
import { auditEntrySchema, auditQuerySchema, parseInput } from './validation';

const VERIFY_BATCH = 1000;

export function validateAudit(entry: AuditEntryInput): AuditEntryInput {
  return parseInput(auditEntrySchema, entry, 'audit entry');
}

/** The SQL and parameters of one chained append, to run alone or inside a larger statement. */
export interface AuditAppend {
  /** Two CTEs, `audit_link` and `audit_logged`; the latter returns seq, prev_hash and hash. */
  ctes: string;
  params: unknown[];
  content: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;
}

// The head row moves one link and the entry is inserted with that link, in one
// statement. The database appends only the number to the body computed here
// (see auditBodyBeforeSeq), and verifyAuditChain recomputes every hash in
// JavaScript, so any difference would show at once. `guard`, when given, is a
// condition on the rest of the statement: nothing is appended unless it holds.
export function auditAppend(entry: AuditEntryInput, at: Date, firstParam: number, guard?: string): AuditAppend {
  const { content, params: columns } = auditColumns(entry, at);
  const p = (i: number) => `$${firstParam + i}`;
  const ctes = `audit_link AS (
      UPDATE audit_head
         SET seq = seq + 1, prev_hash = hash,
             hash = encode(sha256(convert_to(hash || ${p(5)}::text || (seq + 1)::text || '}', 'UTF8')), 'hex')
       WHERE id = 1${guard ? ` AND ${guard}` : ''}
      RETURNING seq, prev_hash, hash),
    audit_logged AS (
      INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash)
      SELECT seq, ${p(0)}::timestamptz, ${p(1)}::jsonb, ${p(2)}, ${p(3)}::uuid, ${p(4)}::jsonb, prev_hash, hash FROM audit_link
      RETURNING seq, prev_hash, hash)`;
  return { ctes, params: [...columns, auditBodyBeforeSeq(content)], content };
}

/**
 * One CTE, `audit_queued`, that writes entries to the audit inbox when
 * `guard` holds, with parameters numbered from `firstParam`. The sealer
 * chains them into audit_log right after the statement commits, in the order
 * given (the inbox ids follow the order of the VALUES list).
 */
export function auditQueue(entries: AuditEntryInput | readonly AuditEntryInput[], at: Date, firstParam: number, guard: string): { cte: string; params: unknown[] } {
  const list = Array.isArray(entries) ? entries : [entries as AuditEntryInput];
  const rows = list.map((_, n) => {
    const p = (i: number) => `$${firstParam + n * 5 + i}`;
    return `(${p(0)}::timestamptz, ${p(1)}::jsonb, ${p(2)}, ${p(3)}::uuid, ${p(4)}::jsonb)`;
  });
  return {
    cte: `audit_queued AS (
      INSERT INTO audit_inbox (at, actor, action, request_id, details)
      SELECT v.at, v.actor, v.action, v.request_id, v.details FROM (VALUES ${rows.join(', ')}) AS v(at, actor, action, request_id, details) WHERE ${guard}
      RETURNING id)`,
    params: list.flatMap((entry) => auditColumns(entry, at).params),
  };
}

/**
 * Like auditQueue, for an entry about a row the same statement changed: one
 * inbox entry per row of the CTE `source`, its request id taken from that
 * row's `request_id`, so the caller need not read the row first.
 */
export function auditQueueFor(entry: AuditEntryInput, at: Date, firstParam: number, source: string): { cte: string; params: unknown[] } {
  const p = (i: number) => `$${firstParam + i}`;
  const [when, actor, action, , details] = auditColumns({ ...entry, requestId: null }, at).params;
  return {
    cte: `audit_queued AS (
      INSERT INTO audit_inbox (at, actor, action, request_id, details)
      SELECT ${p(0)}::timestamptz, ${p(1)}::jsonb, ${p(2)}, ${source}.request_id, ${p(3)}::jsonb FROM ${source}
      RETURNING id)`,
    params: [when, actor, action, details],
  };
}

/** An entry's content as stored, and its five column values (at, actor, action, request id, details) as parameters. */
function auditColumns(entry: AuditEntryInput, at: Date): { content: AuditAppend['content']; params: unknown[] } {
  const content = {
    at,
    actor: entry.actor.id === undefined ? { kind: entry.actor.kind } : { kind: entry.actor.kind, id: entry.actor.id },
    action: entry.action,
    requestId: entry.requestId ?? null,
    details: entry.details ?? {},
  };
  return { content, params: [iso(at), jsonParam(content.actor), content.action, content.requestId, jsonParam(content.details)] };
}

function appendedEntry(content: AuditAppend['content'], row: { seq: string | number; prev_hash: string; hash: string }): AuditEntry {
  return { ...content, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
}

// Best as the last statement of a transaction: the head row stays locked from
// here to commit, so keeping it last keeps that window short and means the
// lock is never held while waiting for another row lock (no deadlock).
export async function appendAuditInTx(tx: Queryable, entry: AuditEntryInput, at: Date): Promise<AuditEntry> {
  const append = auditAppend(entry, at, 1);
  const rows = await tx.query<{ seq: string | number; prev_hash: string; hash: string }>(
    `WITH ${append.ctes} SELECT seq, prev_hash, hash FROM audit_logged`,
    append.params,
  );
  if (!rows[0]) throw new ResetDeskError('STORE_AUDIT_HEAD_MISSING', 'The audit log cannot be written: its head row is missing.');
  return appendedEntry(append.content, rows[0]);
}

export async function appendAudit(ctx: StoreContext, entry: AuditEntryInput): Promise<AuditEntry> {
  const valid = validateAudit(entry);
  return ctx.db.transaction((tx) => appendAuditInTx(tx, valid, ctx.now()));
}

export async function listAudit(ctx: StoreContext, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const q = parseInput(auditQuerySchema, query, 'audit query');
  await ctx.sealer?.flush();
  const rows = await ctx.db.query(
    `SELECT * FROM audit_log
     WHERE ($1::uuid IS NULL OR request_id = $1::uuid) AND seq > $2
     ORDER BY seq LIMIT $3`,
    [q.requestId ?? null, q.afterSeq ?? 0, q.limit ?? 1000],
  );
  return rows.map(toAuditEntry);
}

export async function verifyAuditChain(ctx: StoreContext): Promise<AuditChainReport> {
  await ctx.sealer?.flush();
  // Read in pages so a large log never sits in memory at once.
  const verifier = new AuditChainVerifier();
  let after = 0;
  for (;;) {
    const rows = await ctx.db.query('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, VERIFY_BATCH]);
    for (const r of rows) {
      const broken = verifier.check(toAuditEntry(r));
      if (broken) return broken;
    }
    if (rows.length < VERIFY_BATCH) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  // Entries cut off the end leave a chain that holds but stops short of the head.
  const head = (await ctx.db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
  if (!head || Number(head.seq) !== verifier.entries || head.hash !== verifier.lastHash) {
    return { ok: false, entries: verifier.entries, brokenAtSeq: verifier.entries + 1, reason: 'head_mismatch' };
  }
  return { ok: true, entries: verifier.entries };
}
