import type { StoreContext } from './context';
import { iso, toAgent } from './rows';
import type { Agent } from './types';
import { isUuid, parseInput, tokenIdSchema } from './validation';

// Replay protection for the agents' short-lived lease tokens. An id only has
// to be remembered until its token expires: after that the signature check
// refuses the token anyway, so expired ids are pruned.
export async function rememberTokenId(ctx: StoreContext, jti: string, expiresAt: Date): Promise<boolean> {
  const t = parseInput(tokenIdSchema, { jti, expiresAt }, 'token id');
  const now = iso(ctx.now());
  // One statement, one round trip, on every agent call. The prune and the
  // insert see the same snapshot: an id still held by an expired row counts as
  // used, which only refuses a token whose expiry refuses it anyway.
  const rows = await ctx.db.query(
    `WITH pruned AS (DELETE FROM used_token_ids WHERE expires_at < $3::timestamptz)
     INSERT INTO used_token_ids (jti, expires_at) VALUES ($1, $2::timestamptz) ON CONFLICT (jti) DO NOTHING RETURNING jti`,
    [t.jti, iso(t.expiresAt), now],
  );
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
    `WITH pruned AS (DELETE FROM used_token_ids WHERE expires_at < $3::timestamptz),
          remembered AS (INSERT INTO used_token_ids (jti, expires_at) VALUES ($1, $2::timestamptz) ON CONFLICT (jti) DO NOTHING RETURNING jti)
     SELECT (SELECT count(*) FROM remembered)::int AS fresh, a.*
       FROM (SELECT 1) AS one LEFT JOIN agents a ON a.id = $4`,
    [t.jti, iso(t.expiresAt), iso(ctx.now()), agentId],
  );
  const row = rows[0]!;
  return { fresh: Number(row.fresh) === 1, agent: row.id == null ? null : toAgent(row) };
}
