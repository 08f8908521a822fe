import { z } from 'zod';
import { ResetDeskError } from '../../errors';
import { REQUEST_KINDS, type RequestKind, type ResetRequest } from '../reset-request';
import { VERIFICATION_METHOD_NAMES, type VerificationMethodName } from './method-name';

const count = z.number().int().min(0).max(VERIFICATION_METHOD_NAMES.length);
const methods = z.array(z.enum(VERIFICATION_METHOD_NAMES)).min(1);

const ALL_METHODS = [...VERIFICATION_METHOD_NAMES];

function perKind<T extends z.ZodType>(schema: T, defaults: Record<RequestKind, z.input<T>>) {
  // prefault: a missing block is parsed from {} so every kind gets its own default.
  return z
    .object({
      reset: schema.prefault(defaults.reset),
      unlock: schema.prefault(defaults.unlock),
      change: schema.prefault(defaults.change),
      status: schema.prefault(defaults.status),
    })
    .prefault({});
}

export const verificationPolicySchema = z.object({
  /**
   * Distinct methods to pass. A password change needs none by default:
   * the user types the current password and AD checks it, on top of the
   * Teams sign-in. Status only reads, but still shows account state, so 1.
   */
  methodsRequired: perKind(count, { reset: 1, unlock: 1, change: 0, status: 1 }),
  /** For accounts the agent reports as privileged (adminCount=1 or a protected group). */
  methodsRequiredPrivileged: perKind(count, { reset: 2, unlock: 2, change: 1, status: 1 }),
  allowedMethods: perKind(methods, { reset: ALL_METHODS, unlock: ALL_METHODS, change: ALL_METHODS, status: ALL_METHODS }),
}).superRefine((policy, ctx) => {
  for (const kind of REQUEST_KINDS) {
    if (policy.methodsRequiredPrivileged[kind] < policy.methodsRequired[kind]) {
      ctx.addIssue({ code: 'custom', path: ['methodsRequiredPrivileged', kind], message: 'privileged accounts cannot need fewer methods than ordinary ones' });
    }
    if (policy.allowedMethods[kind].length < policy.methodsRequiredPrivileged[kind]) {
      ctx.addIssue({ code: 'custom', path: ['allowedMethods', kind], message: 'fewer allowed methods than the policy requires' });
    }
  }
});
export type VerificationPolicy = z.output<typeof verificationPolicySchema>;
export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = verificationPolicySchema.parse({});

/** A helpdesk request always verifies the caller, whatever the kind's default. */
export function requiredMethodCount(policy: VerificationPolicy, request: Pick<ResetRequest, 'kind' | 'privileged' | 'requestedBy'>): number {
  const n = (request.privileged ? policy.methodsRequiredPrivileged : policy.methodsRequired)[request.kind];
  return request.requestedBy !== undefined ? Math.max(1, n) : n;
}

/**
 * Methods the user can still use for this request: allowed for its kind,
 * set up for this user (`available`, from each method's isAvailable), and not
 * already passed. Order follows the policy, so cards list them consistently.
 */
export function remainingMethods(
  policy: VerificationPolicy,
  request: Pick<ResetRequest, 'kind' | 'methodsPassed'>,
  available: readonly VerificationMethodName[],
): VerificationMethodName[] {
  return policy.allowedMethods[request.kind].filter((m) => available.includes(m) && !request.methodsPassed.includes(m));
}

/** True when the user can still reach the required count with what is left. */
export function canCompleteVerification(
  policy: VerificationPolicy,
  request: Pick<ResetRequest, 'kind' | 'methodsPassed' | 'methodsRequired'>,
  available: readonly VerificationMethodName[],
): boolean {
  return request.methodsPassed.length + remainingMethods(policy, request, available).length >= request.methodsRequired;
}

export function assertMethodUsable(
  policy: VerificationPolicy,
  request: Pick<ResetRequest, 'kind' | 'methodsPassed'>,
  available: readonly VerificationMethodName[],
  method: VerificationMethodName,
): void {
  if (!remainingMethods(policy, request, available).includes(method)) {
    throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'That method cannot be used for this request. Please choose one of those offered.', { method });
  }
}
