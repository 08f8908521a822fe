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
  /** The account's owner confirms in Teams that the helpdesk's caller is them. */
  z.object({ kind: z.literal('person'), personName: displayNameSchema }),
]);
export type VerificationMethod = z.input<typeof verificationMethodSchema>;

/** Who reads the card: the person proving it's them, or a helpdesk member checking a caller. */
export type CardAudience = 'self' | 'helpdesk';

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

/** The choice a person taps: "E-mail a code to a•••@contoso.com"; for the helpdesk, what the caller will be asked. */
export function methodOffer(method: z.output<typeof verificationMethodSchema>, audience: CardAudience = 'self'): string {
  const helpdesk = audience === 'helpdesk';
  switch (method.kind) {
    case 'email':
      return helpdesk ? `E-mail a code to their ${maskEmail(method.address)}; the caller reads it to you` : `E-mail a code to ${maskEmail(method.address)}`;
    case 'sms':
      return helpdesk ? `Text a code to their ${maskPhone(method.phoneNumber)}; the caller reads it to you` : `Text a code to ${maskPhone(method.phoneNumber)}`;
    case 'manager':
      return helpdesk ? `Ask their manager, ${method.managerName}` : `Ask my manager, ${method.managerName}`;
    case 'mfa':
      return 'Sign in again with MFA';
    case 'person':
      return `Ask ${method.personName} in Teams whether the caller is them`;
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
    case 'person':
      return `${check.personName} confirmed in Teams that the caller was them`;
  }
}
