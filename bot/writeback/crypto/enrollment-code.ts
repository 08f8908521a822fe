import { createHash, randomBytes } from 'node:crypto';
import {
  ENROLLMENT_CODE_ALPHABET,
  normalizeEnrollmentCode,
  ProtocolError,
  systemClock,
  type Clock,
} from '../../../agent/protocol';

export const DEFAULT_ENROLLMENT_CODE_TTL_SECONDS = 15 * 60;
// Long enough to walk to the server and run the installer, short enough that
// a code left in a ticket or chat is dead by the time anyone finds it.
export const MAX_ENROLLMENT_CODE_TTL_SECONDS = 60 * 60;

export interface IssuedEnrollmentCode {
  /** Shown to the admin once; never stored or logged. */
  code: string;
  /** What the store keeps (see hashEnrollmentCode). */
  codeHash: string;
  expiresAt: Date;
}

/**
 * A one-time code of 80 random bits as XXXX-XXXX-XXXX-XXXX in Crockford
 * base32. Ten random bytes are exactly sixteen five-bit symbols, so every
 * symbol is uniform.
 */
export function generateEnrollmentCode(options: { now?: Clock; ttlSeconds?: number } = {}): IssuedEnrollmentCode {
  const ttl = options.ttlSeconds ?? DEFAULT_ENROLLMENT_CODE_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_ENROLLMENT_CODE_TTL_SECONDS) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', `An enrollment code lives between 1 and ${MAX_ENROLLMENT_CODE_TTL_SECONDS / 60} minutes.`);
  }
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let symbols = '';
  for (let i = 15; i >= 0; i--) symbols += ENROLLMENT_CODE_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  const code = symbols.match(/.{4}/g)!.join('-');
  const now = options.now ?? systemClock;
  return { code, codeHash: hashEnrollmentCode(code), expiresAt: new Date(now().getTime() + ttl * 1000) };
}

/**
 * SHA-256 (hex) of the code's canonical form, so `abcd efgh ...` as typed
 * finds the code issued as `ABCD-EFGH-...`. A fast hash is enough: the code
 * has 80 random bits, lives minutes and is single-use, so the stored hash
 * cannot be searched back to a code in time to matter.
 */
export function hashEnrollmentCode(code: string): string {
  const canonical = normalizeEnrollmentCode(code);
  if (canonical === undefined) {
    throw new ProtocolError('PROTOCOL_ENROLLMENT_INVALID', 'That is not an enrollment code (16 letters and digits, like ABCD-EFGH-JKMN-PQRS).');
  }
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
