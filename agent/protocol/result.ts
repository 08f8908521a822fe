import { z } from 'zod';
import { JOB_REFUSAL_CODES } from './errors';
import { ProtocolIdSchema } from './ids';
import { MAX_PRIVILEGE_REASON_LENGTH, MAX_PRIVILEGE_REASONS, MAX_RESULT_MESSAGE_LENGTH } from './protocol-constants';

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
  // The directory stopped answering after the modify was sent, and did not
  // answer again in time to tell whether it took effect.
  'AGENT_OUTCOME_UNKNOWN',
  'AGENT_INTERNAL_ERROR',
  ...JOB_REFUSAL_CODES,
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

// Text the bot shows people as is (result messages, privilege reasons): bounded, single line, no control characters.
function shownAsIs(maxLength: number, what: string) {
  return z.string().trim().min(1).max(maxLength).regex(/^[^\p{Cc}]+$/u, `${what} is one line of plain text`);
}

const PrivilegeReasonSchema = shownAsIs(MAX_PRIVILEGE_REASON_LENGTH, 'a reason');

/**
 * Status of one account, answered by an inspect job so the bot can decide on
 * approvals before any change. The fields after `policy` were added later:
 * an older agent leaves them out, and a reader then knows nothing about them
 * (in particular it must not promise that history is checked on a reset).
 */
export const InspectReportSchema = z
  .strictObject({
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
    /**
     * Why the agent holds the account privileged, as an approver reads it
     * ("member of Domain Admins through Tier0 Operators", "adminCount is set",
     * "primary group is Domain Admins"); empty exactly when not privileged.
     */
    privilegedBecause: z.array(PrivilegeReasonSchema).max(MAX_PRIVILEGE_REASONS).optional(),
    /**
     * The same facts as short names: each protected group the account is in
     * (its English name for the built-in ones: "Domain Admins"), "adminCount",
     * or the protected account it is. The service decides tier-0 rules on these.
     */
    privilegeGroups: z.array(z.string().trim().min(1).max(64)).max(MAX_PRIVILEGE_REASONS).optional(),
    /** AD holds the password expired: its maximum age passed, or a change at next sign-in is required. */
    passwordExpired: z.boolean().optional(),
    /** When the password was last set (pwdLastSet); null when never, or when a change at next sign-in is required. */
    passwordLastSetAt: z.iso.datetime({ offset: true }).nullable().optional(),
    /**
     * True when the DC this agent uses honours AD's password history on a
     * reset job that asks for it (options.enforceHistory; the DC lists the
     * password-policy-hints control). False: a reset may reuse any old
     * password (Samba, Windows before 2012 R2), so promise nothing about history.
     */
    historyEnforcedOnReset: z.boolean().optional(),
  })
  .superRefine((report, ctx) => {
    if (report.privilegedBecause !== undefined && report.privileged !== report.privilegedBecause.length > 0) {
      ctx.addIssue({ code: 'custom', message: 'a privileged account has reasons and an ordinary one has none', path: ['privilegedBecause'] });
    }
  });
export type InspectReport = z.infer<typeof InspectReportSchema>;

const SafeMessageSchema = shownAsIs(MAX_RESULT_MESSAGE_LENGTH, 'a message');

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
