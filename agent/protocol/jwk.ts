import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { ProtocolError } from './errors';
import { KEY_WRAP_ALG, KEY_WRAP_CURVE, SIGNING_ALG, SIGNING_CURVE } from './protocol-constants';

// Ed25519 and X25519 keys are 32 bytes: 43 base64url characters, no padding.
const key32 = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'must be a 32-byte base64url value');

// Public keys are strict: a JWK that carries `d` (a private key sent by
// mistake) or anything else unexpected is refused, not silently trimmed.
function okpPublicJwk<C extends string, A extends string, U extends string>(crv: C, alg: A, use: U) {
  return z.strictObject({
    kty: z.literal('OKP'),
    crv: z.literal(crv),
    x: key32,
    alg: z.literal(alg).optional(),
    use: z.literal(use).optional(),
    kid: z.string().min(1).max(128).optional(),
  });
}

export const SigningPublicJwkSchema = okpPublicJwk(SIGNING_CURVE, SIGNING_ALG, 'sig');
export type SigningPublicJwk = z.infer<typeof SigningPublicJwkSchema>;

export const EncryptionPublicJwkSchema = okpPublicJwk(KEY_WRAP_CURVE, KEY_WRAP_ALG, 'enc');
export type EncryptionPublicJwk = z.infer<typeof EncryptionPublicJwkSchema>;

export const SigningPrivateJwkSchema = SigningPublicJwkSchema.extend({ d: key32 });
export type SigningPrivateJwk = z.infer<typeof SigningPrivateJwkSchema>;

export const EncryptionPrivateJwkSchema = EncryptionPublicJwkSchema.extend({ d: key32 });
export type EncryptionPrivateJwk = z.infer<typeof EncryptionPrivateJwkSchema>;

const PUBLIC_KEY_CACHE_SIZE = 1024;

// A thumbprint depends only on the curve and the public value: the agent checks
// the service's pinned key on every job, and each check would hash it again.
const thumbprints = new Map<string, string>();

/** RFC 7638 SHA-256 thumbprint; the id of a key that cannot be forged or renamed. */
export async function jwkThumbprint(jwk: SigningPublicJwk | EncryptionPublicJwk): Promise<string> {
  const key = `${jwk.crv}:${jwk.x}`;
  const known = thumbprints.get(key);
  if (known) return known;
  const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'sha256');
  if (thumbprints.size >= PUBLIC_KEY_CACHE_SIZE) thumbprints.delete(thumbprints.keys().next().value!);
  thumbprints.set(key, thumbprint);
  return thumbprint;
}

/** Drops the private part of a JWK, keeping only what may be published. */
export function toPublicJwk(jwk: SigningPrivateJwk): SigningPublicJwk;
export function toPublicJwk(jwk: EncryptionPrivateJwk): EncryptionPublicJwk;
export function toPublicJwk(jwk: SigningPrivateJwk | EncryptionPrivateJwk): SigningPublicJwk | EncryptionPublicJwk {
  const { d: _private, ...publicPart } = jwk;
  return publicPart;
}

type KeyRole = 'signing-public' | 'signing-private' | 'encryption-public' | 'encryption-private';

const ROLE_SCHEMA = {
  'signing-public': SigningPublicJwkSchema,
  'signing-private': SigningPrivateJwkSchema,
  'encryption-public': EncryptionPublicJwkSchema,
  'encryption-private': EncryptionPrivateJwkSchema,
} as const;

const ROLE_ALG: Record<KeyRole, string> = {
  'signing-public': SIGNING_ALG,
  'signing-private': SIGNING_ALG,
  'encryption-public': KEY_WRAP_ALG,
  'encryption-private': KEY_WRAP_ALG,
};

const ROLE_ALGORITHM_NAME: Record<KeyRole, string> = {
  'signing-public': SIGNING_CURVE,
  'signing-private': SIGNING_CURVE,
  'encryption-public': KEY_WRAP_CURVE,
  'encryption-private': KEY_WRAP_CURVE,
};

const ROLE_TYPE: Record<KeyRole, 'public' | 'private'> = {
  'signing-public': 'public',
  'signing-private': 'private',
  'encryption-public': 'public',
  'encryption-private': 'private',
};

// Public keys imported before, by role and key value: every agent call and
// every sealed job would otherwise import the same key again (about half a
// millisecond of CPU). Only public keys: the value is the whole key, so a hit
// cannot hand back a different key, and nothing secret is kept here.
const importedPublicKeys = new Map<string, CryptoKey>();

/**
 * Turns a JWK (or an already imported CryptoKey) into a non-extractable
 * CryptoKey for one role, refusing a key of the wrong curve or kind. The
 * error never repeats the key.
 */
export async function importKeyFor(role: KeyRole, key: unknown): Promise<CryptoKey> {
  if (isCryptoKey(key)) {
    if (key.type !== ROLE_TYPE[role] || key.algorithm.name !== ROLE_ALGORITHM_NAME[role]) {
      throw new ProtocolError('PROTOCOL_KEY_INVALID', `The key is not a ${role.replace('-', ' ')} key.`, { role });
    }
    return key;
  }
  const parsed = ROLE_SCHEMA[role].safeParse(key);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_KEY_INVALID', `The key is not a valid ${role.replace('-', ' ')} JWK.`, {
      role,
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    });
  }
  const cacheKey = ROLE_TYPE[role] === 'public' ? `${role}:${parsed.data.x}` : undefined;
  const cached = cacheKey ? importedPublicKeys.get(cacheKey) : undefined;
  if (cached) return cached;
  try {
    const imported = (await importJWK(parsed.data as JWK, ROLE_ALG[role], { extractable: false })) as CryptoKey;
    if (cacheKey) {
      if (importedPublicKeys.size >= PUBLIC_KEY_CACHE_SIZE) importedPublicKeys.delete(importedPublicKeys.keys().next().value!);
      importedPublicKeys.set(cacheKey, imported);
    }
    return imported;
  } catch (err) {
    throw new ProtocolError('PROTOCOL_KEY_INVALID', `The ${role.replace('-', ' ')} key could not be imported.`, { role }, { cause: err });
  }
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof globalThis.CryptoKey === 'function' && key instanceof globalThis.CryptoKey;
}
