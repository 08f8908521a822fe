import type { StoreContext } from './context';
import { iso, toAgent } from './rows';
import type { Agent } from './types';
import { isUuid, parseInput, tokenIdSchema } from './validation';

// Replay protection for the agents' short-lived lease tokens. An id only has
// to be remembered until its token expires: after that the signature check
// refuses the token anyway, so expired ids are pruned.
//
// One statement, one round trip, on every agent call: $1 the id, $2 its
// expiry, $3 now. The prune and the insert see the same snapshot: an id still
// held by an expired row counts as used, which only refuses a token whose
// expiry refuses it anyway. `remembered` has a row when the id is new.
const REMEMBER_CTES = `pruned AS (DELETE FROM used_token_ids WHERE expires_at < $3::timestamptz),
  remembered AS (INSERT INTO used_token_ids (jti, expires_at) VALUES ($1, $2::timestamptz) ON CONFLICT (jti) DO NOTHING RETURNING jti)`;

export async function rememberTokenId(ctx: StoreContext, jti: string, expiresAt: Date): Promise<boolean> {
  const t = parseInput(tokenIdSchema, { jti, expiresAt }, 'token id');
  const rows = await ctx.db.query(`WITH ${REMEMBER_CTES} SELECT jti FROM remembered`, [t.jti, iso(t.expiresAt), iso(ctx.now())]);
  return rows.length === 1;
}

/**
 * The same, and in the same statement the agent's row as it is now: the
 * gateway checks an agent's token against a signing key it already knows (an
 * agent's key never changes), so whether the agent is still enrolled,
 * confirmed and not revoked is read here, with no second round trip.
 */
export async function rememberAgentTokenId(ctx: StoreContext, agentId: string, jti: string, expiresAt: Date): Promise<{ fresh: boolean; agent: Agent | null }> {
  const t = parseInput(tokenIdSchema, { jti, expiresAt }, 'token id');
  if (!isUuid(agentId)) return { fresh: false, agent: null };
  const rows = await ctx.db.query<Record<string, unknown> & { fresh: number }>(
    `WITH ${REMEMBER_CTES}
     SELECT (SELECT count(*) FROM remembered)::int AS fresh, a.*
       FROM (SELECT 1) AS one LEFT JOIN agents a ON a.id = $4`,
    [t.jti, iso(t.expiresAt), iso(ctx.now()), agentId],
  );
  const row = rows[0]!;
  return { fresh: Number(row.fresh) === 1, agent: row.id == null ? null : toAgent(row) };
}
