import { ENROLLMENT_CODE_ALPHABET, ENROLLMENT_CODE_PATTERN, isProtocolError } from '../../../agent/protocol';
import { generateEnrollmentCode, hashEnrollmentCode } from './enrollment-code';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const at = (ms: number) => () => new Date(ms);

describe('one-time enrollment codes for agents', () => {
  it('look like four groups of four letters and digits an admin can type without confusion', () => {
    const { code } = generateEnrollmentCode({ now: at(T0) });
    expect(code).toMatch(ENROLLMENT_CODE_PATTERN);
    expect(code).not.toMatch(/[ILOU]/);
  });

  it('carry at least 80 bits of randomness', () => {
    expect(ENROLLMENT_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(ENROLLMENT_CODE_ALPHABET).size).toBe(32);
    const symbols = generateEnrollmentCode().code.replace(/-/g, '').length;
    expect(symbols * Math.log2(ENROLLMENT_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(80);
  });

  it('use every symbol evenly in every position', () => {
    const samples = 4000;
    const counts = Array.from({ length: 16 }, () => new Map<string, number>());
    const seen = new Set<string>();
    for (let n = 0; n < samples; n++) {
      const symbols = generateEnrollmentCode().code.replace(/-/g, '');
      seen.add(symbols);
      [...symbols].forEach((s, pos) => counts[pos]!.set(s, (counts[pos]!.get(s) ?? 0) + 1));
    }
    expect(seen.size).toBe(samples);
    const expected = samples / 32;
    for (const position of counts) {
      expect(position.size).toBe(32);
      const chiSquare = [...position.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 31 degrees of freedom; 90 is far beyond p = 1e-6, so only a real bias fails this.
      expect(chiSquare).toBeLessThan(90);
    }
  });

  it('expire after a short life', () => {
    expect(generateEnrollmentCode({ now: at(T0) }).expiresAt.getTime()).toBe(T0 + 15 * 60_000);
    expect(generateEnrollmentCode({ now: at(T0), ttlSeconds: 300 }).expiresAt.getTime()).toBe(T0 + 300_000);
    expect(() => generateEnrollmentCode({ ttlSeconds: 24 * 3600 })).toThrow(expect.objectContaining({ code: 'PROTOCOL_INPUT_INVALID' }));
  });

  it('are stored only as a SHA-256 hash that matches however the admin typed the code', () => {
    const issued = generateEnrollmentCode({ now: at(T0) });
    expect(issued.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.codeHash).not.toContain(issued.code.replace(/-/g, '').toLowerCase());
    expect(hashEnrollmentCode(issued.code.toLowerCase().replace(/-/g, ' '))).toBe(issued.codeHash);
    expect(hashEnrollmentCode(generateEnrollmentCode().code)).not.toBe(issued.codeHash);
  });

  it('refuse to hash something that is not a code, without repeating it', () => {
    let caught: unknown;
    try {
      hashEnrollmentCode('hunter2-not-a-code');
    } catch (err) {
      caught = err;
    }
    expect(isProtocolError(caught, 'PROTOCOL_ENROLLMENT_INVALID')).toBe(true);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
