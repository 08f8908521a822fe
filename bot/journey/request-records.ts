// Moves between the domain's reset request and the store's row, and commits a
// domain transition: the new state, a fresh step token and the audit entry in
// one store call, so nothing is acknowledged before it is persisted.
import { issueStepToken } from '../domain/step-token';
import type { AuditEntryDraft } from '../domain/audit';
import type { CardStep } from '../domain/card-steps';
import type { ResetRequest as DomainRequest, Transition } from '../domain/reset-request';
import { ResetDeskError } from '../errors';
import type { AuditEntryInput, RequestPatch, ResetRequest as StoredRequest, Store, TransitionOptions } from '../store';

export function toDomain(row: StoredRequest): DomainRequest {
  if (!row.subject) throw new ResetDeskError('REQUEST_INVALID', 'This request has no account attached.', { requestId: row.id });
  return {
    id: row.id,
    tenantId: row.tenantId,
    ownerAadId: row.ownerAadId,
    ...(row.requestedBy ? { requestedBy: row.requestedBy } : {}),
    ...(row.ticket ? { ticket: row.ticket } : {}),
    kind: row.kind,
    state: row.state,
    privileged: row.privileged,
    privilegedBecause: row.privilegedBecause,
    methodsRequired: row.methodsRequired,
    methodsPassed: row.methodsPassed,
    approvalsRequired: row.approvalsRequired,
    approvedBy: row.approvedBy,
    subject: row.subject,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    ...(row.resultCode ? { resultCode: row.resultCode } : {}),
    ...(row.resultMessage ? { resultMessage: row.resultMessage } : {}),
  };
}

export function toAuditInput(draft: AuditEntryDraft): AuditEntryInput {
  return { actor: { kind: draft.actor.type, id: draft.actor.id }, action: draft.action, requestId: draft.requestId, details: draft.details };
}

export interface Committed {
  row: StoredRequest;
  /** The new one-use token for the next card's actions; null when the request is over. */
  stepToken: string | null;
}

type TrackedFields = Pick<StoredRequest, 'state' | 'privileged' | 'methodsRequired' | 'methodsPassed' | 'approvedBy' | 'expiresAt' | 'resultCode' | 'resultMessage'>;

function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

/** The fields of `next` that differ from `row`: only those are written (a wrong code changes none of them). */
function changedFields(row: StoredRequest, next: TrackedFields): Partial<TrackedFields> {
  const changed: Partial<TrackedFields> = {};
  for (const key of Object.keys(next) as (keyof TrackedFields)[]) {
    const before: unknown = row[key];
    const after: unknown = next[key];
    // Dates by their time (rows may carry Dates of another realm, so not by instanceof).
    const same = isDate(before) || isDate(after)
      ? isDate(before) && isDate(after) && before.getTime() === after.getTime()
      : Array.isArray(before) || Array.isArray(after)
        ? JSON.stringify(before) === JSON.stringify(after)
        : before === after;
    if (!same) (changed as Record<string, unknown>)[key] = after;
  }
  return changed;
}

/**
 * Persists `transition` on top of `row` (which must be the version the
 * transition was computed from). The previous card's actions stop working at
 * once: a new step token is issued for the card of `step`, and only that
 * card's verbs will be accepted with it; without a step (nothing to click
 * until an agent or approver answers) or once the request is finished, no
 * token is left at all. `earlier` are transitions that led from `row` to the
 * one computed `transition` starts from: written in the same store call, so
 * their audit entries come first, in order.
 */
export async function commitTransition(
  store: Store,
  row: StoredRequest,
  transition: Transition,
  extra: { step?: CardStep | null; patch?: RequestPatch; options?: TransitionOptions; keepToken?: boolean; earlier?: readonly Transition[] } = {},
): Promise<Committed> {
  const next = transition.request;
  const finished = ['succeeded', 'failed', 'denied', 'expired', 'closed'].includes(next.state);
  const step = finished ? null : (extra.step ?? null);
  const stepToken = extra.keepToken || step === null ? null : issueStepToken();
  const patch: RequestPatch = {
    ...changedFields(row, {
      state: next.state,
      privileged: next.privileged,
      methodsRequired: next.methodsRequired,
      methodsPassed: next.methodsPassed,
      approvedBy: next.approvedBy,
      expiresAt: next.expiresAt,
      resultCode: next.resultCode ?? null,
      resultMessage: next.resultMessage ?? null,
    }),
    ...(extra.keepToken ? {} : { stepToken, step }),
    ...extra.patch,
  };
  const audit = [...(extra.earlier ?? []), transition].map((t) => toAuditInput(t.audit));
  const saved = await store.transitionFrom(row, patch, audit, extra.options);
  return { row: saved, stepToken };
}
