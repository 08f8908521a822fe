// The journey's side of the usage limits: count a use before doing the thing,
// give it back when it turned out not to count (a right code, a message that
// never went out), and turn a refusal into an audited, counted error whose
// card says until when. One place, so every flow refuses the same way.
import type { AuditActor } from '../domain/audit';
import { limitReachedError, type LimitedAction, type LimitSubjects, type UsageLimits } from '../domain/usage-limits';
import type { ResetRequest as DomainRequest } from '../domain/reset-request';
import { driverOf } from '../domain/reset-request';
import type { BotMetrics } from '../metrics';
import type { Store, UsageCheck } from '../store';

export interface UsageGuardDeps {
  store: Store;
  metrics: BotMetrics;
  config: { limits: UsageLimits };
}

/** Who a request's uses count against: whoever drives it, and the account it acts on. */
export function usageSubjectsOf(request: Pick<DomainRequest, 'ownerAadId' | 'requestedBy' | 'subject'>): LimitSubjects {
  return { person: driverOf(request).id, account: request.subject.onPremisesSid };
}

function checkOf(deps: UsageGuardDeps, action: LimitedAction, who: LimitSubjects): UsageCheck {
  return {
    action,
    subjects: [{ scope: 'person', subject: who.person }, ...(who.account ? [{ scope: 'account' as const, subject: who.account }] : [])],
    ...deps.config.limits[action],
  };
}

async function refuse(deps: UsageGuardDeps, action: LimitedAction, verdict: { scope: 'person' | 'account'; until: Date }, actor: AuditActor, requestId?: string): Promise<never> {
  deps.metrics.limitRefusals.inc({ action, scope: verdict.scope });
  await deps.store.appendAudit({
    action: 'limit.reached',
    actor: { kind: actor.type, id: actor.id },
    requestId: requestId ?? null,
    details: { limit: action, scope: verdict.scope, until: verdict.until.toISOString() },
  });
  throw limitReachedError(action, verdict.scope, verdict.until);
}

/** Counts one use of `action`, or refuses (audited, counted, LIMIT_REACHED) when the person or the account is at its limit. */
export async function spendUse(deps: UsageGuardDeps, action: LimitedAction, who: LimitSubjects, actor: AuditActor, requestId?: string): Promise<void> {
  const verdict = await deps.store.consumeUsage(checkOf(deps, action, who));
  if (!verdict.allowed) await refuse(deps, action, verdict, actor, requestId);
}

/** Refuses like spendUse when `action` is already at its limit, without counting a use (e.g. no code is sent that could not be checked). */
export async function ensureUseLeft(deps: UsageGuardDeps, action: LimitedAction, who: LimitSubjects, actor: AuditActor, requestId?: string): Promise<void> {
  const verdict = await deps.store.peekUsage(checkOf(deps, action, who));
  if (!verdict.allowed) await refuse(deps, action, verdict, actor, requestId);
}

/** Gives back a use spendUse counted, when what it counted did not happen or did not count (a right guess). */
export async function giveUseBack(deps: UsageGuardDeps, action: LimitedAction, who: LimitSubjects): Promise<void> {
  const { subjects } = checkOf(deps, action, who);
  await deps.store.refundUsage({ action, subjects });
}
