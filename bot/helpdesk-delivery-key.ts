// The service's own sealing key, for the one secret it must hold for a while:
// a helpdesk reset's temporary password, from the moment it is chosen until
// the agent has set it and the service sends it to the person (or shows it
// once to the helpdesk member). Only ciphertext is stored; the key lives in a
// file made owner-only on first start (or in a secret store), like the
// job-signing key, and every replica must use the same one.
import { stat, readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ResetDeskError } from './errors';
import type { Logger } from './log';

export interface DeliverySeal {
  seal(secret: string): Promise<string>;
  /** The secret, or DELIVERY_UNREADABLE when the ciphertext was not sealed with this key or was altered. */
  open(sealed: string): Promise<string>;
}

const ALG = 'ECDH-ES';
const ENC = 'A256GCM';

async function newKeyFile(file: string): Promise<void> {
  const { privateKey } = await generateKeyPair(ALG, { crv: 'X25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify({ ...jwk, use: 'enc', alg: ALG })}\n`, { mode: 0o600, flag: 'wx' });
}

export async function obtainDeliverySeal(source: { file: string } | { jwkJson: string }, logger: Logger): Promise<DeliverySeal> {
  if ('file' in source && !(await stat(source.file).then(() => true, () => false))) {
    await newKeyFile(source.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    logger.info({ file: source.file }, 'created the service delivery key');
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse('file' in source ? await readFile(source.file, 'utf8') : source.jwkJson) as JWK;
  } catch {
    throw new ResetDeskError('CONFIG_INVALID', 'The service delivery key is not a JSON Web Key.');
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'X25519' || typeof jwk.d !== 'string') {
    throw new ResetDeskError('CONFIG_INVALID', 'The service delivery key must be a private X25519 JSON Web Key.');
  }
  const { d: _private, ...publicJwk } = jwk;
  const privateKey = await importJWK(jwk, ALG);
  const publicKey = await importJWK(publicJwk, ALG);
  return {
    async seal(secret) {
      return new CompactEncrypt(new TextEncoder().encode(secret)).setProtectedHeader({ alg: ALG, enc: ENC }).encrypt(publicKey);
    },
    async open(sealed) {
      try {
        const { plaintext } = await compactDecrypt(sealed, privateKey, { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC] });
        return new TextDecoder().decode(plaintext);
      } catch {
        throw new ResetDeskError('DELIVERY_UNREADABLE', 'The temporary password could not be opened with this service\'s delivery key.');
      }
    },
  };
}
