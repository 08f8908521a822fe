import { GENESIS_HASH, canonicalJson, computeAuditHash, verifyAuditEntries } from './audit-chain';
import type { AuditEntry } from './types';

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = { seq, at: new Date(Date.UTC(2030, 0, 1, 8, 0, seq)), actor: { kind: 'user' as const, id: `aad-${seq}` }, action: 'request.created', requestId: null, details: { step: seq } };
    const hash = computeAuditHash(prev, content);
    out.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('the audit hash chain', () => {
  it('hashes the same content the same way whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it('an intact chain verifies', () => {
    expect(verifyAuditEntries(chain(5))).toEqual({ ok: true, entries: 5 });
  });

  it('a changed detail, a removed entry or swapped entries are each reported at the first broken link', () => {
    const edited = chain(5);
    edited[2] = { ...edited[2]!, details: { step: 99 } };
    expect(verifyAuditEntries(edited)).toMatchObject({ ok: false, brokenAtSeq: 3, reason: 'hash_mismatch' });

    const removed = chain(5).filter((e) => e.seq !== 4);
    expect(verifyAuditEntries(removed)).toMatchObject({ ok: false, brokenAtSeq: 5, reason: 'sequence_gap' });

    const swapped = chain(5);
    [swapped[1], swapped[2]] = [{ ...swapped[2]!, seq: 2 }, { ...swapped[1]!, seq: 3 }];
    expect(verifyAuditEntries(swapped)).toMatchObject({ ok: false, brokenAtSeq: 2, reason: 'prev_hash_mismatch' });
  });

  it('refuses numbers JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/finite/);
  });
});
