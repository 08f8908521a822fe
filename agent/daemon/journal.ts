// The agent's journal, one fsync'd line per fact, in its state folder.
//
// Exactly once: before the agent writes a password it records the job id and
// the account's current password version (the unicodePwd version in
// replPropertyMetaData, which grows by one per write). If the agent dies
// before it reports, the re-leased job finds the entry: a version grown by
// one means AD already applied this job, so it is reported as done instead
// of applied a second time.
//
// At most once: every job the agent finished (reported, or that the service
// no longer wanted) is remembered, whatever its kind, so the same job id is
// refused if it ever comes back: a service that re-queues a finished job, or
// someone replaying a captured one, cannot have it applied twice.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_JOB_LIFETIME_SECONDS, ProtocolIdSchema, writePrivateFile } from '../protocol';

export const JOURNAL_FILE = 'journal.jsonl';

/**
 * How long an entry is kept: twice the longest a signed job can live. By
 * then the job's token has expired, clock tolerance included, so the agent
 * refuses it as expired and no longer needs to remember its id.
 */
export const JOURNAL_MEMORY_MS = 2 * MAX_JOB_LIFETIME_SECONDS * 1000;

// The file only grows between rewrites; one is due once this many lines were
// appended and most of them are no longer needed.
const REWRITE_AFTER_LINES = 1000;

const At = z.number().int().nonnegative();
const EntrySchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('applying'), jobId: ProtocolIdSchema, version: z.number().int().nonnegative(), dn: z.string().max(4096), at: At }),
  z.strictObject({ t: z.literal('finished'), jobId: ProtocolIdSchema, at: At }),
  // Written by agents from before finished jobs were remembered; it means the same.
  z.strictObject({ t: z.literal('reported'), jobId: ProtocolIdSchema, at: At }),
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
  /** Lines appended since the file was last rewritten. */
  private appended = 0;
  /** Appends and rewrites one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private readonly pending: Map<string, JournalRecord>,
    /** Finished job ids and when they finished. */
    private readonly finished: Map<string, number>,
    private readonly now: () => number,
  ) {}

  /** Opens the journal in `dir`, dropping what it no longer needs (the file is rewritten atomically). */
  static async open(dir: string, now: () => number = Date.now): Promise<Journal> {
    const path = join(dir, JOURNAL_FILE);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const pending = new Map<string, JournalRecord>();
    const finished = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let entry: Entry;
      try {
        entry = EntrySchema.parse(JSON.parse(line));
      } catch {
        continue; // a line torn by a crash mid-write: the fsync'd lines before it still count
      }
      if (entry.t === 'applying') {
        pending.set(entry.jobId, { jobId: entry.jobId, version: entry.version, dn: entry.dn, at: entry.at });
      } else {
        pending.delete(entry.jobId);
        if (!finished.has(entry.jobId)) finished.set(entry.jobId, entry.at);
      }
    }
    forgetOld(pending, finished, now());
    await writePrivateFile(path, bodyOf(pending, finished), { overwrite: true });
    return new Journal(path, await open(path, 'a', 0o600), pending, finished, now);
  }

  get(jobId: string): JournalRecord | undefined {
    return this.pending.get(jobId);
  }

  /** True when this agent already finished a job with this id (within JOURNAL_MEMORY_MS). */
  isFinished(jobId: string): boolean {
    const at = this.finished.get(jobId);
    return at !== undefined && this.now() - at <= JOURNAL_MEMORY_MS;
  }

  /** Durable before it returns: the write must not happen unless this record is on disk. */
  async recordApplying(jobId: string, version: number, dn: string): Promise<void> {
    const record = { jobId, version, dn, at: this.now() };
    await this.serially(() => this.append({ t: 'applying', ...record }));
    this.pending.set(jobId, record);
  }

  /** The job is over for this agent (reported, or the service no longer wants it): never run it again. */
  async recordFinished(jobId: string): Promise<void> {
    // The first finish counts: a replay refused later must not extend how long the id is kept.
    if (this.isFinished(jobId) && !this.pending.has(jobId)) return;
    const at = this.now();
    await this.serially(async () => {
      await this.append({ t: 'finished', jobId, at });
      this.pending.delete(jobId);
      if (!this.finished.has(jobId)) this.finished.set(jobId, at);
      forgetOld(this.pending, this.finished, this.now());
      if (this.appended >= REWRITE_AFTER_LINES && this.appended > 2 * (this.pending.size + this.finished.size)) await this.rewrite();
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.handle.close();
  }

  toString(): string {
    return `Journal(${this.path})`;
  }

  /** Replaces the file with only what is still needed; written aside and renamed, so a crash leaves the old or the new file. */
  private async rewrite(): Promise<void> {
    await writePrivateFile(this.path, bodyOf(this.pending, this.finished), { overwrite: true });
    const old = this.handle;
    this.handle = await open(this.path, 'a', 0o600);
    this.appended = 0;
    await old.close().catch(() => undefined);
  }

  private async append(entry: Entry): Promise<void> {
    await this.handle.appendFile(`${JSON.stringify(entry)}\n`, 'utf8');
    await this.handle.sync();
    this.appended += 1;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function forgetOld(pending: Map<string, JournalRecord>, finished: Map<string, number>, now: number): void {
  const cutoff = now - JOURNAL_MEMORY_MS;
  for (const [id, r] of pending) if (r.at < cutoff) pending.delete(id);
  for (const [id, at] of finished) if (at < cutoff) finished.delete(id);
}

function bodyOf(pending: Map<string, JournalRecord>, finished: Map<string, number>): string {
  const lines = [
    ...[...finished].map(([jobId, at]) => JSON.stringify({ t: 'finished', jobId, at })),
    ...[...pending.values()].map((r) => JSON.stringify({ t: 'applying', ...r })),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}
