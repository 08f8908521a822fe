// "Step 1 of 2": shown only when a request needs more than one check
// (privileged accounts need two by default), so the usual one-check journey
// stays uncluttered.
import { z } from 'zod';

export const verificationStepSchema = z
  .object({ current: z.int().min(1).max(5), total: z.int().min(1).max(5) })
  .refine((s) => s.current <= s.total, { message: 'current step must not be after the last', path: ['current'] });
export type VerificationStep = z.input<typeof verificationStepSchema>;

export function stepView(step: z.output<typeof verificationStepSchema> | undefined): { showStep: boolean; stepLabel: string } {
  if (step === undefined || step.total < 2) return { showStep: false, stepLabel: '' };
  return { showStep: true, stepLabel: `Step ${step.current} of ${step.total}: this account needs ${step.total} checks.` };
}
