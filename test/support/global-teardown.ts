import { rm } from 'node:fs/promises';
import { stopTestDirectory } from './test-directory';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.RESETDESK_TEST_RUN_DIR;
  if (!dir) return;
  await stopTestDirectory(dir);
  await rm(dir, { recursive: true, force: true });
}
