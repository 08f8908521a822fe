import { z } from 'zod';
import { JOB_REFUSAL_CODES } from './errors';
import { ProtocolIdSchema } from './ids';
import { MAX_RESULT_MESSAGE_LENGTH } from './protocol-constants';

/**
 * Every code a job result can carry. The bot maps each to what the user is
 * told; `OK` is the only code of a succeeded result.
 */
export const RESULT_CODES = [
  'OK',
  'AGENT_POLICY_VIOLATION',
  'AGENT_USER_NOT_FOUND',
  'AGENT_USER_AMBIGUOUS',
  'AGENT_OUT_OF_SCOPE',
  'AGENT_PROTECTED_ACCOUNT',
  'AGENT_ACCOUNT_DISABLED',
  'AGENT_DIRECTORY_UNAVAILABLE',
  'AGENT_NOT_PERMITTED',
  'AGENT_WRONG_CURRENT_PASSWORD',
  'AGENT_ALREADY_APPLIED',
  'AGENT_INTERNAL_ERROR',
  ...JOB_REFUSAL_CODES,
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

/** Status of one account, answered by an inspect job so the bot can decide on approvals before any change. */
export const InspectReportSchema = z.strictObject({
  locked: z.boolean(),
  disabled: z.boolean(),
  mustChange: z.boolean(),
  passwordExpiresAt: z.iso.datetime({ offset: true }).nullable(),
  privileged: z.boolean(),
  inScope: z.boolean(),
  /**
   * The account's effective AD password policy (domain or fine-grained), so
   * the bot can pre-check a new password exactly as AD will.
   */
  policy: z
    .strictObject({
      minLength: z.number().int().min(0).max(256),
      complexity: z.boolean(),
      historyLength: z.number().int().min(0).max(1024),
    })
    .optional(),
});
export type InspectReport = z.infer<typeof InspectReportSchema>;

// Shown to users as is, so: bounded, single line, no control characters.
const SafeMessageSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_RESULT_MESSAGE_LENGTH)
  .regex(/^[^\p{Cc}]+$/u, 'a message is one line of plain text');

/** What an agent reports for a job (sent with its lease token; the gateway checks the token). */
export const JobResultSchema = z
  .strictObject({
    jobId: ProtocolIdSchema,
    outcome: z.enum(['succeeded', 'failed']),
    code: z.enum(RESULT_CODES),
    message: SafeMessageSchema,
    inspect: InspectReportSchema.optional(),
  })
  .superRefine((result, ctx) => {
    if ((result.outcome === 'succeeded') !== (result.code === 'OK')) {
      ctx.addIssue({ code: 'custom', message: 'a succeeded result has code OK and a failed one does not', path: ['code'] });
    }
    if (result.inspect !== undefined && result.outcome !== 'succeeded') {
      ctx.addIssue({ code: 'custom', message: 'only a succeeded inspect job reports account status', path: ['inspect'] });
    }
  });
export type JobResult = z.infer<typeof JobResultSchema>;
