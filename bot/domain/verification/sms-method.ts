import { codeMessage, createCodeMethod, type CodeVerificationMethod } from './code-method';
import { maskPhone } from './mask';
import type { CodePepper, CodePolicy } from './one-time-code';
import type { SmsSender } from './verification-method';

/**
 * Graph gives numbers as registered ("+1 4255550142"); SMS providers want
 * E.164. A number with an extension or without a country code cannot take a
 * text, so for such a user the method is simply not offered.
 */
export function smsNumberOf(registered: string | undefined): string | undefined {
  if (registered === undefined || /x/i.test(registered) || !/^\+[\d\s().-]+$/.test(registered)) return undefined;
  const digits = registered.replace(/\D/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : undefined;
}

export function createSmsMethod(deps: { sms: SmsSender; pepper: CodePepper; policy: CodePolicy }): CodeVerificationMethod {
  return createCodeMethod(
    {
      name: 'sms',
      targetOf: (user) => (smsNumberOf(user.mobilePhone) !== undefined ? user.mobilePhone : undefined),
      mask: maskPhone,
      async deliver(registered, code, ctx, policy) {
        await deps.sms.send(smsNumberOf(registered) ?? registered, codeMessage(code, ctx.request.requestedBy !== undefined, policy.ttlMs));
      },
    },
    deps,
  );
}
