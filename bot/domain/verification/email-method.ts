import { codeMessage, createCodeMethod, type CodeVerificationMethod } from './code-method';
import { maskEmail } from './mask';
import type { CodePepper, CodePolicy } from './one-time-code';
import type { MailSender } from './verification-method';

export function createEmailMethod(deps: { mail: MailSender; pepper: CodePepper; policy: CodePolicy }): CodeVerificationMethod {
  return createCodeMethod(
    {
      name: 'email',
      targetOf: (user) => user.alternateEmail,
      mask: maskEmail,
      async deliver(to, code, ctx, policy) {
        await deps.mail.sendMail({
          to,
          subject: 'Your ResetDesk verification code',
          text: codeMessage(code, ctx.request.requestedBy !== undefined, policy.ttlMs),
        });
      },
    },
    deps,
  );
}
