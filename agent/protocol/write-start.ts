// Exactly once across agents. A password write is decided by the DC's own
// counter: the version of `unicodePwd` in the account's replPropertyMetaData,
// which grows by one on every write. Before it writes, an agent tells the
// service the version it starts from ("write start"); the service keeps it on
// the job and hands it to whichever agent leases the job next. That agent
// reads the version again and decides with `decideTakeOver`.
//
// The service accepts a write start only from the agent holding the job's
// current lease, renews the lease, and fixes the version once: a later write
// start for the same job must name the same version. The agent starts its
// modify within `writeWithinMs` of asking (timed from before it asked) or not
// at all, and the lease outlives that window by more than a modify may take,
// so no two agents can be writing the same job at once.
import { z } from 'zod';
import { ProtocolIdSchema } from './ids';

/** unicodePwd's replication version: 0 for a password never set, then one more per write. */
export const PasswordVersionSchema = z.number().int().min(0).max(2 ** 31 - 1);

/** The agent's "about to write, from version N" for the job it holds. */
export const WriteStartSchema = z.strictObject({
  jobId: ProtocolIdSchema,
  /** The lease it holds (`leaseId` of the lease response): a lapsed and re-leased job is refused. */
  leaseId: ProtocolIdSchema,
  passwordVersion: PasswordVersionSchema,
});
export type WriteStart = z.infer<typeof WriteStartSchema>;

export const WriteStartAnswerSchema = z.strictObject({
  jobId: ProtocolIdSchema,
  /** The version the job's write starts from, as the service keeps it (always the one asked for). */
  passwordVersion: PasswordVersionSchema,
  /** Start the modify within this many milliseconds of sending the write start, or do not start it. */
  writeWithinMs: z.number().int().min(0).max(3_600_000),
});
export type WriteStartAnswer = z.infer<typeof WriteStartAnswerSchema>;

/** What the service knows of an earlier attempt's write, handed out with the lease. */
export const EarlierWriteSchema = z.strictObject({ passwordVersion: PasswordVersionSchema });
export type EarlierWrite = z.infer<typeof EarlierWriteSchema>;

/**
 * The lease a write start renews outlives the write window by this share of
 * the lease: the window is half the lease, so a modify started at the last
 * moment still has half a lease (30 s by default, twice the agent's default
 * operation timeout) before anyone else may take the job.
 */
export function writeWindowMs(leaseMs: number): number {
  return Math.floor(leaseMs / 2);
}

export type TakeOverDecision =
  /** The earlier attempt's write happened: report success, write nothing. */
  | { decision: 'applied' }
  /** It did not happen: write now (from the same version). */
  | { decision: 'write' }
  /** Someone else changed the password since: neither ours to claim nor to repeat. */
  | { decision: 'changed-since' };

/** Decides a job whose write may have started before, from the version then and the version now. */
export function decideTakeOver(versionBefore: number, versionNow: number): TakeOverDecision {
  if (versionNow === versionBefore + 1) return { decision: 'applied' };
  if (versionNow === versionBefore) return { decision: 'write' };
  return { decision: 'changed-since' };
}
