import { z } from 'zod';
import { ResetDeskError } from '../../errors';
import { driverOf } from '../reset-request';
import { assertChallengeOpen, challengeTimes, expireIfDue, newChallengeId } from './challenge';
import type { ManagerChallenge, ManagerNotifier, VerificationContext, VerificationMethod } from './verification-method';

export const managerMethodConfigSchema = z.object({
  /** Managers are in meetings; they get longer than a code does. */
  ttlMs: z.number().int().positive().max(24 * 60 * 60 * 1000).default(30 * 60 * 1000),
});
export type ManagerMethodConfig = z.output<typeof managerMethodConfigSchema>;

function managerFor(ctx: VerificationContext): string {
  const manager = ctx.user.managerAadId;
  // Someone who is their own manager in the directory, or a helpdesk member who manages the caller, would be vouching for themselves.
  if (manager === undefined || manager === ctx.request.ownerAadId || manager === ctx.request.requestedBy) {
    throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'Manager confirmation is not possible for this request. Please choose another method.', { method: 'manager' });
  }
  return manager;
}

export function createManagerMethod(deps: { notifier: ManagerNotifier; config?: ManagerMethodConfig }): VerificationMethod<ManagerChallenge> {
  const config = deps.config ?? managerMethodConfigSchema.parse({});
  return {
    name: 'manager',
    isAvailable: (user) => user.managerAadId !== undefined,

    async start(ctx) {
      const managerAadId = managerFor(ctx);
      const challenge: ManagerChallenge = {
        id: newChallengeId(),
        requestId: ctx.request.id,
        method: 'manager',
        status: 'pending',
        ...challengeTimes(ctx.now, config.ttlMs),
        managerAadId,
      };
      try {
        await deps.notifier.notifyManager({
          managerAadId,
          tenantId: ctx.request.tenantId,
          requestId: ctx.request.id,
          challengeId: challenge.id,
          kind: ctx.request.kind,
          subjectDisplayName: ctx.request.subject.displayName,
          subjectAccountName: ctx.request.subject.samAccountName,
          helpdeskAssisted: ctx.request.requestedBy !== undefined,
          expiresAt: challenge.expiresAt,
        });
      } catch {
        throw new ResetDeskError('VERIFY_DELIVERY_FAILED', 'We could not reach your manager just now. Please try again or choose another method.', { method: 'manager' });
      }
      return {
        challenge,
        audit: {
          action: 'verification.manager_asked',
          actor: driverOf(ctx.request),
          requestId: ctx.request.id,
          details: { method: 'manager', challengeId: challenge.id, managerAadId },
        },
      };
    },

    async check(challenge, response, ctx) {
      assertChallengeOpen(challenge, response, ctx);
      if (response.method !== 'manager') throw new ResetDeskError('VERIFY_CHALLENGE_MISMATCH', 'This answer does not belong to the current verification step.');
      if (response.responderAadId !== challenge.managerAadId) {
        throw new ResetDeskError('VERIFY_NOT_MANAGER', 'Only the manager who was asked can answer this.');
      }
      const expired = expireIfDue(challenge, ctx.now);
      if (expired) return expired;
      const audit = {
        action: response.decision === 'confirm' ? 'verification.manager_confirmed' : 'verification.manager_refused',
        actor: { type: 'user' as const, id: challenge.managerAadId },
        requestId: challenge.requestId,
        details: { method: 'manager', challengeId: challenge.id },
      };
      if (response.decision === 'confirm') return { outcome: 'passed', challenge: { ...challenge, status: 'passed' }, audit };
      return {
        outcome: 'failed',
        challenge: { ...challenge, status: 'failed' },
        error: new ResetDeskError('VERIFY_MANAGER_REFUSED', 'Your manager did not confirm this request, so it is closed. Please talk to your manager or the helpdesk.'),
        audit,
      };
    },
  };
}
