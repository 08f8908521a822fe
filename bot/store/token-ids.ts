import type { StoreContext } from './context';
import { iso } from './rows';
import { parseInput, tokenIdSchema } from './validation';

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
