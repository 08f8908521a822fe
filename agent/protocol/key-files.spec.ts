import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProtocolError } from './errors';
import { readPrivateFile, writePrivateFile } from './key-files';

const posixOnly = process.platform === 'win32' ? it.skip : it;

describe('private key files on disk', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'resetdesk-keyfiles-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  posixOnly('are written readable by their owner only, in a folder only the owner can enter', async () => {
    const path = join(root, 'keys', 'secret.json');
    await writePrivateFile(path, '{"k":1}');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await readPrivateFile(path)).toBe('{"k":1}');
    expect(await readdir(join(root, 'keys'))).toEqual(['secret.json']);
  });

  posixOnly('are owner-only even under a permissive umask', async () => {
    const previous = process.umask(0o000);
    try {
      const path = join(root, 'loose', 'secret.json');
      await writePrivateFile(path, 'x');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(root, 'loose'))).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('are not silently replaced', async () => {
    const path = join(root, 'secret.json');
    await writePrivateFile(path, 'first');
    await expect(writePrivateFile(path, 'second')).rejects.toMatchObject({ code: 'PROTOCOL_KEY_FILE_EXISTS' });
    expect(await readPrivateFile(path)).toBe('first');
    await writePrivateFile(path, 'second', { overwrite: true });
    expect(await readPrivateFile(path)).toBe('second');
  });

  posixOnly.each([
    ['world-readable', 0o604],
    ['group-readable', 0o640],
    ['world-writable', 0o602],
    ['readable by everyone', 0o644],
  ])('are refused when %s', async (_label, mode) => {
    const path = join(root, 'secret.json');
    await writeFile(path, 'secret-material');
    await chmod(path, mode);
    const err = await readPrivateFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isProtocolError(err, 'PROTOCOL_KEY_FILE_INSECURE')).toBe(true);
    expect(String((err as Error).message)).not.toContain('secret-material');
  });

  it('report a missing file with its own code', async () => {
    await expect(readPrivateFile(join(root, 'nope.json'))).rejects.toMatchObject({ code: 'PROTOCOL_KEY_FILE_MISSING' });
  });

  it('refuse a folder in place of a file', async () => {
    await expect(readPrivateFile(root)).rejects.toMatchObject({ code: expect.stringMatching(/PROTOCOL_KEY_FILE_(MISSING|INSECURE)/) });
  });
});
