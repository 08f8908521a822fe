import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JOURNAL_FILE } from './journal';

describe('the exactly-once journal', () => {
  test('an entry written before applying survives a restart until the job is reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const first = await Journal.open(dir);
    await first.recordApplying('job-1', 7, 'CN=a,OU=Staff,DC=x');
    await first.close();
    const second = await Journal.open(dir);
    expect(second.get('job-1')).toMatchObject({ version: 7, dn: 'CN=a,OU=Staff,DC=x' });
    await second.recordReported('job-1');
    await second.close();
    const third = await Journal.open(dir);
    expect(third.get('job-1')).toBeUndefined();
    await third.close();
    expect((await stat(join(dir, JOURNAL_FILE))).mode & 0o777).toBe(0o600);
  });

  test('a line torn by a crash is skipped and entries older than any job can live are dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const now = Date.now();
    await writeFile(join(dir, JOURNAL_FILE), [
      JSON.stringify({ t: 'applying', jobId: 'old', version: 1, dn: 'x', at: now - 3 * 3600_000 }),
      JSON.stringify({ t: 'applying', jobId: 'fresh', version: 2, dn: 'y', at: now }),
      '{"t":"applying","jobId":"torn","ver',
    ].join('\n'), { mode: 0o600 });
    const journal = await Journal.open(dir, () => now);
    expect(journal.get('old')).toBeUndefined();
    expect(journal.get('fresh')).toMatchObject({ version: 2 });
    expect(journal.get('torn')).toBeUndefined();
    await journal.close();
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).not.toContain('torn');
  });
});
