// One leased job, from signed token to typed result: verify against the
// pinned service key, refuse a job this agent already finished, open the
// sealed password, check scope, apply once (password-write.ts: across
// restarts and agents), and describe the outcome in words safe to show the
// user. The password lives only in local variables here and is never logged
// or reported.
import { performance } from 'node:perf_hooks';
import type { CryptoKey } from 'jose';
import type { Logger } from 'pino';
import type { Directory, Target } from '../directory';
import { AgentError } from '../errors';
import {
  isDnInScope,
  isProtocolError,
  JOB_REFUSAL_CODES,
  openSealedPassword,
  preciseEpochMs,
  verifyJob,
  type InspectReport,
  type JobPayload,
  type JobResult,
  type LeasedJob,
  type ResultCode,
  type SigningPublicJwk,
} from '../protocol';
import type { EnrollmentState } from './agent-state';
import type { GatewayClient } from './gateway-client';
import type { Journal } from './journal';
import { OUT_OF_SCOPE, Refusal, writePasswordOnce, type WriteTimings } from './password-write';

/** Test-only fault injection (RESETDESK_AGENT_FAULT); see agent/README.md. */
export type AgentFault = 'crash-after-apply' | undefined;

export interface JobRunnerOptions {
  directory: Directory;
  enrollment: Pick<EnrollmentState, 'agentId' | 'audience'> & { serviceSigningJwk: SigningPublicJwk };
  encryptionKey: CryptoKey;
  managedOus: readonly string[];
  journal: Journal;
  /** Where write starts are announced (the service). */
  service: Pick<GatewayClient, 'writeStart'>;
  logger: Logger;
  now?: () => Date;
  fault?: AgentFault;
  /** How long a password write whose answer was lost is settled before it is reported unknown (default 2 minutes). */
  settleMs?: number;
}

/**
 * What the daemon does next: report a result; hand the lease back (nothing
 * was written); or drop the job (its lease is gone and another agent holds
 * it, so there is nothing to report).
 */
export type JobOutcome = { result: JobResult } | { release: true } | { dropped: true };

export const DEFAULT_SETTLE_MS = 120_000;

const UNAVAILABLE = 'The on-premises directory cannot be reached right now. Nothing was changed; please try again later.';

/** The result code and user-safe message for anything a job can fail with. */
export function resultForError(err: unknown): { code: ResultCode; message: string } {
  if (err instanceof Refusal) return { code: err.code, message: err.message };
  if (isProtocolError(err) && (JOB_REFUSAL_CODES as readonly string[]).includes(err.code)) {
    return { code: err.code as ResultCode, message: err.message };
  }
  if (err instanceof AgentError) {
    switch (err.code) {
      case 'AGENT_POLICY_VIOLATION':
      case 'AGENT_OUT_OF_SCOPE':
      case 'AGENT_PROTECTED_ACCOUNT':
      case 'AGENT_NOT_PERMITTED':
      case 'AGENT_WRONG_CURRENT_PASSWORD':
        return { code: err.code, message: err.message };
      case 'AGENT_DIRECTORY_UNAVAILABLE':
      case 'AGENT_TLS_FAILURE':
      case 'AGENT_BIND_FAILED':
      case 'AGENT_INSECURE_TRANSPORT':
        return { code: 'AGENT_DIRECTORY_UNAVAILABLE', message: UNAVAILABLE };
      case 'AGENT_USER_NOT_FOUND':
        return err.details.ambiguous
          ? { code: 'AGENT_USER_AMBIGUOUS', message: 'More than one account matches; please contact the helpdesk.' }
          : { code: 'AGENT_USER_NOT_FOUND', message: err.message };
      case 'AGENT_INVALID_TARGET':
        return { code: 'AGENT_USER_NOT_FOUND', message: 'The account was not found in the directory.' };
      case 'AGENT_ACCOUNT_LOCKED':
        return { code: 'AGENT_NOT_PERMITTED', message: err.message };
      case 'AGENT_PRIVILEGE_UNDETERMINED':
        // Usually a DC that failed mid-way; the message says what could not be checked.
        return { code: 'AGENT_DIRECTORY_UNAVAILABLE', message: err.message };
      case 'AGENT_PROTECTED_GROUP_MISSING':
        return { code: 'AGENT_INTERNAL_ERROR', message: 'ResetDesk\'s agent is misconfigured (a protected group it must check does not exist), so nothing was changed; please contact the helpdesk.' };
      default:
        break;
    }
  }
  return { code: 'AGENT_INTERNAL_ERROR', message: 'The change could not be completed because of an internal error; please contact the helpdesk.' };
}

/** Search by the identifier that survives renames first. */
export function targetOf(job: JobPayload): Target {
  const t = job.target;
  if (t.sid) return { sid: t.sid };
  if (t.guid) return { guid: t.guid };
  if (t.upn) return { upn: t.upn };
  return { samAccountName: t.sam! };
}

export class JobRunner {
  constructor(private readonly o: JobRunnerOptions) {}

