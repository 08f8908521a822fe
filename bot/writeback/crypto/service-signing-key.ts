import { inspect } from 'node:util';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import {
  importKeyFor,
  jwkThumbprint,
  ProtocolError,
  readPrivateFile,
  SIGNING_ALG,
  SigningPrivateJwkSchema,
  toPublicJwk,
  writePrivateFile,
  type SigningPrivateJwk,
  type SigningPublicJwk,
  type WritePrivateFileOptions,
} from '../../../agent/protocol';

/**
 * The service's job-signing key, ready to use. The private half is a
 * non-extractable CryptoKey, and logging or serialising this object shows
 * only the public key and its id.
 */
export class ServiceSigningKey {
  readonly keyId: string;
  readonly publicJwk: SigningPublicJwk;
  readonly #privateKey: CryptoKey;

  private constructor(keyId: string, publicJwk: SigningPublicJwk, privateKey: CryptoKey) {
    this.keyId = keyId;
    this.publicJwk = publicJwk;
    this.#privateKey = privateKey;
  }

  /** Imports a private Ed25519 JWK; the error never repeats the key. */
  static async fromJwk(jwk: unknown): Promise<ServiceSigningKey> {
    const parsed = SigningPrivateJwkSchema.safeParse(jwk);
    if (!parsed.success) {
      throw new ProtocolError('PROTOCOL_KEY_INVALID', 'The service signing key is not a private Ed25519 JWK.');
    }
    const publicJwk = toPublicJwk(parsed.data);
    const privateKey = await importKeyFor('signing-private', parsed.data);
    return new ServiceSigningKey(await jwkThumbprint(publicJwk), publicJwk, privateKey);
  }

  /**
   * Signs a payload as a compact JWS under this key (alg EdDSA, kid = key id).
   * The private key never leaves this object, not even as a property a
   * logger's redaction could walk into.
   */
  signCompact(payload: Uint8Array, typ: string): Promise<string> {
    return new CompactSign(payload).setProtectedHeader({ alg: SIGNING_ALG, typ, kid: this.keyId }).sign(this.#privateKey);
  }

  toJSON(): { keyId: string; publicJwk: SigningPublicJwk } {
    return { keyId: this.keyId, publicJwk: this.publicJwk };
  }

  [inspect.custom](): string {
    return `ServiceSigningKey { keyId: '${this.keyId}' }`;
  }
}

/** A new service signing key as a private JWK (to store) and its key id (to show admins). */
export async function generateServiceSigningKey(): Promise<{ privateJwk: SigningPrivateJwk; keyId: string }> {
  const pair = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const privateJwk = SigningPrivateJwkSchema.parse({ ...(await exportJWK(pair.privateKey)), alg: SIGNING_ALG, use: 'sig' });
  return { privateJwk, keyId: await jwkThumbprint(toPublicJwk(privateJwk)) };
}

/** Writes the private JWK owner-only (0600 in a 0700 folder). */
export async function saveServiceSigningKey(path: string, privateJwk: SigningPrivateJwk, options: WritePrivateFileOptions = {}): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(SigningPrivateJwkSchema.parse(privateJwk), null, 2)}\n`, options);
}

/**
 * Where the key comes from, as read once by the configuration: a file path
 * (refused if other users can read it), or the JWK JSON itself from a secret
 * store or environment variable.
 */
export type ServiceSigningKeySource = { file: string } | { jwkJson: string };

export async function loadServiceSigningKey(source: ServiceSigningKeySource): Promise<ServiceSigningKey> {
  const text = 'file' in source ? await readPrivateFile(source.file) : source.jwkJson;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('PROTOCOL_KEY_INVALID', 'The service signing key is not valid JSON.');
  }
  return ServiceSigningKey.fromJwk(json);
}
