import { z } from 'zod';
import { KeyIdSchema, ProtocolIdSchema } from './ids';
import { MAX_JOB_LIFETIME_SECONDS } from './protocol-constants';
import { SealedPasswordSchema } from './sealed-password';
import { EarlierWriteSchema } from './write-start';

export const JOB_KINDS = ['reset', 'unlock', 'change', 'inspect'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Who the job is for. objectSid or objectGUID (from Graph's
 * onPremisesSecurityIdentifier / onPremisesImmutableId) survive renames and
 * are what the agent should search by; UPN and sAMAccountName are carried for
 * display and as a cross-check.
 */
export const JobTargetSchema = z
  .strictObject({
    sid: z.string().max(184).regex(/^S-1-\d{1,14}(?:-\d{1,10}){1,15}$/, 'a SID looks like S-1-5-21-...').optional(),
    guid: z
      .string()
      .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID looks like 8-4-4-4-12 hex digits')
      .optional(),
    upn: z.string().max(256).regex(/^[^@\s]+@[^@\s]+$/, 'a UPN looks like name@domain').optional(),
    // AD's limit for sAMAccountName, and the characters AD forbids in it.
    sam: z.string().min(1).max(20).regex(/^[^"/\\[\]:;|=,+*?<>@\s]+$/, 'not a valid sAMAccountName').optional(),
  })
  .refine((t) => t.sid !== undefined || t.guid !== undefined || t.upn !== undefined || t.sam !== undefined, {
    message: 'a job names its target by at least one of sid, guid, upn or sam',
  });
export type JobTarget = z.infer<typeof JobTargetSchema>;

export const JobOptionsSchema = z.strictObject({
  mustChangeAtNextLogon: z.boolean().optional(),
  // Set by the service only when an approver approved a privileged request;
  // the agent refuses protected accounts without it.
  approvedPrivileged: z.boolean().optional(),
  // Ask AD to apply its password-history rule on an admin reset (password
  // policy hints control, where the DC supports it).
  enforceHistory: z.boolean().optional(),
});
export type JobOptions = z.infer<typeof JobOptionsSchema>;

const NumericDate = z.number().int().nonnegative();

/** The claims of a signed job (the JWS payload). Strict: an unknown field is a refusal, not something to ignore. */
export const JobPayloadSchema = z
  .strictObject({
    jobId: ProtocolIdSchema,
    requestId: ProtocolIdSchema,
    kind: z.enum(JOB_KINDS),
    target: JobTargetSchema,
    options: JobOptionsSchema,
    sealedPassword: SealedPasswordSchema.optional(),
    sealedCurrentPassword: SealedPasswordSchema.optional(),
    sealedNewPassword: SealedPasswordSchema.optional(),
    iss: KeyIdSchema,
    aud: z.string().min(1).max(512),
    iat: NumericDate,
    nbf: NumericDate,
    exp: NumericDate,
  })
  .superRefine((job, ctx) => {
    const issue = (message: string, path: string[]): void => {
      ctx.addIssue({ code: 'custom', message, path });
    };
    const has = {
      sealedPassword: job.sealedPassword !== undefined,
      sealedCurrentPassword: job.sealedCurrentPassword !== undefined,
      sealedNewPassword: job.sealedNewPassword !== undefined,
    };
    const wanted: Record<JobKind, (keyof typeof has)[]> = {
      reset: ['sealedPassword'],
      change: ['sealedCurrentPassword', 'sealedNewPassword'],
      unlock: [],
      inspect: [],
    };
    for (const field of Object.keys(has) as (keyof typeof has)[]) {
      const needed = wanted[job.kind].includes(field);
      if (needed && !has[field]) issue(`${job.kind} jobs carry ${field}`, [field]);
      if (!needed && has[field]) issue(`${job.kind} jobs carry no ${field}`, [field]);
    }
    if (job.kind !== 'reset' && job.options.mustChangeAtNextLogon !== undefined) {
      issue('only a reset sets must-change-at-next-logon', ['options', 'mustChangeAtNextLogon']);
    }
    if (job.kind !== 'reset' && job.options.enforceHistory !== undefined) {
      issue('only a reset asks for history enforcement', ['options', 'enforceHistory']);
    }
    if (job.kind === 'inspect' && job.options.approvedPrivileged !== undefined) {
      issue('an inspect job needs no approval', ['options', 'approvedPrivileged']);
    }
    if (job.exp <= job.iat) issue('a job expires after it is issued', ['exp']);
    if (job.exp - job.iat > MAX_JOB_LIFETIME_SECONDS) issue(`a job lives at most ${MAX_JOB_LIFETIME_SECONDS} seconds`, ['exp']);
    if (job.nbf < job.iat || job.nbf >= job.exp) issue('a job becomes valid between issue and expiry', ['nbf']);
  });
export type JobPayload = z.infer<typeof JobPayloadSchema>;

/**
 * What the gateway hands an agent for one lease. `jobId` travels beside the
 * JWS so an agent can report a job it refuses to verify.
 */
export const LeasedJobSchema = z.strictObject({
  jobId: ProtocolIdSchema,
  leaseId: ProtocolIdSchema,
  leaseExpiresAt: z.iso.datetime({ offset: true }),
  jws: z.string().min(1).max(65536),
  /**
   * Present when an earlier lease of this job announced a password write
   * (see write-start.ts): the version it started from. Only such jobs carry
   * it, so an agent from before it existed still takes every other job.
   */
  earlierWrite: EarlierWriteSchema.optional(),
});
export type LeasedJob = z.infer<typeof LeasedJobSchema>;

export const LeaseResponseSchema = z.strictObject({ job: LeasedJobSchema.nullable() });
export type LeaseResponse = z.infer<typeof LeaseResponseSchema>;

/**
 * The gateway's answer to a result. An agent that reports to
 * `/api/agent/result?next=1` is asking for its next job in the same call
 * (leased at once if one is queued, never waited for): `next` is that job, or
 * null. A service from before it ignores the query and leaves `next` out, and
 * the agent asks with a lease call as before; so the object is not strict.
 */
export const ResultAnswerSchema = z.object({
  jobId: ProtocolIdSchema,
  state: z.string().max(32),
  next: LeasedJobSchema.nullable().optional(),
});
export type ResultAnswer = z.infer<typeof ResultAnswerSchema>;
