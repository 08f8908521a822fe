// `person`: the account's owner confirms in Teams that the caller on the
// helpdesk's phone is them. Only for helpdesk requests: in self-service the
// person clicking is the owner already.
export const VERIFICATION_METHOD_NAMES = ['email', 'sms', 'manager', 'mfa', 'person'] as const;

export type VerificationMethodName = (typeof VERIFICATION_METHOD_NAMES)[number];

export function isVerificationMethodName(value: unknown): value is VerificationMethodName {
  return typeof value === 'string' && (VERIFICATION_METHOD_NAMES as readonly string[]).includes(value);
}
