import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './admin-cli';
import { pgliteDirOf } from './config';
import { dumpAllTables } from './store/testing';
import { openStore } from './store';

describe('the service-side admin CLI', () => {
  test('prints a one-time enrollment code that the store keeps only as a hash, and that works once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'resetdesk-admin-'));
    try {
      let out = '';
      let err = '';
      const code = await main(['enrollment-code', '--ttl-minutes', '5', '--created-by', 'alex'], { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { RESETDESK_DATA_DIR: dataDir } });
      expect(code).toBe(0);
      const enrollmentCode = out.trim();
      expect(enrollmentCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      expect(err).toMatch(/works once/);
      const store = await openStore({ dataDir: pgliteDirOf(dataDir) });
      try {
        expect(await dumpAllTables(store)).not.toContain(enrollmentCode);
        await store.consumeEnrollmentCode(enrollmentCode);
        await expect(store.consumeEnrollmentCode(enrollmentCode)).rejects.toMatchObject({ code: 'ENROLL_CODE_USED' });
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('bad options are refused with the usage and nothing is issued', async () => {
    let err = '';
    const code = await main(['enrollment-code', '--ttl-minutes', '999'], { stdout: () => undefined, stderr: (t) => (err += t), env: { RESETDESK_DATA_DIR: '/nonexistent/never-created' } });
    expect(code).toBe(2);
    expect(err).toMatch(/ttl-minutes/);
  });
});
