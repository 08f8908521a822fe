// Writing a password exactly once, across restarts and across agents.
//
// The DC's own counter decides: the version of unicodePwd in the account's
// replPropertyMetaData grows by one on every write. Before its one modify the
// agent records the version it starts from twice: in its journal (for its own
// restarts) and at the service (for whichever agent takes the job over), and
// it writes only once the service has it. An agent handed a job whose write
// may have started reads the version again and decides (decideTakeOver). A
// modify whose answer was lost (the DC went away after it was sent) is settled
// the same way: the agent keeps the job, and reads the version again until a
// DC answers, rather than tell the person "nothing was changed".
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AboutToWrite, Directory, PasswordVersion, Target } from '../directory';
import { AgentError } from '../errors';
import { decideTakeOver, isDnInScope, type JobPayload, type LeasedJob, type ResultCode, type WriteStartAnswer } from '../protocol';
import { Backoff, sleep } from './backoff';
import { ServiceRefusedError, type GatewayClient } from './gateway-client';
import type { Journal } from './journal';

/** A refusal the agent reports with this code and user-safe message. */
export class Refusal extends Error {
  constructor(readonly code: ResultCode, message: string) {
    super(message);
  }
}

export const CHANGED_SINCE = 'The password was changed again since this request was made; it was not applied a second time.';
export const OUT_OF_SCOPE = 'This account is not managed by ResetDesk; please contact the helpdesk.';

/** Where one password job's time went, in milliseconds (the bench reads these from the log). */
export interface WriteTimings {
  /** From the directory call to the moment before the modify: the account read, policy and precheck. */
  readMs?: number;
  /** The journal line, fsync'd. */
  journalMs?: number;
  /** The write start reaching the service and its answer (runs beside the journal). */
  writeStartMs?: number;
  modifyMs?: number;
}

export type PasswordWriteOutcome =
  /** Written now, or found written by an earlier attempt: report success. */
  | { done: 'written' | 'found-written'; timings: WriteTimings }
  /** Nothing was written; hand the lease back (shutdown, or the write could not be announced in time). */
  | { release: true }
  /** The lease is no longer ours: another agent holds the job and decides. Report nothing. */
  | { dropped: true }
  /** A write may have happened and no DC answered in time to tell: report that, truthfully. */
  | { unknown: true };

export interface PasswordWriteDeps {
  directory: Pick<Directory, 'reset' | 'change' | 'passwordVersion'>;
  journal: Pick<Journal, 'get' | 'recordApplying'>;
  service: Pick<GatewayClient, 'writeStart'>;
  managedOus: readonly string[];
  /** How long a lost answer is settled (DCs asked again) before the outcome is reported unknown. */
  settleMs: number;
}

export interface PasswordWrite {
  leased: LeasedJob;
  job: JobPayload & { kind: 'reset' | 'change' };
  target: Target;
  password: string;
  currentPassword?: string;
  /** False once the agent is stopping: nothing new is written. */
  mayApply: () => boolean;
  log: Logger;
}

/** The service refused the write start because the lease is gone: stop, write nothing, report nothing. */
class LeaseLost extends Error {}

/** A failure after the modify was sent, without an answer from the DC: the write may or may not have happened. */
function answerLost(err: unknown): boolean {
  return err instanceof AgentError
    && (err.code === 'AGENT_DIRECTORY_UNAVAILABLE' || err.code === 'AGENT_DIRECTORY_ERROR')
    && err.details.ldapCode === undefined;
}

/** No DC could be asked (as opposed to one that answered "no"). */
function noDcAnswered(err: unknown): boolean {
  return err instanceof AgentError && (err.code === 'AGENT_DIRECTORY_UNAVAILABLE' || err.code === 'AGENT_TLS_FAILURE' || err.code === 'AGENT_BIND_FAILED');
}

