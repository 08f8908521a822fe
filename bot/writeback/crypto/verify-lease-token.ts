import { compactVerify } from 'jose';
import {
  AgentIdSchema,
  CLOCK_TOLERANCE_SECONDS,
  epochSeconds,
  importKeyFor,
  LEASE_TOKEN_TYP,
  LeaseTokenClaimsSchema,
  MAX_LEASE_TOKEN_TTL_SECONDS,
  parseJsonPayload,
  readStrictHeader,
  ProtocolError,
  SIGNING_ALG,
  systemClock,
  type Clock,
} from '../../../agent/protocol';

export interface EnrolledAgentKey {
  signingJwk: unknown;
  revoked: boolean;
}

export interface VerifyLeaseTokenOptions {
  /** The enrolled agent's public signing key, or undefined when no such agent exists. */
  lookupAgentKey: (agentId: string) => Promise<EnrolledAgentKey | undefined>;
  audience: string;
  /**
   * Records a token id until it can no longer be accepted; resolves false if
   * it was already recorded (a replay). Called only for otherwise valid tokens,
   * so forged tokens cannot fill the store.
   */
  rememberJti: (jti: string, expiresAt: Date) => Promise<boolean>;
  now?: Clock;
}

const MAX_TOKEN_LENGTH = 4096;

function invalid(reason: string): ProtocolError {
  return new ProtocolError('PROTOCOL_TOKEN_INVALID', 'The agent token is not valid.', { reason });
}

/**
 * Authenticates an agent's request on the gateway. Resolves to the agent id
 * or rejects with PROTOCOL_TOKEN_INVALID / _EXPIRED / _REPLAYED or
 * PROTOCOL_AGENT_UNKNOWN / _REVOKED.
 */
export async function verifyLeaseToken(token: unknown, options: VerifyLeaseTokenOptions): Promise<string> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid('malformed');

  const header = readStrictHeader(token, LEASE_TOKEN_TYP);
  if ('refused' in header) throw invalid(header.refused);
  const kid = AgentIdSchema.safeParse(header.kid);
  if (!kid.success) throw invalid('key id');
  const agentId = kid.data;

  const enrolled = await options.lookupAgentKey(agentId);
  if (!enrolled) throw new ProtocolError('PROTOCOL_AGENT_UNKNOWN', 'No agent is enrolled under that id.', { agentId });
  const key = await importKeyFor('signing-public', enrolled.signingJwk);

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, key, { algorithms: [SIGNING_ALG] }));
  } catch {
    throw invalid('signature');
  }
  const claims = LeaseTokenClaimsSchema.safeParse(parseJsonPayload(payload));
  if (!claims.success) throw invalid('claims');
  const { iss, sub, aud, iat, exp, jti } = claims.data;
  if (iss !== agentId || sub !== agentId) throw invalid('subject');

  // Checked after the signature, so only whoever holds the agent's key
  // learns that the agent was revoked.
  if (enrolled.revoked) throw new ProtocolError('PROTOCOL_AGENT_REVOKED', 'This agent has been revoked; enroll it again.', { agentId });

  if (aud !== options.audience) throw invalid('audience');
  if (exp <= iat || exp - iat > MAX_LEASE_TOKEN_TTL_SECONDS) throw invalid('lifetime');
  const now = epochSeconds(options.now ?? systemClock);
  if (iat > now + CLOCK_TOLERANCE_SECONDS) throw invalid('issued in the future');
  if (now - CLOCK_TOLERANCE_SECONDS >= exp) {
    throw new ProtocolError('PROTOCOL_TOKEN_EXPIRED', 'The agent token has expired; check the agent clock.', { agentId });
  }
  if (!(await options.rememberJti(jti, new Date((exp + CLOCK_TOLERANCE_SECONDS) * 1000)))) {
    throw new ProtocolError('PROTOCOL_TOKEN_REPLAYED', 'The agent token was already used.', { agentId });
  }
  return agentId;
}
