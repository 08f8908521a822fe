import { createHash } from 'node:crypto';
import type { AuditChainReport, AuditEntry, JsonValue } from './types';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so equal content hashes equally on both engines. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('audit values must be finite numbers');
  return JSON.stringify(value);
}

export type AuditContent = Omit<AuditEntry, 'prevHash' | 'hash'>;

export function computeAuditHash(prevHash: string, entry: AuditContent): string {
  return createHash('sha256').update(prevHash + auditBodyBeforeSeq(entry) + String(entry.seq) + '}', 'utf8').digest('hex');
}

/**
 * The canonical body of an entry up to its sequence number. `seq` sorts last
 * among the keys, so the body is this text, the number and `}`: the database
 * appends the number once it has taken it, and hashes the entry in the same
 * statement that inserts it (see appendAuditInTx).
 */
export function auditBodyBeforeSeq(entry: Omit<AuditContent, 'seq'>): string {
  const body = canonicalJson({
    at: entry.at.toISOString(),
    actor: { ...entry.actor } as Record<string, JsonValue>,
    action: entry.action,
    requestId: entry.requestId,
    details: entry.details,
  });
  return `${body.slice(0, -1)},"seq":`;
}

type ChainBreak = Extract<AuditChainReport, { ok: false }>;

/** Checks entries one at a time in seq order, carrying the last link, so a long log can be streamed. */
export class AuditChainVerifier {
  private expectedPrev = GENESIS_HASH;
  private expectedSeq = 1;
  private count = 0;

  /** Returns the first broken link, or null while the chain holds. */
  check(e: AuditEntry): ChainBreak | null {
    this.count += 1;
    const broken = (reason: ChainBreak['reason']): ChainBreak => ({ ok: false, entries: this.count, brokenAtSeq: e.seq, reason });
    if (e.seq !== this.expectedSeq) return broken('sequence_gap');
    if (e.prevHash !== this.expectedPrev) return broken('prev_hash_mismatch');
    if (computeAuditHash(e.prevHash, e) !== e.hash) return broken('hash_mismatch');
    this.expectedPrev = e.hash;
    this.expectedSeq += 1;
    return null;
  }

  get entries(): number {
    return this.count;
  }

  /** The hash of the last entry checked (the genesis hash before any). */
  get lastHash(): string {
    return this.expectedPrev;
  }
}

export function verifyAuditEntries(entries: Iterable<AuditEntry>): AuditChainReport {
  const verifier = new AuditChainVerifier();
  for (const e of entries) {
    const broken = verifier.check(e);
    if (broken) return broken;
  }
  return { ok: true, entries: verifier.entries };
}
