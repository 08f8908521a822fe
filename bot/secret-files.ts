// Secrets the service makes for itself and keeps in its data folder, readable
// by its own user only: the dev-mode code pepper, the management token the
// admin CLI on the same machine presents. Made on first use, read back after.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResetDeskError } from './errors';

/** The token the admin CLI presents to the management listener, unless RESETDESK_MANAGEMENT_TOKEN sets it. */
export const MANAGEMENT_TOKEN_FILE = 'management-token';

export async function loadOrCreateSecretFile(dataDir: string, name: string): Promise<{ secret: string; file: string; created: boolean }> {
  const file = join(dataDir, name);
  const existing = await readSecretFile(file);
  if (existing !== undefined) return { secret: existing, file, created: false };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    // wx: two processes starting at once must not each write a secret of their own.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return { secret, file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecretFile(dataDir, name);
    throw err;
  }
}

/** The secret in `file`, or undefined when there is no such file. */
export async function readSecretFile(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  const secret = text.trim();
  if (secret.length < 32) throw new ResetDeskError('CONFIG_INVALID', `${file} holds no usable secret (32+ characters); delete it and start again`);
  return secret;
}
