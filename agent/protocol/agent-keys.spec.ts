import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AGENT_KEYS_FILE, generateAgentKeys, loadAgentKeys, saveAgentKeys } from './agent-keys';
import { EncryptionPublicJwkSchema, SigningPublicJwkSchema } from './jwk';

const posixOnly = process.platform === 'win32' ? it.skip : it;

describe("an agent's own key pairs", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'resetdesk-agentkeys-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('are an Ed25519 signing pair and an X25519 encryption pair, with public halves that carry no private part', async () => {
    const keys = await generateAgentKeys();
    expect(SigningPublicJwkSchema.parse(keys.publicKeys.signingJwk)).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(EncryptionPublicJwkSchema.parse(keys.publicKeys.encryptionJwk)).toMatchObject({ kty: 'OKP', crv: 'X25519' });
    expect(keys.publicKeys.signingJwk).not.toHaveProperty('d');
    expect(keys.publicKeys.encryptionJwk).not.toHaveProperty('d');
    expect(keys.privateJwks.signingJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.privateJwks.encryptionJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differ for every agent', async () => {
    const a = await generateAgentKeys();
    const b = await generateAgentKeys();
    expect(a.publicKeys.signingJwk.x).not.toBe(b.publicKeys.signingJwk.x);
    expect(a.publicKeys.encryptionJwk.x).not.toBe(b.publicKeys.encryptionJwk.x);
  });

  it('never show their private parts when logged or serialised', async () => {
    const keys = await generateAgentKeys();
    const shown = [JSON.stringify(keys), inspect(keys, { depth: 10 }), String(keys.privateJwks)].join('\n');
    expect(shown).not.toContain(keys.privateJwks.signingJwk.d);
    expect(shown).not.toContain(keys.privateJwks.encryptionJwk.d);
  });

  posixOnly('are saved owner-only and load back as the same keys', async () => {
    const keys = await generateAgentKeys();
    const dir = join(root, 'state');
    const path = await saveAgentKeys(dir, keys.privateJwks);
    expect(path).toBe(join(dir, AGENT_KEYS_FILE));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const loaded = await loadAgentKeys(dir);
    expect(loaded.publicKeys).toEqual(keys.publicKeys);
    expect(loaded.signingKey).toMatchObject({ type: 'private', extractable: false, algorithm: { name: 'Ed25519' } });
    expect(loaded.encryptionKey).toMatchObject({ type: 'private', extractable: false, algorithm: { name: 'X25519' } });
  });

  posixOnly('are refused when the key file is world-readable', async () => {
    const keys = await generateAgentKeys();
    const path = await saveAgentKeys(root, keys.privateJwks);
    await chmod(path, 0o644);
    await expect(loadAgentKeys(root)).rejects.toMatchObject({ code: 'PROTOCOL_KEY_FILE_INSECURE' });
  });

  it('are refused when the key file holds something else, without echoing it', async () => {
    const keys = await generateAgentKeys();
    const path = await saveAgentKeys(root, keys.privateJwks);
    const body = JSON.parse(await readFile(path, 'utf8'));
    body.encryption.crv = 'P-256';
    await writeFile(path, JSON.stringify(body), { mode: 0o600 });
    const err = await loadAgentKeys(root).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string; details: unknown },
    );
    expect(err?.code).toBe('PROTOCOL_KEY_INVALID');
    expect(JSON.stringify({ message: err?.message, details: err?.details })).not.toContain(keys.privateJwks.signingJwk.d);
  });
});
