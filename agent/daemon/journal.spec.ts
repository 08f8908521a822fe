import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JOURNAL_FILE, JOURNAL_MEMORY_MS } from './journal';
import { MAX_JOB_LIFETIME_SECONDS } from '../protocol';

describe('the exactly-once journal', () => {
  test('an entry written before applying survives a restart until the job is reported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const first = await Journal.open(dir);
    await first.recordApplying('job-1', 7, 'CN=a,OU=Staff,DC=x');
    await first.close();
    const second = await Journal.open(dir);
    expect(second.get('job-1')).toMatchObject({ version: 7, dn: 'CN=a,OU=Staff,DC=x' });
    await second.recordFinished('job-1');
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

  test('a finished job is remembered across restarts for longer than any signed job can live, then forgotten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    let now = Date.parse('2030-01-01T08:00:00Z');
    const clock = (): number => now;
    expect(JOURNAL_MEMORY_MS).toBeGreaterThan(MAX_JOB_LIFETIME_SECONDS * 1000);
    const first = await Journal.open(dir, clock);
    await first.recordApplying('reset-1', 3, 'CN=a,OU=Staff,DC=x');
    await first.recordFinished('reset-1');
    await first.recordFinished('unlock-1');
    expect(first.isFinished('reset-1')).toBe(true);
    expect(first.get('reset-1')).toBeUndefined();
    await first.close();

    now += MAX_JOB_LIFETIME_SECONDS * 1000 + 60_000;
    const second = await Journal.open(dir, clock);
    expect(second.isFinished('reset-1')).toBe(true);
    expect(second.isFinished('unlock-1')).toBe(true);
    expect(second.isFinished('never-seen')).toBe(false);
    // Refusing a replay later does not restart the clock on the id.
    await second.recordFinished('unlock-1');
    await second.close();

    now += JOURNAL_MEMORY_MS;
    const third = await Journal.open(dir, clock);
    expect(third.isFinished('reset-1')).toBe(false);
    expect(third.isFinished('unlock-1')).toBe(false);
    await third.close();
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).toBe('');
  });

  test('a journal from an agent that only knew "reported" entries still refuses those jobs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const now = Date.now();
    await writeFile(join(dir, JOURNAL_FILE), [
      JSON.stringify({ t: 'applying', jobId: 'old-style', version: 4, dn: 'x', at: now }),
      JSON.stringify({ t: 'reported', jobId: 'old-style', at: now }),
    ].join('\n'), { mode: 0o600 });
    const journal = await Journal.open(dir, () => now);
    expect(journal.get('old-style')).toBeUndefined();
    expect(journal.isFinished('old-style')).toBe(true);
    await journal.close();
  });

  test('a long-running agent\'s journal does not grow without bound', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    let now = Date.parse('2030-01-01T08:00:00Z');
    const journal = await Journal.open(dir, () => now);
    // Five thousand jobs, one a minute: far more than the memory holds at once.
    for (let i = 0; i < 5000; i++) {
      await journal.recordFinished(`job-${i}`);
      now += 60_000;
    }
    expect(journal.isFinished('job-4999')).toBe(true);
    expect(journal.isFinished('job-0')).toBe(false);
    await journal.close();
    const lines = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trim().split('\n');
    const keptAtMost = JOURNAL_MEMORY_MS / 60_000 + 1;
    expect(lines.length).toBeLessThan(keptAtMost + 1000 + 1);
    expect((await stat(join(dir, JOURNAL_FILE))).mode & 0o777).toBe(0o600);
  });
});
