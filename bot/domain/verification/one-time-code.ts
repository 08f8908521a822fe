import { createHmac, createSecretKey, randomBytes, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ResetDeskError, asOutcome } from '../../errors';
import type { AuditActor, AuditEntryDraft } from '../audit';
import { assertChallengeOpen, challengeTimes, closedChallengeError, expireIfDue, newChallengeId } from './challenge';
import type { CheckResult, CodeChallenge, VerificationContext, VerificationResponse } from './verification-method';

export const codePolicySchema = z.object({
  digits: z.number().int().min(6).max(8).default(6),
  ttlMs: z.number().int().positive().max(60 * 60 * 1000).default(10 * 60 * 1000),
  maxAttempts: z.number().int().min(1).max(10).default(5),
  resendIntervalMs: z.number().int().min(0).default(60 * 1000),
  /** Sends per challenge, the first included: caps what one person can make us send to a phone or mailbox. */
  maxSends: z.number().int().min(1).max(10).default(3),
});
export type CodePolicy = z.output<typeof codePolicySchema>;
export const DEFAULT_CODE_POLICY: CodePolicy = codePolicySchema.parse({});

/** The server-side key mixed into every code hash, so a copy of the database alone cannot brute-force the short codes. */
export type CodePepper = Buffer;
const MIN_PEPPER_BYTES = 32;

export function assertPepper(pepper: CodePepper): void {
  if (!Buffer.isBuffer(pepper) || pepper.length < MIN_PEPPER_BYTES) {
    throw new ResetDeskError('CONFIG_INVALID', `The verification code key must be at least ${MIN_PEPPER_BYTES} random bytes.`);
  }
}

/** Uniform over all codes of that length, leading zeros included (randomInt avoids modulo bias). */
export function generateCode(digits: number): string {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new ResetDeskError('CONFIG_INVALID', 'A verification code has 6 to 8 digits.');
  }
  return randomInt(0, 10 ** digits).toString().padStart(digits, '0');
}

// An HMAC keyed with a Buffer imports the key anew on every call, which costs
// several times the hash itself; the pepper is imported once per Buffer.
const pepperKeys = new WeakMap<CodePepper, KeyObject>();
function pepperKey(pepper: CodePepper): KeyObject {
  let key = pepperKeys.get(pepper);
  if (!key) {
    key = createSecretKey(pepper);
    pepperKeys.set(pepper, key);
  }
  return key;
}

function codeDigest(code: string, salt: string, pepper: CodePepper): Buffer {
  return createHmac('sha256', pepperKey(pepper)).update(salt, 'utf8').update('\0').update(code, 'utf8').digest();
}

export function hashCode(code: string, salt: string, pepper: CodePepper): string {
  return codeDigest(code, salt, pepper).toString('hex');
}

