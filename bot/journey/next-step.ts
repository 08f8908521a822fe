// What follows verification (or an approval): approval first for privileged
// accounts, then the new-password card for a reset or change, or straight to
// the agent for an unlock or a status check.
import type { InspectReport } from '../../agent/protocol';
import type { CardStep } from '../domain/card-steps';
import { requiresApproval } from '../domain/approval-policy';
import type { ResetRequest as DomainRequest } from '../domain/reset-request';
import { ResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import { passwordStep } from './new-password';
import { queueJob } from './queue-job';
import { setTemporaryPassword } from './temporary-password-delivery';
import { toDomain } from './request-records';
import { requestApproval } from './request-approval';
import { inspectOrNull } from './verification-options';
import type { View } from './views';

/** Whether a verified request goes to approval first; status checks change nothing and never do. */
export function needsApproval(deps: JourneyDeps, request: DomainRequest): boolean {
  return request.kind !== 'status' && request.state === 'verified' && (request.approvalsRequired > 0 || requiresApproval(request, deps.config.approval));
}

/** The card a request shows once verified (or approved): the password card of its kind, or none (approval and jobs commit steps of their own). */
export function stepWhenVerified(deps: JourneyDeps, request: DomainRequest): CardStep | null {
  if (needsApproval(deps, request)) return null;
  return passwordStepOf(request);
}

/** A person types their own new password; a helpdesk reset sets a generated one, so it has no password card. */
export function passwordStepOf(request: Pick<DomainRequest, 'kind' | 'requestedBy'>): CardStep | null {
  if (request.requestedBy !== undefined) return null;
  return request.kind === 'reset' ? 'new_password' : request.kind === 'change' ? 'change_password' : null;
}

export async function afterVerified(deps: JourneyDeps, row: StoredRequest, stepToken: string | null, report: InspectReport | undefined): Promise<View> {
  if (needsApproval(deps, toDomain(row))) return requestApproval(deps, row);
  return nextStepView(deps, row, stepToken, report);
}

export async function nextStepView(deps: JourneyDeps, row: StoredRequest, stepToken: string | null, report: InspectReport | undefined): Promise<View> {
  if (row.requestedBy && row.kind === 'reset') return setTemporaryPassword(deps, row);
  switch (row.kind) {
    case 'reset':
    case 'change':
      if (!stepToken) throw new ResetDeskError('STEP_OVER', 'This step is over.');
      return passwordStep(deps, row, stepToken, report ?? (await inspectOrNull(deps, { sid: row.subject!.onPremisesSid }, { reuseRecent: true })) ?? undefined, []);
    case 'unlock':
      return queueJob(deps, row, 'unlock', {});
    case 'status':
      return queueJob(deps, row, 'inspect', {});
  }
}
