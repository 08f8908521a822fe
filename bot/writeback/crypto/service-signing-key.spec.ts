import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { jwkThumbprint } from '../../../agent/protocol';
import { createLogger } from '../../log';
import { generateServiceSigningKey, loadServiceSigningKey, saveServiceSigningKey, ServiceSigningKey } from './service-signing-key';

const posixOnly = process.platform === 'win32' ? it.skip : it;

describe("the service's job-signing key", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'resetdesk-servicekey-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is an Ed25519 key whose id is its JWK thumbprint', async () => {
    const { privateJwk, keyId } = await generateServiceSigningKey();
    const key = await ServiceSigningKey.fromJwk(privateJwk);
    expect(key.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.keyId).toBe(keyId);
    expect(keyId).toBe(await jwkThumbprint(key.publicJwk));
  });

  posixOnly('is saved owner-only and loads back from its file', async () => {
    const { privateJwk, keyId } = await generateServiceSigningKey();
    const path = join(root, 'secrets', 'service-signing.jwk.json');
    await saveServiceSigningKey(path, privateJwk);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadServiceSigningKey({ file: path })).keyId).toBe(keyId);
  });

  posixOnly('is refused from a file that other users can read', async () => {
    const { privateJwk } = await generateServiceSigningKey();
    const path = join(root, 'service-signing.jwk.json');
    await saveServiceSigningKey(path, privateJwk);
    await chmod(path, 0o644);
    await expect(loadServiceSigningKey({ file: path })).rejects.toMatchObject({ code: 'PROTOCOL_KEY_FILE_INSECURE' });
  });

  it('loads from JWK JSON handed over by a secret store or environment variable', async () => {
    const { privateJwk, keyId } = await generateServiceSigningKey();
    expect((await loadServiceSigningKey({ jwkJson: JSON.stringify(privateJwk) })).keyId).toBe(keyId);
  });

  it.each([
    ['not JSON', (d: string) => `{"d":"${d}"`],
    ['only a public key', (_d: string, x: string) => JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x })],
    ['a key for another curve', (d: string, x: string) => JSON.stringify({ kty: 'OKP', crv: 'X25519', x, d })],
  ])('is refused when the configured value is %s, without repeating it', async (_label, make) => {
    const { privateJwk } = await generateServiceSigningKey();
    const err = await loadServiceSigningKey({ jwkJson: make(privateJwk.d, privateJwk.x) }).then(
      () => new Error('expected a refusal') as Error & { code?: string },
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err.code).toBe('PROTOCOL_KEY_INVALID');
    expect(JSON.stringify({ m: err.message, d: (err as { details?: unknown }).details, s: err.stack })).not.toContain(privateJwk.d);
  });

  it('never shows its private part when logged, serialised or inspected', async () => {
    const { privateJwk } = await generateServiceSigningKey();
    const key = await ServiceSigningKey.fromJwk(privateJwk);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'debug', name: 'test' }, sink);
    log.info({ key, config: { signing: key } }, 'service key loaded');
    log.info({ keyId: key.keyId, publicJwk: key.publicJwk }, 'service key id');
    const shown = [...lines, JSON.stringify(key), inspect(key, { depth: 10, showHidden: true }), String(key)].join('\n');
    expect(lines.length).toBe(2);
    expect(shown).toContain(key.keyId);
    expect(shown).not.toContain(privateJwk.d);
  });
});