export function codeMatches(code: string, salt: string, codeHash: string, pepper: CodePepper): boolean {
  const expected = Buffer.from(codeHash, 'hex');
  const actual = codeDigest(code, salt, pepper);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * People paste codes with spaces or dashes ("123 456"); those are dropped.
 * Anything else that is not the right number of digits cannot be right, so it
 * is refused without using up a try.
 */
export function normalizeSubmittedCode(raw: unknown, digits: number): string {
  const cleaned = typeof raw === 'string' ? raw.replace(/[\s-]/g, '') : '';
  if (cleaned.length !== digits || !/^[0-9]+$/.test(cleaned)) {
    throw new ResetDeskError('VERIFY_CODE_MALFORMED', `Please type the ${digits}-digit code from the message.`, { digits });
  }
  return cleaned;
}

function freshCode(digits: number, pepper: CodePepper): { code: string; salt: string; codeHash: string } {
  const code = generateCode(digits);
  const salt = randomBytes(16).toString('base64url');
  return { code, salt, codeHash: hashCode(code, salt, pepper) };
}

export interface OpenCodeChallengeInput {
  method: CodeChallenge['method'];
  requestId: string;
  maskedTarget: string;
  policy: CodePolicy;
  pepper: CodePepper;
  now: Date;
}

/** Returns the code once, for the message to the user; only its hash goes into the challenge. */
export function openCodeChallenge(input: OpenCodeChallengeInput): { challenge: CodeChallenge; code: string } {
  assertPepper(input.pepper);
  const { code, salt, codeHash } = freshCode(input.policy.digits, input.pepper);
  return {
    code,
    challenge: {
      id: newChallengeId(),
      requestId: input.requestId,
      method: input.method,
      status: 'pending',
      ...challengeTimes(input.now, input.policy.ttlMs),
      maskedTarget: input.maskedTarget,
      digits: input.policy.digits,
      codeSalt: salt,
      codeHash,
      attempts: 0,
      maxAttempts: input.policy.maxAttempts,
      sendCount: 1,
      lastSentAt: input.now,
    },
  };
}

/**
 * A new code (we cannot send the old one again: we only have its hash) with a
 * new expiry. Tries already used stay used, or a resend would be a way to get
 * more guesses.
 */
export function reissueCode(challenge: CodeChallenge, policy: CodePolicy, pepper: CodePepper, now: Date): { challenge: CodeChallenge; code: string } {
  assertPepper(pepper);
  if (challenge.status === 'passed' || challenge.status === 'failed') throw closedChallengeError(challenge, challenge.status);
  if (challenge.sendCount >= policy.maxSends) {
    throw new ResetDeskError('VERIFY_RESEND_LIMIT', 'We cannot send more codes for this request. Please choose another method or start again.', { maxSends: policy.maxSends });
  }
  const waitMs = challenge.lastSentAt.getTime() + policy.resendIntervalMs - now.getTime();
  if (waitMs > 0) {
    throw new ResetDeskError('VERIFY_RESEND_TOO_SOON', `Please wait ${Math.ceil(waitMs / 1000)} seconds before asking for a new code.`, { retryAfterSeconds: Math.ceil(waitMs / 1000) });
  }
  const { code, salt, codeHash } = freshCode(challenge.digits, pepper);
  return {
    code,
    challenge: {
      ...challenge,
      status: 'pending',
      codeSalt: salt,
      codeHash,
      expiresAt: new Date(now.getTime() + policy.ttlMs),
      sendCount: challenge.sendCount + 1,
      lastSentAt: now,
    },
  };
}

export function checkCodeChallenge(
  challenge: CodeChallenge,
  response: VerificationResponse,
  ctx: VerificationContext,
  pepper: CodePepper,
  actor: AuditActor,
): CheckResult<CodeChallenge> {
  assertChallengeOpen(challenge, response, ctx);
  const submitted = normalizeSubmittedCode('code' in response ? response.code : undefined, challenge.digits);
  const expired = expireIfDue(challenge, ctx.now);
  if (expired) return expired;
  if (codeMatches(submitted, challenge.codeSalt, challenge.codeHash, pepper)) {
    return { outcome: 'passed', challenge: { ...challenge, status: 'passed' } };
  }
  const attempts = challenge.attempts + 1;
  const triesLeft = Math.max(0, challenge.maxAttempts - attempts);
  const audit: AuditEntryDraft = {
    action: 'verification.code_wrong',
    actor,
    requestId: challenge.requestId,
    details: { method: challenge.method, challengeId: challenge.id, attempts, triesLeft },
  };
  if (triesLeft === 0) {
    const failed: CodeChallenge = { ...challenge, attempts, status: 'failed' };
    return { outcome: 'failed', challenge: failed, error: asOutcome(() => closedChallengeError(failed, 'failed')), audit };
  }
  return {
    outcome: 'retry',
    challenge: { ...challenge, attempts },
    error: asOutcome(() => new ResetDeskError('VERIFY_CODE_WRONG', `That code is not right. You have ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left.`, { triesLeft })),
    audit,
  };
}
