// Which ways of proving "it's you" a request can still use, and the card
// that offers them: what the person registered in Entra ID (Graph), what the
// service has switched on, what the policy still needs, and (for the
// manager) whether the bot can reach that person in Teams at all.
import type { InspectReport } from '../../agent/protocol';
import type { VerificationMethod as CardMethod } from '../../cards';
import type { RequestKind, ResetRequest as DomainRequest } from '../domain/reset-request';
import { applyEvent } from '../domain/reset-request';
import { smsNumberOf } from '../domain/verification/sms-method';
import type { VerificationMethodName } from '../domain/verification/method-name';
import type { UserVerificationMethods, VerificationMethod } from '../domain/verification/verification-method';
import { remainingMethods } from '../domain/verification/verification-policy';
import { isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import type { JobTarget } from './ports';
import { commitTransition, toDomain } from './request-records';
import { view, type View } from './views';

/** The heading a verification card carries: what the person set out to do. */
export const OPERATION_OF: Record<RequestKind, 'reset' | 'unlock' | 'change' | 'status'> = { reset: 'reset', unlock: 'unlock', change: 'change', status: 'status' };

/**
 * Asks an agent about the account; null when no agent can answer right now.
 * With `reuseRecent`, a report this replica got for the account in the last
 * few minutes is used instead (recent-inspections.ts), as long as an agent is
 * alive to carry out what follows.
 */
export async function inspectOrNull(deps: JourneyDeps, target: JobTarget, opts: { reuseRecent?: boolean } = {}): Promise<InspectReport | null> {
  if (!(await deps.writeback.agentsAlive())) return null;
  const sid = target.sid;
  if (opts.reuseRecent && sid) {
    const recent = deps.inspections.recent(sid, deps.now());
    if (recent) return recent;
  }
  try {
    const report = await deps.writeback.inspect(target, { timeoutMs: deps.config.inspectTimeoutMs });
    if (sid) deps.inspections.keep(sid, report, deps.now());
    return report;
  } catch (err) {
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' } }, 'inspect failed');
    return null;
  }
}

export interface PersonMethods {
  user: UserVerificationMethods;
  managerName: string | undefined;
  email?: string;
  phone?: string;
}

/** What the account holder registered, and whether their manager can be reached in Teams. */
export async function personMethods(deps: JourneyDeps, request: Pick<DomainRequest, 'ownerAadId' | 'tenantId' | 'requestedBy'>): Promise<PersonMethods> {
  const [methods, manager] = await Promise.all([deps.people.getAuthenticationMethods(request.ownerAadId), deps.people.getManager(request.ownerAadId)]);
  const email = methods.emails[0];
  const mobile = methods.phones.find((p) => p.type === 'mobile' && p.e164) ?? methods.phones.find((p) => p.e164);
  const phone = smsNumberOf(mobile?.e164 ?? undefined);
  // A manager the bot cannot message would never see the card: the method is not offered at all.
  const managerReachable = manager ? await deps.messenger.canReachPerson(request.tenantId, manager.id).catch(() => false) : false;
  // For the helpdesk, the owner can vouch for the caller, if the bot can reach them.
  const ownerReachable = request.requestedBy !== undefined && (await deps.messenger.canReachPerson(request.tenantId, request.ownerAadId).catch(() => false));
  return {
    user: {
      ...(email ? { alternateEmail: email } : {}), ...(phone ? { mobilePhone: phone } : {}), ...(manager && managerReachable ? { managerAadId: manager.id } : {}),
      ...(ownerReachable ? { ownerReachable: true } : {}),
    },
    managerName: manager?.displayName ?? undefined,
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
  };
}

export function availableMethodNames(deps: JourneyDeps, user: UserVerificationMethods): VerificationMethodName[] {
  return (Object.entries(deps.methods) as Array<[VerificationMethodName, VerificationMethod]>).filter(([, m]) => m.isAvailable(user)).map(([n]) => n);
}

/** The methods this request may still use, in the policy's order. */
export async function usableMethods(deps: JourneyDeps, request: DomainRequest): Promise<{ names: VerificationMethodName[]; info: PersonMethods }> {
  const info = await personMethods(deps, request);
  return { names: remainingMethods(deps.config.verificationPolicy, request, availableMethodNames(deps, info.user)), info };
}

/** "How should we check it's you?"; or, when the account has too few ways left, the request is closed and the card says how to add one. */
export async function chooseMethodView(deps: JourneyDeps, row: StoredRequest, stepToken: string): Promise<View> {
  const request = toDomain(row);
  const { names, info } = await usableMethods(deps, request);
  if (names.length === 0 || names.length < request.methodsRequired - request.methodsPassed.length) {
    await commitTransition(deps.store, row, applyEvent(request, { type: 'cancelled', by: { type: 'system', id: 'verification-policy' } }, deps.now()));
    return view('failure', {
      reason: request.requestedBy ? 'This account does not have enough ways to verify the caller.' : 'Your account does not have enough ways to prove it is you.',
      nextStep: 'Register an alternate e-mail or mobile number at https://aka.ms/mysecurityinfo, or call the IT helpdesk.',
    });
  }
  const methods = names.map((name): { id: string } & CardMethod => {
    switch (name) {
      case 'email':
        return { id: name, kind: 'email', address: info.email! };
      case 'sms':
        return { id: name, kind: 'sms', phoneNumber: info.phone! };
      case 'manager':
        return { id: name, kind: 'manager', managerName: info.managerName ?? 'your manager' };
      case 'mfa':
        return { id: name, kind: 'mfa' };
      case 'person':
        return { id: name, kind: 'person', personName: request.subject.displayName };
    }
  });
  return view('chooseMethod', {
    requestId: row.id,
    stepToken,
    operation: OPERATION_OF[row.kind],
    methods,
    ...(request.requestedBy ? { audience: 'helpdesk' as const, personName: request.subject.displayName } : {}),
    ...(request.methodsRequired > 1 ? { step: { current: request.methodsPassed.length + 1, total: request.methodsRequired } } : {}),
  });
}
