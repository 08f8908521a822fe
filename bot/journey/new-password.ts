// The new password: the card that asks for it with the rules that will be
// enforced (ours and the account's AD policy, as the agent read it), the
// checks before anything leaves the service, and the hand-off to the agent.
import type { InspectReport } from '../../agent/protocol';
import type { PasswordProblem, PasswordRules } from '../../cards';
import { applyEvent, driverOf, type RequestKind } from '../domain/reset-request';
import { checkNewPassword, effectiveMinLength, type AdPasswordPolicy } from '../domain/password-policy';
import { isResetDeskError, ResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import { assertState, guardClick, guardedRequest, NeedsFreshRead } from './click-guard';
import type { Actor, JourneyDeps } from './journey-deps';
import { failForDirectory, queueJob } from './queue-job';
import { commitTransition, toDomain } from './request-records';
import { giveUseBack, spendUse, usageSubjectsOf } from './usage-guard';
import { inspectOrNull } from './verification-options';
import { view, type View } from './views';

function adPolicyOf(report: InspectReport | undefined): AdPasswordPolicy | undefined {
  return report?.policy ? { minLength: report.policy.minLength, complexity: report.policy.complexity, historyLength: report.policy.historyLength } : undefined;
}

/**
 * A person changing their own password meets AD's history rule always; a
 * reset only where the agent's DC applies it to resets. The card promises
 * only what will be enforced.
 */
function historyApplies(kind: RequestKind, report: InspectReport | undefined): boolean {
  return kind === 'change' || report?.historyEnforcedOnReset === true;
}

export function passwordRules(deps: JourneyDeps, kind: RequestKind, report: InspectReport | undefined): PasswordRules {
  const ad = adPolicyOf(report);
  return {
    minLength: effectiveMinLength(deps.config.passwordPolicy, ad),
    complexity: ad?.complexity ?? false,
    ...(ad?.historyLength && historyApplies(kind, report) ? { historyLength: ad.historyLength } : {}),
    notNames: true,
    notCommon: true,
    notBreached: deps.config.passwordPolicy.breachedCheck !== undefined,
  };
}

export function passwordView(deps: JourneyDeps, row: StoredRequest, stepToken: string, report: InspectReport | undefined, problems: PasswordProblem[]): View {
  const data = { requestId: row.id, stepToken, rules: passwordRules(deps, row.kind, report), problems, accountName: row.subject?.samAccountName ?? '' };
  return row.kind === 'change' ? view('changePassword', data) : view('newPassword', data);
}

/** Shows the new-password card, and keeps the request as shown so the answer can be decided without reading it again. */
export function passwordStep(deps: JourneyDeps, row: StoredRequest, stepToken: string, report: InspectReport | undefined, problems: PasswordProblem[]): View {
  deps.snapshots.keep(row, []);
  return passwordView(deps, row, stepToken, report, problems);
}

/**
 * A new password. Decided on this replica's snapshot when the card was shown
 * from here (a round trip fewer at the busiest moment of a reset wave), else
 * on a fresh read. Safe as for code answers (request-snapshots.ts): every
 * write that decides the answer is guarded by the request's version, so a
 * stale snapshot makes it refuse, changing nothing, and the answer is then
 * decided again on what the database holds. Before that write nothing is
 * written but an account check an agent may be asked for, and a counted use
 * that is given back.
 */
export async function submitPassword(
  deps: JourneyDeps, actor: Actor, verb: 'password.submit' | 'password.submitChange', requestId: string, stepToken: string,
  newPassword: string, confirmPassword: string, currentPassword?: string,
): Promise<View> {
  const snapshot = deps.snapshots.take(requestId);
  if (snapshot) {
    try {
      const { request } = await guardClick(deps, actor, verb, snapshot, stepToken, { fromSnapshot: true });
      return await decidePassword(deps, request, newPassword, confirmPassword, currentPassword);
    } catch (err) {
      // The snapshot may be behind the database (another replica, a sweep): decide again on a fresh read.
      if (!(err instanceof NeedsFreshRead) && !isResetDeskError(err, 'STORE_VERSION_CONFLICT') && !isResetDeskError(err, 'STEP_OVER')) throw err;
    }
  }
  return decidePassword(deps, await guardedRequest(deps, actor, verb, requestId, stepToken), newPassword, confirmPassword, currentPassword);
}

async function decidePassword(deps: JourneyDeps, row: StoredRequest, newPassword: string, confirmPassword: string, currentPassword?: string): Promise<View> {
  if (row.kind !== 'reset' && row.kind !== 'change') throw new ResetDeskError('STEP_OVER', 'This step is over.');
  assertState(row, 'verified', 'approved');
  if (row.kind === 'change' && !currentPassword) throw new ResetDeskError('STEP_OVER', 'This step is over.');
  const request = toDomain(row);
  const report = (await inspectOrNull(deps, { sid: request.subject.onPremisesSid }, { reuseRecent: true })) ?? undefined;
  if (!report) return failForDirectory(deps, row);
  const ad = adPolicyOf(report);
  const violations = await checkNewPassword({
    newPassword,
    confirmPassword,
    user: { samAccountName: request.subject.samAccountName, displayName: request.subject.displayName, upn: request.subject.upn },
    ...(ad ? { adPolicy: ad } : {}),
    config: deps.config.passwordPolicy,
  });
  if (violations.length > 0) {
    const rejected = await commitTransition(deps.store, row, applyEvent(request, { type: 'passwordRejected', violationCodes: violations.map((v) => v.code) }, deps.now()), {
      step: row.kind === 'change' ? 'change_password' : 'new_password',
    });
    return passwordStep(deps, rejected.row, rejected.stepToken!, report, violations.map((v) => v.code as PasswordProblem));
  }
  if (row.kind === 'change') {
    // Each change is a guess at the live AD password: counted before it goes out, given back unless AD says it was wrong.
    await spendUse(deps, 'change_failure', usageSubjectsOf(request), driverOf(request), request.id);
    const giveBack = () => giveUseBack(deps, 'change_failure', usageSubjectsOf(request));
    try {
      return await queueJob(deps, row, 'change', { password: newPassword, ...(currentPassword ? { currentPassword } : {}) }, { ifNotQueued: giveBack });
    } catch (err) {
      await giveBack();
      throw err;
    }
  }
  // Where the DC can apply AD's history rule to a reset, the agent asks it to, as the card promised.
  return queueJob(deps, row, 'reset', { password: newPassword }, { jobOptions: { enforceHistory: report.historyEnforcedOnReset === true } });
}
