import { z } from 'zod';
import { ResetDeskError } from '../errors';
import type { Store } from '../store';
import { generateEnrollmentCode, MAX_ENROLLMENT_CODE_TTL_SECONDS } from './crypto';

export interface IssueEnrollmentCodeInput {
  /** Who asked (an admin's AAD id or a CLI user name), for the audit log. */
  createdBy: string;
  ttlSeconds?: number;
  now?: () => Date;
}

const InputSchema = z.strictObject({
  createdBy: z.string().trim().min(1).max(256),
  ttlSeconds: z.number().int().min(60).max(MAX_ENROLLMENT_CODE_TTL_SECONDS).optional(),
  now: z.function().optional(),
});

/**
 * Issues a one-time enrollment code: the store keeps only its hash, the
 * audit log records who asked, and the code itself is returned once to be
 * shown to the admin (the admin CLI calls this; a code is never shown in chat).
 */
export async function issueEnrollmentCode(store: Store, input: IssueEnrollmentCodeInput): Promise<{ code: string; expiresAt: Date }> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ResetDeskError('ENROLL_INVALID_INPUT', `An enrollment code lives 1 to ${MAX_ENROLLMENT_CODE_TTL_SECONDS / 60} minutes and names who asked for it.`);
  }
  const issued = generateEnrollmentCode({ ...(input.now ? { now: input.now } : {}), ...(parsed.data.ttlSeconds ? { ttlSeconds: parsed.data.ttlSeconds } : {}) });
  await store.createEnrollmentCode(
    { code: issued.code, expiresAt: issued.expiresAt, createdBy: parsed.data.createdBy },
    { actor: { kind: 'admin', id: parsed.data.createdBy }, action: 'agent.enrollment_code_issued', details: { expiresAt: issued.expiresAt.toISOString() } },
  );
  return { code: issued.code, expiresAt: issued.expiresAt };
}
