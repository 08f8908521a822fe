import { randomBytes } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { epochSeconds, systemClock, type Clock } from './clock';
import { AgentIdSchema } from './ids';
import { ProtocolError } from './errors';
import { importKeyFor } from './jwk';
import { LEASE_TOKEN_TYP, MAX_LEASE_TOKEN_TTL_SECONDS, SIGNING_ALG } from './protocol-constants';

/** Claims of the short-lived JWT an agent presents on every call to the gateway. */
export const LeaseTokenClaimsSchema = z.strictObject({
  iss: AgentIdSchema,
  sub: AgentIdSchema,
  aud: z.string().min(1).max(512),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  jti: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/),
});
export type LeaseTokenClaims = z.infer<typeof LeaseTokenClaimsSchema>;

export interface CreateLeaseTokenOptions {
  agentId: string;
  audience: string;
  /** 1..60 seconds; a token is good for one request, so it needs to live only as long as a request takes to arrive. */
  ttlSeconds?: number;
  now?: Clock;
}

export const DEFAULT_LEASE_TOKEN_TTL_SECONDS = 30;

/** Signs a lease token with the agent's own Ed25519 key: iss = sub = agentId, a fresh random jti. */
export async function createLeaseToken(agentSigningKey: CryptoKey | JWK, options: CreateLeaseTokenOptions): Promise<string> {
  const ttl = options.ttlSeconds ?? DEFAULT_LEASE_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LEASE_TOKEN_TTL_SECONDS) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', `A lease token lives between 1 and ${MAX_LEASE_TOKEN_TTL_SECONDS} seconds.`, { ttlSeconds: String(ttl) });
  }
  const agentId = AgentIdSchema.safeParse(options.agentId);
  if (!agentId.success) throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'The agent id is not valid.');
  if (typeof options.audience !== 'string' || options.audience.length === 0 || options.audience.length > 512) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'The lease token audience is not valid.');
  }
  const key = await importKeyFor('signing-private', agentSigningKey);
  const iat = epochSeconds(options.now ?? systemClock);
  return new SignJWT({ jti: randomBytes(16).toString('base64url') })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: LEASE_TOKEN_TYP, kid: agentId.data })
    .setIssuer(agentId.data)
    .setSubject(agentId.data)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(key);
}