export async function writePasswordOnce(d: PasswordWriteDeps, w: PasswordWrite): Promise<PasswordWriteOutcome> {
  const { job, leased, log } = w;
  const timings: WriteTimings = {};
  const inScope = (dn: string): void => {
    if (!isDnInScope(dn, d.managedOus)) throw new Refusal('AGENT_OUT_OF_SCOPE', OUT_OF_SCOPE);
  };

  /** Tells the service "writing from `version`" and renews the lease; typed outcomes for what the agent must do next. */
  const announce = async (version: number): Promise<WriteStartAnswer | 'lost' | 'unreachable'> => {
    try {
      return await d.service.writeStart({ jobId: job.jobId, leaseId: leased.leaseId, passwordVersion: version });
    } catch (err) {
      if (err instanceof ServiceRefusedError) {
        if (err.code === 'STORE_WRITE_VERSION_CONFLICT') throw new Refusal('AGENT_ALREADY_APPLIED', CHANGED_SINCE);
        if (err.code === 'STORE_LEASE_NOT_HELD' || err.code === 'STORE_NOT_FOUND') return 'lost';
      }
      log.warn({ errorCode: (err as { code?: unknown }).code ?? (err as Error).name }, 'could not announce the password write to the service');
      return 'unreachable';
    }
  };

  /**
   * Reads the password version, asking again while no DC answers; meanwhile
   * the job stays ours (the lease is renewed by announcing `holdVersion`), so
   * no other agent decides while this one may still learn the answer.
   */
  const versionPatiently = async (holdVersion: number): Promise<PasswordVersion | 'unknown' | 'dropped' | 'release'> => {
    const deadline = Date.now() + d.settleMs;
    const backoff = new Backoff({ initialMs: 250, maxMs: 5_000 });
    let said = false;
    for (;;) {
      try {
        return await d.directory.passwordVersion(w.target);
      } catch (err) {
        if (!noDcAnswered(err)) throw err;
      }
      if (!said) {
        log.warn({ passwordVersionBefore: holdVersion }, 'no domain controller answers; asking again before deciding whether the password was written');
        said = true;
      }
      // Stopping: the service keeps the version, and whoever leases the job next settles it.
      if (!w.mayApply()) return 'release';
      if (Date.now() >= deadline) return 'unknown';
      if ((await announce(holdVersion)) === 'lost') return 'dropped';
      await sleep(Math.min(backoff.next(), Math.max(1, deadline - Date.now())));
    }
  };

  // An earlier lease of this job (on any agent: the service says so) or an
  // earlier run of this agent (its journal) may have written already.
  const earlier = leased.earlierWrite?.passwordVersion ?? d.journal.get(job.jobId)?.version;
  if (earlier !== undefined) {
    const seen = await versionPatiently(earlier);
    if (seen === 'unknown') return { unknown: true };
    if (seen === 'dropped') return { dropped: true };
    if (seen === 'release') return { release: true };
    inScope(seen.dn);
    const { decision } = decideTakeOver(earlier, seen.version);
    log.info({ passwordVersionBefore: earlier, passwordVersionNow: seen.version, decision }, 'job whose write may have started before: decided from the password version');
    if (decision === 'applied') {
      log.warn({ passwordVersionBefore: earlier }, 'the password was already written by an earlier attempt; reporting it without writing again');
      return { done: 'found-written', timings };
    }
    if (decision === 'changed-since') throw new Refusal('AGENT_ALREADY_APPLIED', CHANGED_SINCE);
  }

  let from: number | undefined;
  let notWritten: 'release' | 'lost' | undefined;
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return Math.round(ms * 100) / 100;
  };
  const beforeWrite = async ({ dn, passwordVersion }: AboutToWrite): Promise<boolean> => {
    timings.readMs = lap();
    inScope(dn);
    if (passwordVersion === undefined) throw new Error('the directory did not read the password version');
    if (earlier !== undefined && passwordVersion !== earlier) throw new Refusal('AGENT_ALREADY_APPLIED', CHANGED_SINCE);
    if (!w.mayApply()) {
      notWritten = 'release';
      return false;
    }
    // Timed from before asking: the window is the service's promise that nobody else holds the job.
    const asked = performance.now();
    const [answer] = await Promise.all([
      announce(passwordVersion).then((a) => {
        timings.writeStartMs = Math.round((performance.now() - asked) * 100) / 100;
        return a;
      }),
      d.journal.recordApplying(job.jobId, passwordVersion, dn).then(() => {
        timings.journalMs = Math.round((performance.now() - asked) * 100) / 100;
      }),
    ]);
    if (answer === 'lost') {
      notWritten = 'lost';
      return false;
    }
    if (answer === 'unreachable' || performance.now() - asked > answer.writeWithinMs) {
      // Unannounced, or announced too long ago to be sure the job is still ours: write nothing.
      if (answer !== 'unreachable') log.warn({ writeWithinMs: answer.writeWithinMs }, 'the write start came back too late to write safely; handing the job back');
      notWritten = 'release';
      return false;
    }
    from = passwordVersion;
    lap();
    return true;
  };

  try {
    if (job.kind === 'reset') {
      await d.directory.reset(w.target, w.password, {
        approvedPrivileged: job.options.approvedPrivileged === true,
        beforeWrite,
        ...(job.options.mustChangeAtNextLogon !== undefined ? { mustChangeAtNextLogon: job.options.mustChangeAtNextLogon } : {}),
        ...(job.options.enforceHistory !== undefined ? { enforceHistory: job.options.enforceHistory } : {}),
        // A person who proved who they are and set a new password expects to sign in with it.
        unlock: true,
      });
    } else {
      await d.directory.change(w.target, w.currentPassword!, w.password, { approvedPrivileged: job.options.approvedPrivileged === true, beforeWrite });
    }
  } catch (err) {
    if (from === undefined || !answerLost(err)) throw err;
    // The modify went out and its answer never came: settle it from the version, as a takeover would.
    log.warn({ passwordVersionBefore: from, errorCode: (err as AgentError).code }, 'the domain controller went away after the password was sent; checking whether it was written');
    const seen = await versionPatiently(from);
    if (seen === 'unknown') return { unknown: true };
    if (seen === 'dropped') return { dropped: true };
    if (seen === 'release') return { release: true };
    const { decision } = decideTakeOver(from, seen.version);
    log.info({ passwordVersionBefore: from, passwordVersionNow: seen.version, decision }, 'lost answer settled from the password version');
    if (decision === 'applied') return { done: 'written', timings };
    if (decision === 'write') throw err; // it did not happen: the failure stands, and nothing was changed
    return { unknown: true };
  }
  if (notWritten === 'lost') return { dropped: true };
  if (notWritten === 'release') return { release: true };
  timings.modifyMs = lap();
  return { done: 'written', timings };
}
