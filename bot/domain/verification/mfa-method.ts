import { z } from 'zod';
import { ResetDeskError } from '../../errors';
import { driverOf } from '../reset-request';
import { assertChallengeOpen, challengeTimes, expireIfDue, newChallengeId } from './challenge';
import type { MfaChallenge, StepUpTokenValidator, VerificationMethod } from './verification-method';

export const mfaMethodConfigSchema = z.object({
  ttlMs: z.number().int().positive().max(60 * 60 * 1000).default(10 * 60 * 1000),
  /** How old a sign-in may be and still count as "fresh". */
  maxAuthAgeMs: z.number().int().positive().max(60 * 60 * 1000).default(5 * 60 * 1000),
  /** Entra ID's clock and ours differ a little; auth_time has second precision. */
  clockSkewMs: z.number().int().min(0).max(5 * 60 * 1000).default(60 * 1000),
});
export type MfaMethodConfig = z.output<typeof mfaMethodConfigSchema>;

/**
 * Step-up through the bot's OAuth connection. Build it only when the tenant
 * has one configured; without it this method simply is not offered.
 */
export function createMfaMethod(deps: { validator: StepUpTokenValidator; config?: MfaMethodConfig }): VerificationMethod<MfaChallenge> {
  const config = deps.config ?? mfaMethodConfigSchema.parse({});
  return {
    name: 'mfa',
    isAvailable: (user) => user.mfaRegistered === true,

    async start(ctx) {
      if (ctx.request.requestedBy !== undefined) {
        // The caller is on the phone, not in this chat: they cannot sign in here.
        throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'A sign-in check cannot be used when the helpdesk acts for someone. Please choose another method.', { method: 'mfa' });
      }
      if (ctx.user.mfaRegistered !== true) {
        throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'This account has no multi-factor sign-in set up. Please choose another method.', { method: 'mfa' });
      }
      const challenge: MfaChallenge = { id: newChallengeId(), requestId: ctx.request.id, method: 'mfa', status: 'pending', ...challengeTimes(ctx.now, config.ttlMs) };
      return {
        challenge,
        audit: { action: 'verification.mfa_asked', actor: driverOf(ctx.request), requestId: ctx.request.id, details: { method: 'mfa', challengeId: challenge.id } },
      };
    },

    async check(challenge, response, ctx) {
      assertChallengeOpen(challenge, response, ctx);
      if (response.method !== 'mfa' || typeof response.signInToken !== 'string' || response.signInToken.length === 0 || response.signInToken.length > 16384) {
        throw new ResetDeskError('VERIFY_CHALLENGE_MISMATCH', 'This answer does not belong to the current verification step.');
      }
      const expired = expireIfDue(challenge, ctx.now);
      if (expired) return expired;
      let claims;
      try {
        claims = await deps.validator.validate(response.signInToken);
      } catch {
        throw new ResetDeskError('VERIFY_MFA_UNAVAILABLE', 'We could not check your sign-in just now. Please try again or choose another method.');
      }
      const oldest = Math.max(challenge.createdAt.getTime(), ctx.now.getTime() - config.maxAuthAgeMs) - config.clockSkewMs;
      const reason =
        claims === null ? 'invalid'
        : claims.aadObjectId !== ctx.request.ownerAadId || claims.tenantId !== ctx.request.tenantId ? 'other_user'
        : !claims.mfa ? 'no_mfa'
        : claims.authTime.getTime() < oldest ? 'stale'
        : undefined;
      if (reason === undefined) return { outcome: 'passed', challenge: { ...challenge, status: 'passed' } };
      return {
        outcome: 'retry',
        challenge,
        error: new ResetDeskError('VERIFY_MFA_REJECTED', 'That sign-in did not confirm it is you with multi-factor authentication just now. Please sign in again.', { reason }),
        audit: { action: 'verification.mfa_rejected', actor: driverOf(ctx.request), requestId: ctx.request.id, details: { method: 'mfa', challengeId: challenge.id, reason } },
      };
    },
  };
}
