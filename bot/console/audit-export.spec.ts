import { computeAuditHash, GENESIS_HASH } from '../store';
import type { AuditEntry } from '../store';
import { csvCell, exportAudit } from './audit-export';

function entry(seq: number, details: AuditEntry['details'], action = 'request.created'): AuditEntry {
  return { seq, at: new Date(Date.UTC(2030, 0, 1, 8, seq)), actor: { kind: 'user', id: 'aad-1' }, action, requestId: null, details, prevHash: GENESIS_HASH, hash: 'a'.repeat(64) };
}

describe('audit exports', () => {
  it('JSON Lines hold each entry exactly as stored, one per line, so the chain can be checked from the file', () => {
    const e = { ...entry(1, { name: 'Zoë "Z" O\'Brien', nested: { a: [1, null] } }) };
    e.hash = computeAuditHash(e.prevHash, e);
    const lines = exportAudit([e, entry(2, {})], 'jsonl').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const back = JSON.parse(lines[0]!) as { at: string; prevHash: string; hash: string };
    expect(computeAuditHash(back.prevHash, { ...e, ...back, at: new Date(back.at) } as AuditEntry)).toBe(e.hash);
  });

  it('CSV has a header, quotes what needs quoting, and keeps details as JSON', () => {
    const csv = exportAudit([entry(1, { reason: 'said "no", twice\nreally' })], 'csv');
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('seq,at,actor_kind,actor_id,action,request_id,details,prev_hash,hash');
    expect(row).toContain('"{""reason"":""said \\""no\\"", twice\\nreally""}"');
    expect(row!.startsWith('1,2030-01-01T08:01:00.000Z,user,aad-1,request.created,,')).toBe(true);
  });

  it('a cell a spreadsheet would run as a formula is written as text', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(null)).toBe('');
  });
});
