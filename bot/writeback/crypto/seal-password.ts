import { GeneralEncrypt } from 'jose';
import {
  AgentIdSchema,
  CONTENT_ENC,
  EncryptionPublicJwkSchema,
  importKeyFor,
  KEY_WRAP_ALG,
  MAX_PASSWORD_LENGTH,
  MAX_SEAL_RECIPIENTS,
  ProtocolError,
  SEALED_SECRET_CTY,
  SealedPasswordSchema,
  type SealedPassword,
} from '../../../agent/protocol';

export interface SealRecipient {
  agentId: string;
  encryptionJwk: unknown;
}

/**
 * Seals a password to every enrolled agent at once (JWE general JSON
 * serialization, one ECDH-ES+A256KW recipient per agent, kid = agent id), so
 * whichever agent leases the job can open it and nobody else can. Only the
 * result may be stored; errors never mention the password.
 */
export async function sealPasswordForAgents(password: string, agents: readonly SealRecipient[]): Promise<SealedPassword> {
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', `A password to seal has 1 to ${MAX_PASSWORD_LENGTH} characters.`);
  }
  if (agents.length === 0) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'There is no enrolled agent to seal the password to.');
  }
  if (agents.length > MAX_SEAL_RECIPIENTS) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', `A password is sealed to at most ${MAX_SEAL_RECIPIENTS} agents.`);
  }
  const seen = new Set<string>();
  const recipients = [];
  for (const agent of agents) {
    const agentId = AgentIdSchema.safeParse(agent.agentId);
    if (!agentId.success) throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'An agent id is not valid.');
    if (seen.has(agentId.data)) throw new ProtocolError('PROTOCOL_INPUT_INVALID', 'An agent is listed twice.', { agentId: agentId.data });
    seen.add(agentId.data);
    const jwk = EncryptionPublicJwkSchema.safeParse(agent.encryptionJwk);
    if (!jwk.success) {
      throw new ProtocolError('PROTOCOL_KEY_INVALID', "An agent's encryption key is not an X25519 public JWK.", { agentId: agentId.data });
    }
    recipients.push({ agentId: agentId.data, key: await importKeyFor('encryption-public', jwk.data) });
  }

  const plaintext = new TextEncoder().encode(password);
  try {
    const jwe = new GeneralEncrypt(plaintext).setProtectedHeader({ enc: CONTENT_ENC, cty: SEALED_SECRET_CTY });
    for (const r of recipients) jwe.addRecipient(r.key).setUnprotectedHeader({ alg: KEY_WRAP_ALG, kid: r.agentId });
    return SealedPasswordSchema.parse(await jwe.encrypt());
  } finally {
    plaintext.fill(0);
  }
}
