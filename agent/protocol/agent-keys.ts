import { join } from 'node:path';
import { inspect } from 'node:util';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { z } from 'zod';
import { ProtocolError } from './errors';
import {
  EncryptionPrivateJwkSchema,
  importKeyFor,
  SigningPrivateJwkSchema,
  toPublicJwk,
  type EncryptionPrivateJwk,
  type EncryptionPublicJwk,
  type SigningPrivateJwk,
  type SigningPublicJwk,
} from './jwk';
import { KEY_WRAP_ALG, KEY_WRAP_CURVE, SIGNING_ALG } from './protocol-constants';
import { readPrivateFile, writePrivateFile, type WritePrivateFileOptions } from './key-files';

export const AGENT_KEYS_FILE = 'agent-keys.json';

export interface AgentPublicKeys {
  signingJwk: SigningPublicJwk;
  encryptionJwk: EncryptionPublicJwk;
}

/**
 * The agent's two private JWKs. Held in private fields so that logging,
 * `JSON.stringify` or `console.log` of this object (or of anything that
 * contains it) shows no key material; code that needs the keys asks for them
 * by name.
 */
export class AgentPrivateJwks {
  readonly #signing: SigningPrivateJwk;
  readonly #encryption: EncryptionPrivateJwk;

  constructor(signing: SigningPrivateJwk, encryption: EncryptionPrivateJwk) {
    this.#signing = signing;
    this.#encryption = encryption;
  }

  get signingJwk(): SigningPrivateJwk {
    return this.#signing;
  }

  get encryptionJwk(): EncryptionPrivateJwk {
    return this.#encryption;
  }

  toJSON(): string {
    return '[agent private keys redacted]';
  }

  [inspect.custom](): string {
    return 'AgentPrivateJwks [redacted]';
  }
}

export interface GeneratedAgentKeys {
  publicKeys: AgentPublicKeys;
  privateJwks: AgentPrivateJwks;
}

/** Keys imported for use: non-extractable, so even a heap dump path through jose cannot export them. */
export interface LoadedAgentKeys {
  publicKeys: AgentPublicKeys;
  signingKey: CryptoKey;
  encryptionKey: CryptoKey;
}

/** A fresh Ed25519 signing pair (lease tokens) and X25519 encryption pair (sealed passwords). */
export async function generateAgentKeys(): Promise<GeneratedAgentKeys> {
  const signing = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const encryption = await generateKeyPair(KEY_WRAP_ALG, { crv: KEY_WRAP_CURVE, extractable: true });
  const signingJwk = SigningPrivateJwkSchema.parse({ ...(await exportJWK(signing.privateKey)), alg: SIGNING_ALG, use: 'sig' });
  const encryptionJwk = EncryptionPrivateJwkSchema.parse({ ...(await exportJWK(encryption.privateKey)), alg: KEY_WRAP_ALG, use: 'enc' });
  return {
    publicKeys: { signingJwk: toPublicJwk(signingJwk), encryptionJwk: toPublicJwk(encryptionJwk) },
    privateJwks: new AgentPrivateJwks(signingJwk, encryptionJwk),
  };
}

const AgentKeysFileSchema = z.strictObject({
  version: z.literal(1),
  signing: SigningPrivateJwkSchema,
  encryption: EncryptionPrivateJwkSchema,
});

/** Saves both private keys to `<dir>/agent-keys.json` (file 0600, folder 0700). */
export async function saveAgentKeys(dir: string, privateJwks: AgentPrivateJwks, options: WritePrivateFileOptions = {}): Promise<string> {
  const path = join(dir, AGENT_KEYS_FILE);
  const body = { version: 1, signing: privateJwks.signingJwk, encryption: privateJwks.encryptionJwk };
  await writePrivateFile(path, `${JSON.stringify(body, null, 2)}\n`, options);
  return path;
}

/** Loads the agent's keys, refusing a file that other users could read. */
export async function loadAgentKeys(dir: string): Promise<LoadedAgentKeys> {
  const text = await readPrivateFile(join(dir, AGENT_KEYS_FILE));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('PROTOCOL_KEY_INVALID', 'The agent key file is not valid JSON.', { file: AGENT_KEYS_FILE });
  }
  const parsed = AgentKeysFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_KEY_INVALID', 'The agent key file does not hold an agent signing and encryption key.', {
      file: AGENT_KEYS_FILE,
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; '),
    });
  }
  return {
    publicKeys: { signingJwk: toPublicJwk(parsed.data.signing), encryptionJwk: toPublicJwk(parsed.data.encryption) },
    signingKey: await importKeyFor('signing-private', parsed.data.signing),
    encryptionKey: await importKeyFor('encryption-private', parsed.data.encryption),
  };
}
