import { generateTemporaryPassword, temporaryPasswordLength } from './temporary-password';

describe('a temporary password for a helpdesk reset', () => {
  test('is longer than any minimum in force, and at least 16 characters', () => {
    expect(generateTemporaryPassword(8)).toHaveLength(16);
    expect(generateTemporaryPassword(14)).toHaveLength(16);
    expect(generateTemporaryPassword(20)).toHaveLength(22);
    expect(temporaryPasswordLength(200)).toBe(64);
  });

  test('has every character class AD counts for complexity, and none a caller misreads over the phone', () => {
    for (let i = 0; i < 200; i++) {
      const p = generateTemporaryPassword(12);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
      expect(p).not.toMatch(/[0O1lI]/);
    }
  });

  test('is different every time', () => {
    const seen = new Set(Array.from({ length: 500 }, () => generateTemporaryPassword(12)));
    expect(seen.size).toBe(500);
  });
});
