// The ways a person can prove it's them, as the cards show them. Builders take
// the real address or number and mask it here, so no caller can put a full
// address into a card by mistake.
import { z } from 'zod';
import { displayNameSchema, emailAddressSchema, phoneNumberSchema } from './card-data';
import { maskEmail, maskPhone } from './mask';

export const codeDestinationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('email'), address: emailAddressSchema }),
  z.object({ kind: z.literal('sms'), phoneNumber: phoneNumberSchema }),
]);
export type CodeDestination = z.input<typeof codeDestinationSchema>;

export const verificationMethodSchema = z.discriminatedUnion('kind', [
  ...codeDestinationSchema.options,
  z.object({ kind: z.literal('manager'), managerName: displayNameSchema }),
  z.object({ kind: z.literal('mfa') }),
]);
export type VerificationMethod = z.input<typeof verificationMethodSchema>;

/** A check that was passed, as an approver reads it. */
export const completedCheckSchema = z.discriminatedUnion('kind', [
  ...verificationMethodSchema.options,
  z.object({ kind: z.literal('helpdesk'), agentName: displayNameSchema }),
]);
export type CompletedCheck = z.input<typeof completedCheckSchema>;

/** Where a code went: "a•••@contoso.com" or "+1 ••• ••• ••42". */
export function maskedDestination(destination: z.output<typeof codeDestinationSchema>): string {
  return destination.kind === 'email' ? maskEmail(destination.address) : maskPhone(destination.phoneNumber);
}

/** The choice a person taps: "E-mail a code to a•••@contoso.com". */
export function methodOffer(method: z.output<typeof verificationMethodSchema>): string {
  switch (method.kind) {
    case 'email':
      return `E-mail a code to ${maskEmail(method.address)}`;
    case 'sms':
      return `Text a code to ${maskPhone(method.phoneNumber)}`;
    case 'manager':
      return `Ask my manager, ${method.managerName}`;
    case 'mfa':
      return 'Sign in again with MFA';
  }
}

/** A passed check, for the approver: "Code by e-mail to a•••@contoso.com". */
export function checkDone(check: z.output<typeof completedCheckSchema>): string {
  switch (check.kind) {
    case 'email':
      return `Code by e-mail to ${maskEmail(check.address)}`;
    case 'sms':
      return `Code by text message to ${maskPhone(check.phoneNumber)}`;
    case 'manager':
      return `Manager ${check.managerName} confirmed`;
    case 'mfa':
      return 'Fresh sign-in with MFA';
    case 'helpdesk':
      return `Helpdesk agent ${check.agentName} checked the caller`;
  }
}