  /**
   * Runs a leased job. `mayApply` is asked right before anything is written:
   * when it says no (the agent is shutting down), the lease is returned instead.
   */
  async run(leased: LeasedJob, mayApply: () => boolean): Promise<JobOutcome> {
    const log = this.o.logger.child({ jobId: leased.jobId });
    const started = performance.now();
    const startedAt = preciseEpochMs();
    const fail = (err: unknown): JobOutcome => {
      const { code, message } = resultForError(err);
      const level = code === 'AGENT_INTERNAL_ERROR' ? 'error' : 'warn';
      // Codes go under their own keys: the logger censors any field named "code" (enrollment codes).
      log[level]({ resultCode: code, cause: err instanceof Error ? { name: err.name, errorCode: (err as { code?: unknown }).code } : undefined }, 'job refused or failed');
      return { result: { jobId: leased.jobId, outcome: 'failed', code, message } };
    };

    let job: JobPayload;
    try {
      job = await verifyJob(leased.jws, {
        pinnedServiceJwk: this.o.enrollment.serviceSigningJwk,
        audience: this.o.enrollment.audience,
        ...(this.o.now ? { now: this.o.now } : {}),
      });
      if (job.jobId !== leased.jobId) throw new Refusal('PROTOCOL_JOB_INVALID', 'The signed job does not match the leased job.');
      // Checked on the verified id, so only a genuine job can be reported as a repeat.
      if (this.o.journal.isFinished(job.jobId)) {
        throw new Refusal('PROTOCOL_JOB_ALREADY_FINISHED', 'This agent already finished this job; it is not carried out a second time.');
      }
    } catch (err) {
      return fail(err);
    }
    log.info({ kind: job.kind, requestId: job.requestId }, 'job verified');

    try {
      const target = targetOf(job);
      if (job.kind === 'inspect') return this.ok(job, 'The account status was read.', await this.inspect(target));

      const secrets = await this.openSecrets(job);
      const verifyOpenMs = Math.round((performance.now() - started) * 100) / 100;
      const approvedPrivileged = job.options.approvedPrivileged === true;
      // The directory reads the account, checks scope and protection (and,
      // for a password, prechecks it); then, right before its one modify, it
      // asks here. Scope is checked again on the DN it read, and a
      // shutting-down agent writes nothing and hands the job back.
      const refuseOutOfScope = (dn: string): void => {
        if (!isDnInScope(dn, this.o.managedOus)) throw new Refusal('AGENT_OUT_OF_SCOPE', OUT_OF_SCOPE);
      };
      let released = false;
      const mayWrite = (): boolean => {
        released = !mayApply();
        return !released;
      };

      if (job.kind === 'unlock') {
        const done = await this.o.directory.unlock(target, {
          approvedPrivileged,
          beforeWrite: async ({ dn }) => {
            refuseOutOfScope(dn);
            return mayWrite();
          },
        });
        if (released) return { release: true };
        this.afterApply();
        return this.ok(job, done.wasLocked ? 'The account was unlocked.' : 'The account was not locked; nothing needed to change.');
      }

      const write = await writePasswordOnce(
        { directory: this.o.directory, journal: this.o.journal, service: this.o.service, managedOus: this.o.managedOus, settleMs: this.o.settleMs ?? DEFAULT_SETTLE_MS },
        { leased, job: job as JobPayload & { kind: 'reset' | 'change' }, target, password: secrets.password!, ...(secrets.currentPassword !== undefined ? { currentPassword: secrets.currentPassword } : {}), mayApply, log },
      );
      if ('release' in write || 'dropped' in write) return write;
      if ('unknown' in write) {
        return fail(new Refusal('AGENT_OUTCOME_UNKNOWN', 'The directory stopped answering while your new password was being saved, so ResetDesk cannot tell whether it took effect. Try signing in with it; if that does not work, start again or contact the helpdesk.'));
      }
      if (write.done === 'written') this.afterApply();
      return this.ok(job, job.options.mustChangeAtNextLogon ? 'The password was reset; it must be changed at the next sign-in.' : 'The password was changed.', undefined, { startedAt, verifyOpenMs, ...write.timings });
    } catch (err) {
      return fail(err);
    }
  }

  private async openSecrets(job: JobPayload): Promise<{ password?: string; currentPassword?: string }> {
    const { encryptionKey, enrollment } = this.o;
    if (job.kind === 'reset') return { password: await openSealedPassword(job.sealedPassword, encryptionKey, enrollment.agentId) };
    if (job.kind === 'change') {
      return {
        currentPassword: await openSealedPassword(job.sealedCurrentPassword, encryptionKey, enrollment.agentId),
        password: await openSealedPassword(job.sealedNewPassword, encryptionKey, enrollment.agentId),
      };
    }
    return {};
  }

  private async inspect(target: Target): Promise<InspectReport> {
    const info = await this.o.directory.inspect(target);
    if (!info.found) throw new Refusal('AGENT_USER_NOT_FOUND', 'The account was not found in the directory.');
    const s = info.status;
    return {
      locked: s.locked,
      disabled: s.disabled,
      mustChange: s.mustChangeAtNextLogon,
      passwordExpiresAt: s.passwordNeverExpires || !s.passwordExpiresAt ? null : s.passwordExpiresAt.toISOString(),
      privileged: info.privileged,
      inScope: isDnInScope(info.dn, this.o.managedOus),
      policy: { minLength: info.policy.minLength, complexity: info.policy.complexity, historyLength: info.policy.historyLength },
      privilegedBecause: info.privilegedBecause,
      privilegeGroups: info.privilegeReasons,
      passwordExpired: s.passwordExpired,
      passwordLastSetAt: s.passwordLastSetAt?.toISOString() ?? null,
      historyEnforcedOnReset: info.historyEnforcedOnReset,
    };
  }

  private afterApply(): void {
    if (this.o.fault === 'crash-after-apply') {
      this.o.logger.warn('test fault: crashing after the directory applied the change, before reporting');
      process.kill(process.pid, 'SIGKILL');
    }
  }

  private ok(job: JobPayload, message: string, inspect?: InspectReport, timings?: WriteTimings & { verifyOpenMs: number; startedAt: number }): JobOutcome {
    this.o.logger.info({ jobId: job.jobId, kind: job.kind, ...(timings ? { timings } : {}) }, 'job succeeded');
    return { result: { jobId: job.jobId, outcome: 'succeeded', code: 'OK', message, ...(inspect ? { inspect } : {}) } };
  }
}
