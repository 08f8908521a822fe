export const VERIFICATION_METHOD_NAMES = ['email', 'sms', 'manager', 'mfa'] as const;

export type VerificationMethodName = (typeof VERIFICATION_METHOD_NAMES)[number];

export function isVerificationMethodName(value: unknown): value is VerificationMethodName {
  return typeof value === 'string' && (VERIFICATION_METHOD_NAMES as readonly string[]).includes(value);
}
