// Counting uses against a limit, per person and per account, in one place the
// database keeps consistent for every replica. A use is counted only when
// every subject it counts against is under its limit: a person at their
// limit does not also use up the account's budget, and the other way round.
import { z } from 'zod';
import { LIMIT_SCOPES, LIMITED_ACTIONS } from '../domain/usage-limits';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { iso } from './rows';
import type { UsageCheck, UsageVerdict } from './types';
import { parseInput } from './validation';

const usageCheckSchema = z.object({
  action: z.enum(LIMITED_ACTIONS),
  subjects: z.array(z.object({ scope: z.enum(LIMIT_SCOPES), subject: z.string().min(1).max(256) }).strict()).min(1).max(4),
  max: z.number().int().min(1).max(1_000_000),
  windowMs: z.number().int().min(1000).max(366 * 24 * 60 * 60 * 1000),
}).strict();

/** Counts one use, or none when a subject is at its limit; says which subject and until when. */
export async function consumeUsage(ctx: StoreContext, check: UsageCheck): Promise<UsageVerdict> {
  const c = parseInput(usageCheckSchema, check, 'usage check');
  const now = ctx.now();
  const windowOpenedBefore = new Date(now.getTime() - c.windowMs);
  const refused = new Refused();
  try {
    return await ctx.db.transaction(async (tx) => {
      for (const s of c.subjects) {
        // Opens a new window when the last one is over; counts when under the limit; else leaves the row alone.
        const rows = await tx.query(
          `INSERT INTO usage_limits AS u (kind, scope, subject, window_start, used) VALUES ($1, $2, $3, $4::timestamptz, 1)
           ON CONFLICT (kind, scope, subject) DO UPDATE SET
             window_start = CASE WHEN u.window_start <= $5::timestamptz THEN EXCLUDED.window_start ELSE u.window_start END,
             used = CASE WHEN u.window_start <= $5::timestamptz THEN 1 ELSE u.used + 1 END
           WHERE u.window_start <= $5::timestamptz OR u.used < $6
           RETURNING used`,
          [c.action, s.scope, s.subject, iso(now), iso(windowOpenedBefore), c.max],
        );
        if (!rows[0]) {
          refused.verdict = { allowed: false, scope: s.scope, until: await windowEnd(tx, c.action, s.scope, s.subject, c.windowMs, now) };
          throw refused;
        }
      }
      return { allowed: true } as const;
    });
  } catch (err) {
    // Rolled back: the subjects counted before the one at its limit are not charged.
    if (err === refused && refused.verdict) return refused.verdict;
    throw err;
  }
}

/** Whether a use would be allowed now, without counting it. */
export async function peekUsage(ctx: StoreContext, check: UsageCheck): Promise<UsageVerdict> {
  const c = parseInput(usageCheckSchema, check, 'usage check');
  const now = ctx.now();
  const rows = await ctx.db.query<{ scope: string; subject: string; window_start: Date | string; used: number }>(
    `SELECT scope, subject, window_start, used FROM usage_limits
      WHERE kind = $1 AND (scope, subject) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        AND window_start > $4::timestamptz AND used >= $5`,
    [c.action, c.subjects.map((s) => s.scope), c.subjects.map((s) => s.subject), iso(new Date(now.getTime() - c.windowMs)), c.max],
  );
  const full = rows[0];
  if (!full) return { allowed: true };
  return { allowed: false, scope: full.scope as UsageCheck['subjects'][number]['scope'], until: new Date(new Date(full.window_start).getTime() + c.windowMs) };
}

/** Gives back one use counted by consumeUsage (the guess was right, the send never went out). */
export async function refundUsage(ctx: StoreContext, check: Pick<UsageCheck, 'action' | 'subjects'>): Promise<void> {
  const c = parseInput(usageCheckSchema.pick({ action: true, subjects: true }), check, 'usage refund');
  await ctx.db.query(
    `UPDATE usage_limits SET used = used - 1
      WHERE kind = $1 AND (scope, subject) IN (SELECT * FROM unnest($2::text[], $3::text[])) AND used > 0`,
    [c.action, c.subjects.map((s) => s.scope), c.subjects.map((s) => s.subject)],
  );
}

class Refused extends Error {
  verdict: UsageVerdict | undefined;
}

async function windowEnd(db: Queryable, action: string, scope: string, subject: string, windowMs: number, now: Date): Promise<Date> {
  const rows = await db.query<{ window_start: Date | string }>('SELECT window_start FROM usage_limits WHERE kind = $1 AND scope = $2 AND subject = $3', [action, scope, subject]);
  const start = rows[0] ? new Date(rows[0].window_start).getTime() : now.getTime();
  return new Date(start + windowMs);
}
