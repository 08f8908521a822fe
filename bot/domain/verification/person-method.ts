// The helpdesk's second way to verify a caller: the account's owner gets a
// card in Teams ("Your helpdesk, <name>, is helping you right now: is that
// you on the phone?"). Yes passes; "Not me" fails and closes the request, and
// the caller on the phone is then someone else. Only for helpdesk requests,
// only the owner can answer, and only while the helpdesk waits.
import { z } from 'zod';
import { ResetDeskError } from '../../errors';
import { driverOf } from '../reset-request';
import { assertChallengeOpen, challengeTimes, expireIfDue, newChallengeId } from './challenge';
import type { PersonChallenge, PersonNotifier, VerificationMethod } from './verification-method';

export const personMethodConfigSchema = z.object({
  /** The caller is on the phone: the owner answers now or not at all. */
  ttlMs: z.number().int().positive().max(60 * 60 * 1000).default(10 * 60 * 1000),
});
export type PersonMethodConfig = z.output<typeof personMethodConfigSchema>;

export function createPersonMethod(deps: { notifier: PersonNotifier; config?: PersonMethodConfig }): VerificationMethod<PersonChallenge> {
  const config = deps.config ?? personMethodConfigSchema.parse({});
  return {
    name: 'person',
    isAvailable: (user) => user.ownerReachable === true,

    async start(ctx) {
      const helpdesk = ctx.request.requestedBy;
      if (helpdesk === undefined) {
        throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'Asking the account owner is for helpdesk requests only. Please choose another method.', { method: 'person' });
      }
      const challenge: PersonChallenge = {
        id: newChallengeId(),
        requestId: ctx.request.id,
        method: 'person',
        status: 'pending',
        ...challengeTimes(ctx.now, config.ttlMs),
        ownerAadId: ctx.request.ownerAadId,
      };
      try {
        await deps.notifier.askOwner({
          ownerAadId: ctx.request.ownerAadId,
          tenantId: ctx.request.tenantId,
          requestId: ctx.request.id,
          challengeId: challenge.id,
          kind: ctx.request.kind,
          accountName: ctx.request.subject.samAccountName,
          helpdeskAadId: helpdesk,
          expiresAt: challenge.expiresAt,
        });
      } catch {
        throw new ResetDeskError('VERIFY_DELIVERY_FAILED', 'The account owner could not be reached in Teams just now. Use a code instead.', { method: 'person' });
      }
      return {
        challenge,
        audit: { action: 'verification.owner_asked', actor: driverOf(ctx.request), requestId: ctx.request.id, details: { method: 'person', challengeId: challenge.id } },
      };
    },

    async check(challenge, response, ctx) {
      assertChallengeOpen(challenge, response, ctx);
      if (response.method !== 'person') throw new ResetDeskError('VERIFY_CHALLENGE_MISMATCH', 'This answer does not belong to the current verification step.');
      if (response.responderAadId !== challenge.ownerAadId) {
        throw new ResetDeskError('VERIFY_NOT_OWNER', 'Only the person whose account it is can answer this.');
      }
      const expired = expireIfDue(challenge, ctx.now);
      if (expired) return expired;
      const audit = {
        action: response.decision === 'confirm' ? 'verification.owner_confirmed' : 'verification.owner_denied',
        actor: { type: 'user' as const, id: challenge.ownerAadId },
        requestId: challenge.requestId,
        details: { method: 'person', challengeId: challenge.id },
      };
      if (response.decision === 'confirm') return { outcome: 'passed', challenge: { ...challenge, status: 'passed' }, audit };
      return {
        outcome: 'failed',
        challenge: { ...challenge, status: 'failed' },
        error: new ResetDeskError('VERIFY_CALLER_DENIED', 'The account owner said the caller is not them. Nothing was changed, and the request is closed.'),
        audit,
      };
    },
  };
}
