import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { main } from './admin-cli';
import { pgliteDirOf } from './config';
import { dumpAllTables } from './store/testing';
import { openStore } from './store';

// Nothing listens on port 1: these tests exercise the CLI with the service stopped.
// Each test opens a PGlite data folder a few times: seconds each on a busy machine.
jest.setTimeout(180_000);

const STOPPED = { RESETDESK_MANAGEMENT_PORT: '1' };

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { ...STOPPED, ...env } });
  return { code, out, err };
}

function agentKey(): { kty: string; crv: string; x: string } {
  return { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') };
}

describe('the service-side admin CLI, with the service stopped', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'resetdesk-admin-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('prints a one-time enrollment code that the store keeps only as a hash, and that works once', async () => {
    const { code, out, err } = await cli(['enrollment-code', '--ttl-minutes', '5', '--created-by', 'alex'], { RESETDESK_DATA_DIR: dataDir });
    expect(code).toBe(0);
    const enrollmentCode = out.trim();
    expect(enrollmentCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(err).toMatch(/works once/);
    expect(err).toMatch(/compare the key thumbprint/);
    const store = await openStore({ dataDir: pgliteDirOf(dataDir) });
    try {
      expect(await dumpAllTables(store)).not.toContain(enrollmentCode);
      await store.consumeEnrollmentCode(enrollmentCode);
      await expect(store.consumeEnrollmentCode(enrollmentCode)).rejects.toMatchObject({ code: 'ENROLL_CODE_USED' });
    } finally {
      await store.close();
    }
  });

  test('works on a fresh install whose data folder does not exist yet', async () => {
    const fresh = join(dataDir, 'not-yet', 'there');
    const { code, out } = await cli(['enrollment-code'], { RESETDESK_DATA_DIR: fresh });
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  });

  test('lists agents with their key thumbprints, confirms one by name and revokes one by id; both are audited', async () => {
    const store = await openStore({ dataDir: pgliteDirOf(dataDir) });
    const [first, second] = [
      await store.registerAgent({ name: 'dc1-agent', signingJwk: agentKey(), encryptionJwk: { kty: 'OKP', crv: 'X25519', x: 'eA' }, managedOus: ['OU=Staff,DC=corp,DC=example'] }, { actor: { kind: 'system' }, action: 'agent.enrolled' }),
      await store.registerAgent({ name: 'dc2-agent', signingJwk: agentKey(), encryptionJwk: { kty: 'OKP', crv: 'X25519', x: 'eA' }, managedOus: ['OU=Staff,DC=corp,DC=example'] }, { actor: { kind: 'system' }, action: 'agent.enrolled' }),
    ];
    await store.close();

    const listed = await cli(['agents'], { RESETDESK_DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/NAME\s+ID\s+KEY THUMBPRINT\s+STATUS/);
    expect(listed.out).toMatch(new RegExp(`dc1-agent\\s+${first!.id}\\s+[A-Za-z0-9_-]{4}(-[A-Za-z0-9_-]{4}){4}\\s+waiting for confirmation`));

    expect(await cli(['agents', 'confirm', 'dc1-agent'], { RESETDESK_DATA_DIR: dataDir })).toMatchObject({ code: 0, out: expect.stringMatching(/dc1-agent .* confirmed/) });
    expect(await cli(['agents', 'revoke', second!.id], { RESETDESK_DATA_DIR: dataDir })).toMatchObject({ code: 0, out: expect.stringMatching(/dc2-agent .* revoked/) });
    // A revoked agent cannot be confirmed afterwards; an unknown one is named.
    expect(await cli(['agents', 'confirm', second!.id], { RESETDESK_DATA_DIR: dataDir })).toMatchObject({ code: 1, err: expect.stringMatching(/was revoked/) });
    expect(await cli(['agents', 'confirm', 'no-such-agent'], { RESETDESK_DATA_DIR: dataDir })).toMatchObject({ code: 1, err: expect.stringMatching(/No agent has the id or name "no-such-agent"/) });

    const again = await openStore({ dataDir: pgliteDirOf(dataDir) });
    try {
      const actions = (await again.listAudit({ limit: 100 })).map((a) => `${a.action}:${a.actor.kind}`);
      expect(actions).toEqual(expect.arrayContaining(['agent.confirmed:admin', 'agent.revoked:admin']));
    } finally {
      await again.close();
    }
  });

  test('bad options are refused with the usage and nothing is issued', async () => {
    const { code, err } = await cli(['enrollment-code', '--ttl-minutes', '999'], { RESETDESK_DATA_DIR: '/nonexistent/never-created' });
    expect(code).toBe(2);
    expect(err).toMatch(/ttl-minutes/);
    expect((await cli(['agents', 'delete', 'x'], {})).code).toBe(2);
  });
});
