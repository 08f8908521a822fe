import { ResetDeskError } from '../errors';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { iso, toAgent } from './rows';
import type { Agent, AgentTokenUse } from './types';
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

/**
 * CTEs that remember the token id and read its agent, a condition that holds
 * only for a fresh id of an enrolled, unrevoked agent with that key (the
 * statement's change must require it), and the columns that tell why it did
 * not hold. Parameters are numbered from `firstParam`.
 */
export function agentTokenCheck(use: AgentTokenUse, now: Date, firstParam: number): { ctes: string; guard: string; columns: string; params: unknown[] } {
  const t = parseInput(tokenIdSchema, { jti: use.jti, expiresAt: use.expiresAt }, 'token id');
  if (!isUuid(use.agentId)) throw agentUnknown(use.agentId);
  const p = (i: number) => `$${firstParam + i}`;
  return {
    ctes: `token_pruned AS (DELETE FROM used_token_ids WHERE expires_at < ${p(2)}::timestamptz),
    token_remembered AS (INSERT INTO used_token_ids (jti, expires_at) VALUES (${p(0)}, ${p(1)}::timestamptz) ON CONFLICT (jti) DO NOTHING RETURNING jti),
    token_agent AS (SELECT revoked_at, signing_jwk = ${p(4)}::jsonb AS same_key FROM agents WHERE id = ${p(3)}::uuid)`,
    guard: `EXISTS (SELECT 1 FROM token_remembered) AND EXISTS (SELECT 1 FROM token_agent WHERE same_key AND revoked_at IS NULL)`,
    columns: `(SELECT count(*) FROM token_remembered)::int AS token_fresh, (SELECT count(*) FROM token_agent WHERE same_key)::int AS token_agent_known,
      (SELECT count(*) FROM token_agent WHERE same_key AND revoked_at IS NOT NULL)::int AS token_agent_revoked`,
    params: [t.jti, iso(t.expiresAt), iso(now), use.agentId, JSON.stringify(use.signingJwk)],
  };
}

/** Why the token of `agentTokenCheck` was refused, from its columns; null when it was accepted. */
export function agentTokenRefusal(row: Record<string, unknown>, agentId: string): ResetDeskError | null {
  if (Number(row.token_agent_known) !== 1) return agentUnknown(agentId);
  if (Number(row.token_agent_revoked) === 1) return new ResetDeskError('STORE_AGENT_REVOKED', 'This agent has been revoked; enroll it again.', { agentId });
  if (Number(row.token_fresh) !== 1) return new ResetDeskError('STORE_AGENT_TOKEN_REPLAYED', 'The agent token was already used.', { agentId });
  return null;
}

/** The same check as a statement of its own, where the change cannot be one statement with it (PGlite). */
export async function checkAgentToken(db: Queryable, use: AgentTokenUse, now: Date): Promise<void> {
  const check = agentTokenCheck(use, now, 1);
  const row = (await db.query(`WITH ${check.ctes} SELECT ${check.columns}`, check.params))[0]!;
  const refused = agentTokenRefusal(row, use.agentId);
  if (refused) throw refused;
}

function agentUnknown(agentId: string): ResetDeskError {
  return new ResetDeskError('STORE_AGENT_UNKNOWN', 'No agent is enrolled under that id with that key.', { agentId });
}
