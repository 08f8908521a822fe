// The audit log as files an auditor opens elsewhere: JSON Lines (one entry
// per line, exactly as stored, so the chain can be re-verified from the file)
// and CSV (for a spreadsheet). A CSV cell that a spreadsheet would run as a
// formula is written as text.
import type { AuditEntry } from '../store';

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const CSV_COLUMNS = ['seq', 'at', 'actor_kind', 'actor_id', 'action', 'request_id', 'details', 'prev_hash', 'hash'] as const;

function jsonLine(e: AuditEntry): string {
  return JSON.stringify({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, requestId: e.requestId, details: e.details, prevHash: e.prevHash, hash: e.hash });
}

/** A CSV cell (RFC 4180), neutralised against formula injection (=, +, -, @, tab, CR at the start). */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(e: AuditEntry): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    seq: e.seq,
    at: e.at.toISOString(),
    actor_kind: e.actor.kind,
    actor_id: e.actor.id ?? null,
    action: e.action,
    request_id: e.requestId,
    details: JSON.stringify(e.details),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
  return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',');
}

export function exportAudit(entries: AuditEntry[], format: ExportFormat): string {
  if (format === 'jsonl') return entries.map((e) => `${jsonLine(e)}\n`).join('');
  return `${CSV_COLUMNS.join(',')}\r\n${entries.map((e) => `${csvLine(e)}\r\n`).join('')}`;
}
