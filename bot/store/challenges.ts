import { randomUUID } from 'node:crypto';
import { ResetDeskError } from '../errors';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { iso, toChallenge } from './rows';
import type { Challenge, ChallengeExpectation, ChallengeState, ChallengeStatus, NewChallenge } from './types';
import { challengeExpectationSchema, challengeStateSchema, closedChallengeStatusSchema, newChallengeSchema, isUuid, parseInput } from './validation';

function notFound(id: string): ResetDeskError {
  return new ResetDeskError('STORE_NOT_FOUND', 'This verification step no longer exists.', { challengeId: id });
}

export async function createChallenge(ctx: StoreContext, input: NewChallenge): Promise<Challenge> {
  const c = parseInput(newChallengeSchema, input, 'verification challenge');
  const now = iso(ctx.now());
  const salt = c.codeSalt ?? null;
  const hash = c.codeHash ?? null;
  const rows = await ctx.db.query(
    `INSERT INTO verification_challenges (id, request_id, method, masked_target, code_hash, code_salt, attempts, max_attempts,
       expires_at, last_sent_at, send_count, status, created_at, updated_at, target_ref, digits)
     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8::timestamptz, $9::timestamptz, $10, 'pending', $11::timestamptz, $11::timestamptz, $12, $13)
     RETURNING *`,
    [
      c.id ?? randomUUID(), c.requestId, c.method, c.maskedTarget ?? null,
      hash, salt, c.maxAttempts, iso(c.expiresAt),
      hash ? now : null, hash ? 1 : 0, now, c.targetRef ?? null, c.digits ?? null,
    ],
  );
  return toChallenge(rows[0]!);
}

export async function getChallenge(ctx: StoreContext, id: string): Promise<Challenge | null> {
  if (!isUuid(id)) return null;
  const rows = await ctx.db.query('SELECT * FROM verification_challenges WHERE id = $1', [id]);
  return rows[0] ? toChallenge(rows[0]) : null;
}

export async function listChallenges(ctx: StoreContext, requestId: string): Promise<Challenge[]> {
  if (!isUuid(requestId)) return [];
  const rows = await ctx.db.query('SELECT * FROM verification_challenges WHERE request_id = $1 ORDER BY created_at, id', [requestId]);
  return rows.map(toChallenge);
}

/** Closes a pending challenge; a challenge that is already closed keeps its outcome. */
export async function setChallengeStatus(ctx: StoreContext, id: string, status: Exclude<ChallengeStatus, 'pending'>): Promise<Challenge> {
  const s = parseInput(closedChallengeStatusSchema, status, 'challenge status');
  if (!isUuid(id)) throw notFound(id);
  const rows = await ctx.db.query(
    `UPDATE verification_challenges SET status = $2, updated_at = $3::timestamptz
      WHERE id = $1 AND status = 'pending' RETURNING *`,
    [id, s, iso(ctx.now())],
  );
  if (rows[0]) return toChallenge(rows[0]);
  const current = await getChallenge(ctx, id);
  if (!current) throw notFound(id);
  throw new ResetDeskError('STORE_CHALLENGE_CLOSED', 'This verification step is already over.', { challengeId: id, status: current.status });
}

export async function saveChallengeState(
  ctx: StoreContext,
  id: string,
  expected: ChallengeExpectation,
  next: ChallengeState,
): Promise<Challenge> {
  return saveChallengeStateIn(ctx.db, id, expected, next, ctx.now());
}

/**
 * The UPDATE that saves a challenge's state when it is still as the caller
 * read it, with its parameters numbered from `firstParam`, so a request
 * transition can run it in the same statement as its own change. Validates
 * `next` first.
 */
export function challengeStateUpdate(
  id: string,
  expected: ChallengeExpectation,
  next: ChallengeState,
  now: Date,
  firstParam: number,
): { sql: string; params: unknown[] } {
  const n = parseInput(challengeStateSchema, next, 'challenge state');
  const e = parseInput(challengeExpectationSchema, expected, 'challenge expectation');
  if (!isUuid(id)) throw notFound(id);
  const p = (i: number) => `$${firstParam + i}`;
  return {
    sql: `UPDATE verification_challenges
        SET status = ${p(3)}, attempts = ${p(4)}, code_hash = ${p(5)}, code_salt = ${p(6)}, expires_at = ${p(7)}::timestamptz,
            send_count = ${p(8)}, last_sent_at = ${p(9)}::timestamptz, updated_at = ${p(10)}::timestamptz
      WHERE id = ${p(0)} AND status = ${p(11)} AND attempts = ${p(1)} AND send_count = ${p(2)}`,
    params: [id, e.attempts, e.sendCount, n.status, n.attempts, n.codeHash, n.codeSalt, iso(n.expiresAt),
      n.sendCount, n.lastSentAt ? iso(n.lastSentAt) : null, iso(now), e.status],
  };
}

/** Why a guarded challenge update changed nothing: it is gone, or it moved on. */
export async function challengeUpdateRefused(db: Queryable, id: string): Promise<ResetDeskError> {
  const current = await db.query('SELECT id FROM verification_challenges WHERE id = $1', [id]);
  if (!current[0]) return notFound(id);
  return new ResetDeskError('STORE_VERSION_CONFLICT', 'This verification step changed in the meantime. Please try again.', { challengeId: id });
}

/** An expired challenge can still change: a resend reopens it. */
export async function saveChallengeStateIn(
  db: Queryable,
  id: string,
  expected: ChallengeExpectation,
  next: ChallengeState,
  now: Date,
): Promise<Challenge> {
  const update = challengeStateUpdate(id, expected, next, now, 1);
  const rows = await db.query(`${update.sql} RETURNING *`, update.params);
  if (rows[0]) return toChallenge(rows[0]);
  throw await challengeUpdateRefused(db, id);
}

/** The request's challenges, oldest first, as one JSON text (one column is much cheaper to read than many on PGlite). */
export const CHALLENGES_OF_REQUEST_JSON = `(SELECT json_agg(c ORDER BY c.created_at, c.id) FROM verification_challenges c WHERE c.request_id = r.id)::text`;
