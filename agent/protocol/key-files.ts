import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProtocolError } from './errors';

// Owner-only files for private keys (and anything else secret the agent or
// the service keeps on disk). POSIX mode bits are the whole story on Linux;
// on Windows they do not reflect ACLs, so there the installer's ACL on the
// folder is what protects the file and the mode check is skipped.
const checksModeBits = process.platform !== 'win32';

export interface WritePrivateFileOptions {
  /** Replace an existing file. Off by default: losing a key strands every job sealed to it. */
  overwrite?: boolean;
}

/**
 * Writes `content` to `path` readable by the owner only (0600), creating the
 * folder as 0700 if needed. The file is written under a temporary name and
 * renamed, so a crash never leaves a half-written key behind.
 */
export async function writePrivateFile(path: string, content: string, options: WritePrivateFileOptions = {}): Promise<void> {
  const dir = dirname(path);
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined && checksModeBits) await chmod(dir, 0o700);

  if (!options.overwrite && (await exists(path))) {
    throw new ProtocolError('PROTOCOL_KEY_FILE_EXISTS', 'A key file already exists there; refusing to replace it.', { file: basename(path) });
  }

  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (checksModeBits) await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Reads a private file, refusing one that its group or anyone else could
 * read or write: a key that others could have read must be treated as leaked.
 */
export async function readPrivateFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ProtocolError('PROTOCOL_KEY_FILE_MISSING', 'The key file does not exist.', { file: basename(path) });
    }
    throw err;
  }
  try {
    // Checked on the open handle, so the file cannot be swapped between the check and the read.
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new ProtocolError('PROTOCOL_KEY_FILE_MISSING', 'The key path is not a regular file.', { file: basename(path) });
    }
    const mode = info.mode & 0o777;
    if (checksModeBits && (mode & 0o077) !== 0) {
      throw new ProtocolError(
        'PROTOCOL_KEY_FILE_INSECURE',
        `The key file is accessible to other users (mode ${mode.toString(8)}); run "chmod 600" on it and rotate the key if others may have read it.`,
        { file: basename(path), mode: mode.toString(8) },
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
