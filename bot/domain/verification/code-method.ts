import { ResetDeskError } from '../../errors';
import { driverOf } from '../reset-request';
import type { VerificationMethodName } from './method-name';
import { checkCodeChallenge, openCodeChallenge, reissueCode, type CodePepper, type CodePolicy, assertPepper } from './one-time-code';
import type { CodeChallenge, StartResult, UserVerificationMethods, VerificationContext, VerificationMethod } from './verification-method';

export interface CodeDelivery {
  name: CodeChallenge['method'] & VerificationMethodName;
  /** Where this user's code goes (their registered alternate e-mail, their mobile), if anywhere. */
  targetOf(user: UserVerificationMethods): string | undefined;
  mask(target: string): string;
  /** Must not log the code; a failure is reported to the user without details. */
  deliver(target: string, code: string, ctx: VerificationContext, policy: CodePolicy): Promise<void>;
}

export interface CodeVerificationMethod extends VerificationMethod<CodeChallenge> {
  /** A fresh code, rate-limited by the code policy. */
  resend(challenge: CodeChallenge, ctx: VerificationContext): Promise<StartResult<CodeChallenge>>;
}

export function createCodeMethod(delivery: CodeDelivery, options: { pepper: CodePepper; policy: CodePolicy }): CodeVerificationMethod {
  assertPepper(options.pepper);
  const { pepper, policy } = options;

  function targetFor(ctx: VerificationContext): string {
    const target = delivery.targetOf(ctx.user);
    if (target === undefined) {
      throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'This method is not set up for this account. Please choose another one.', { method: delivery.name });
    }
    return target;
  }

  async function send(target: string, code: string, ctx: VerificationContext): Promise<void> {
    try {
      await delivery.deliver(target, code, ctx, policy);
    } catch (err) {
      // Our adapters' typed errors are user-safe by contract (SMS_THROTTLED says more than we could); anything
      // else may quote the message it tried to send, code included, so it is not carried along.
      if (err instanceof ResetDeskError) throw err;
      throw new ResetDeskError('VERIFY_DELIVERY_FAILED', 'We could not send the code just now. Please try again or choose another method.', { method: delivery.name });
    }
  }

  return {
    name: delivery.name,
    isAvailable: (user) => delivery.targetOf(user) !== undefined,

    async start(ctx) {
      const target = targetFor(ctx);
      const opened = openCodeChallenge({ method: delivery.name, requestId: ctx.request.id, maskedTarget: delivery.mask(target), policy, pepper, now: ctx.now });
      await send(target, opened.code, ctx);
      return {
        challenge: opened.challenge,
        audit: {
          action: 'verification.code_sent',
          actor: driverOf(ctx.request),
          requestId: ctx.request.id,
          details: { method: delivery.name, challengeId: opened.challenge.id, target: opened.challenge.maskedTarget, send: 1 },
        },
      };
    },

    async resend(challenge, ctx) {
      if (challenge.requestId !== ctx.request.id || challenge.method !== delivery.name) {
        throw new ResetDeskError('VERIFY_CHALLENGE_MISMATCH', 'This answer does not belong to the current verification step.');
      }
      const target = targetFor(ctx);
      const next = reissueCode(challenge, policy, pepper, ctx.now);
      await send(target, next.code, ctx);
      return {
        challenge: next.challenge,
        audit: {
          action: 'verification.code_resent',
          actor: driverOf(ctx.request),
          requestId: ctx.request.id,
          details: { method: delivery.name, challengeId: challenge.id, target: next.challenge.maskedTarget, send: next.challenge.sendCount },
        },
      };
    },

    async check(challenge, response, ctx) {
      return checkCodeChallenge(challenge, response, ctx, pepper, driverOf(ctx.request));
    },
  };
}

/** One wording for mail and SMS; it never says which account or which site, so a stray message gives a phisher nothing to work with. */
export function codeMessage(code: string, helpdeskAssisted: boolean, ttlMs: number): string {
  const minutes = Math.round(ttlMs / 60000);
  const use = helpdeskAssisted
    ? 'Read it to the helpdesk colleague you are speaking with only if you asked them to reset your password.'
    : 'Type it into the ResetDesk chat in Teams. Nobody from IT will ever ask you for it.';
  return `Your ResetDesk verification code is ${code}. It expires in ${minutes} minutes. ${use} If you did not ask for this, tell your IT helpdesk.`;
}
