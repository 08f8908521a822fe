import { z } from 'zod';
import { parseDn } from './dn-scope';
import { ProtocolError } from './errors';
import { AgentIdSchema, KeyIdSchema } from './ids';
import { EncryptionPublicJwkSchema, jwkThumbprint, SigningPublicJwkSchema } from './jwk';

// Enrollment codes are typed by an admin on the agent's server, so they use
// Crockford's base32: digits and capitals without I, L, O and U, read back
// case-insensitively with I/L taken as 1 and O as 0. Sixteen symbols of five
// bits each carry 80 bits, shown as four groups of four.
export const ENROLLMENT_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ENROLLMENT_CODE_SYMBOLS = 16;
export const ENROLLMENT_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/** Canonical `XXXX-XXXX-XXXX-XXXX` form of a typed code, or undefined if it cannot be one. */
export function normalizeEnrollmentCode(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const symbols = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (symbols.length !== ENROLLMENT_CODE_SYMBOLS) return undefined;
  for (const s of symbols) if (!ENROLLMENT_CODE_ALPHABET.includes(s)) return undefined;
  return symbols.match(/.{4}/g)!.join('-');
}

export const EnrollmentCodeSchema = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const code = normalizeEnrollmentCode(value);
    if (code === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an enrollment code is 16 letters and digits, like ABCD-EFGH-JKMN-PQRS' });
      return z.NEVER;
    }
    return code;
  });

export const DnSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((dn) => {
    try {
      parseDn(dn);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid distinguished name such as OU=Staff,DC=corp,DC=example');

export const AgentNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._()-]*$/u, 'an agent name is letters, digits, spaces, ".", "_", "(", ")" or "-"');

export const AgentVersionSchema = z.string().regex(/^[0-9A-Za-z.+_-]{1,64}$/, 'a version is letters, digits, ".", "+", "_" or "-"');

/**
 * How an admin reads an agent's key: the start of its signing key's RFC 7638
 * thumbprint (120 bits) in groups of four, printed by the agent at
 * enrollment and shown beside the agent wherever an admin confirms it.
 */
export function formatKeyThumbprint(thumbprint: string): string {
  return thumbprint.slice(0, 20).match(/.{4}/g)!.join('-');
}

/** POST body of the agent's enrollment call. */
export const EnrollmentRequestSchema = z.strictObject({
  code: EnrollmentCodeSchema,
  name: AgentNameSchema,
  signingJwk: SigningPublicJwkSchema,
  encryptionJwk: EncryptionPublicJwkSchema,
  ous: z.array(DnSchema).min(1).max(100),
  /** The agent software's version, shown to admins beside its key thumbprint. */
  version: AgentVersionSchema.optional(),
});
export type EnrollmentRequest = z.infer<typeof EnrollmentRequestSchema>;

/** The service's answer: who the agent is and which key it must trust from now on. */
export const EnrollmentResponseSchema = z.strictObject({
  agentId: AgentIdSchema,
  serviceSigningJwk: SigningPublicJwkSchema,
  serviceKeyId: KeyIdSchema,
  // One audience names the deployment: lease tokens carry it to the service
  // and jobs carry it back to the agents. Direction is told apart by the
  // token type and by who signed it.
  audience: z.string().min(1).max(512),
});
export type EnrollmentResponse = z.infer<typeof EnrollmentResponseSchema>;

/**
 * Validates the service's enrollment answer on the agent side and checks
 * that `serviceKeyId` really is the thumbprint of `serviceSigningJwk`, so the
 * key the agent pins is the key the admin can compare by id.
 */
export async function acceptEnrollmentResponse(body: unknown): Promise<EnrollmentResponse> {
  const parsed = EnrollmentResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_ENROLLMENT_INVALID', 'The service answered enrollment with something unexpected.', {
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    });
  }
  if ((await jwkThumbprint(parsed.data.serviceSigningJwk)) !== parsed.data.serviceKeyId) {
    throw new ProtocolError('PROTOCOL_ENROLLMENT_INVALID', 'The service key id does not match the service key it sent.');
  }
  return parsed.data;
}
