import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One scratch folder per jest run; helpers that start real components (the
// Samba DC) record what they started there so global teardown can stop it.
export default async function globalSetup(): Promise<void> {
  process.env.RESETDESK_TEST_RUN_DIR = await mkdtemp(join(tmpdir(), 'resetdesk-run-'));
}
