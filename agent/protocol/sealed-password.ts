import { flattenedDecrypt, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { AgentIdSchema } from './ids';
import { ProtocolError } from './errors';
import { importKeyFor } from './jwk';
import { CONTENT_ENC, KEY_WRAP_ALG, KEY_WRAP_CURVE, MAX_PASSWORD_LENGTH, MAX_SEAL_RECIPIENTS } from './protocol-constants';

const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/);

/**
 * A password sealed to every enrolled agent: JWE general JSON serialization,
 * A256GCM content encryption, one ECDH-ES+A256KW (X25519) recipient per agent
 * with `kid` = agent id. Strict, so nothing rides along unauthenticated.
 */
export const SealedPasswordSchema = z
  .strictObject({
    protected: b64url(512),
    iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
    ciphertext: b64url(4096),
    tag: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    recipients: z
      .array(
        z.strictObject({
          header: z.strictObject({
            alg: z.literal(KEY_WRAP_ALG),
            kid: AgentIdSchema,
            // jose moves the ephemeral key into the protected header when
            // there is a single recipient, so it is optional here.
            epk: z.strictObject({ kty: z.literal('OKP'), crv: z.literal(KEY_WRAP_CURVE), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).optional(),
          }),
          encrypted_key: z.string().regex(/^[A-Za-z0-9_-]{54}$/),
        }),
      )
      .min(1)
      .max(MAX_SEAL_RECIPIENTS),
  })
  .refine((jwe) => new Set(jwe.recipients.map((r) => r.header.kid)).size === jwe.recipients.length, {
    message: 'each agent appears once among the recipients',
    path: ['recipients'],
  });
export type SealedPassword = z.infer<typeof SealedPasswordSchema>;

/**
 * Opens a sealed password with this agent's private X25519 key. The result
 * lives only in memory; the caller passes it to LDAP and lets it go. Errors
 * say why the seal could not be opened and never echo any part of it.
 */
export async function openSealedPassword(jwe: unknown, agentEncryptionKey: CryptoKey | JWK, agentId: string): Promise<string> {
  const parsed = SealedPasswordSchema.safeParse(jwe);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_SEALED_INVALID', 'The sealed password is malformed.');
  }
  const recipient = parsed.data.recipients.find((r) => r.header.kid === agentId);
  if (!recipient) {
    throw new ProtocolError('PROTOCOL_SEALED_NOT_FOR_AGENT', 'The password was not sealed for this agent; it may have enrolled after the request was made.', { agentId });
  }
  const key = await importKeyFor('encryption-private', agentEncryptionKey);
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await flattenedDecrypt(
      {
        protected: parsed.data.protected,
        iv: parsed.data.iv,
        ciphertext: parsed.data.ciphertext,
        tag: parsed.data.tag,
        header: recipient.header,
        encrypted_key: recipient.encrypted_key,
      },
      key,
      { keyManagementAlgorithms: [KEY_WRAP_ALG], contentEncryptionAlgorithms: [CONTENT_ENC] },
    ));
  } catch (err) {
    throw new ProtocolError('PROTOCOL_SEALED_INVALID', "The sealed password could not be opened with this agent's key.", { agentId }, { cause: err });
  }
  let password: string;
  try {
    password = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw new ProtocolError('PROTOCOL_SEALED_INVALID', 'The sealed password is not valid text.', { agentId });
  } finally {
    plaintext.fill(0);
  }
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new ProtocolError('PROTOCOL_SEALED_INVALID', 'The sealed password has an impossible length.', { agentId });
  }
  return password;
}
