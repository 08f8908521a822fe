// The exactly-once journal. Before the agent writes a password it records,
// and fsyncs, the job id and the account's current password version (the
// unicodePwd version in replPropertyMetaData, which grows by one per write).
// If the agent dies before it reports, the re-leased job finds the entry: a
// version grown by one means AD already applied this job, so it is reported
// as done instead of applied a second time.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../protocol';

export const JOURNAL_FILE = 'journal.jsonl';
// A signed job lives at most an hour; entries older than that cannot come back.
const KEEP_MS = 2 * 3600_000;

const EntrySchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('applying'), jobId: z.string(), version: z.number().int().nonnegative(), dn: z.string(), at: z.number() }),
  z.strictObject({ t: z.literal('reported'), jobId: z.string(), at: z.number() }),
]);
type Entry = z.infer<typeof EntrySchema>;

export interface JournalRecord {
  jobId: string;
  /** The password version before this job wrote. */
  version: number;
  dn: string;
  at: number;
}

export class Journal {
  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private readonly open: Map<string, JournalRecord>,
    private readonly now: () => number,
  ) {}

  /** Opens the journal in `dir`, dropping finished and stale entries (the file is rewritten atomically). */
  static async open(dir: string, now: () => number = Date.now): Promise<Journal> {
    const path = join(dir, JOURNAL_FILE);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const pending = new Map<string, JournalRecord>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let entry: Entry;
      try {
        entry = EntrySchema.parse(JSON.parse(line));
      } catch {
        continue; // a line torn by a crash mid-write: the fsync'd lines before it still count
      }
      if (entry.t === 'applying') pending.set(entry.jobId, { jobId: entry.jobId, version: entry.version, dn: entry.dn, at: entry.at });
      else pending.delete(entry.jobId);
    }
    for (const [id, r] of pending) if (now() - r.at > KEEP_MS) pending.delete(id);
    const body = [...pending.values()].map((r) => JSON.stringify({ t: 'applying', ...r })).join('\n');
    await writePrivateFile(path, body ? `${body}\n` : '', { overwrite: true });
    const handle = await open(path, 'a', 0o600);
    return new Journal(path, handle, pending, now);
  }

  get(jobId: string): JournalRecord | undefined {
    return this.open.get(jobId);
  }

  /** Durable before it returns: the write must not happen unless this record is on disk. */
  async recordApplying(jobId: string, version: number, dn: string): Promise<void> {
    const record = { jobId, version, dn, at: this.now() };
    await this.append({ t: 'applying', ...record });
    this.open.set(jobId, record);
  }

  async recordReported(jobId: string): Promise<void> {
    if (!this.open.has(jobId)) return;
    await this.append({ t: 'reported', jobId, at: this.now() });
    this.open.delete(jobId);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async append(entry: Entry): Promise<void> {
    await this.handle.appendFile(`${JSON.stringify(entry)}\n`, 'utf8');
    await this.handle.sync();
  }

  toString(): string {
    return `Journal(${this.path})`;
  }
}
