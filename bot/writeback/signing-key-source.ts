// Where the service's job-signing key comes from: a secret store (the JWK in
// the environment) or a file that is created, owner-only, on first start so a
// single-node install needs no extra step. Replicas must share one key.
import { stat } from 'node:fs/promises';
import type { Logger } from '../log';
import { generateServiceSigningKey, loadServiceSigningKey, saveServiceSigningKey, type ServiceSigningKey } from './crypto';

export async function obtainServiceSigningKey(source: { file: string } | { jwkJson: string }, logger: Logger): Promise<ServiceSigningKey> {
  if ('file' in source && !(await stat(source.file).then(() => true, () => false))) {
    const { privateJwk, keyId } = await generateServiceSigningKey();
    await saveServiceSigningKey(source.file, privateJwk);
    logger.info({ keyId, file: source.file }, 'created the service signing key');
  }
  const key = await loadServiceSigningKey(source);
  logger.info({ keyId: key.keyId }, 'service signing key loaded; agents pin this key id at enrollment');
  return key;
}
