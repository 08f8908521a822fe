import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  JobTargetSchema,
  MAX_JOB_LIFETIME_SECONDS,
  MAX_PASSWORD_LENGTH,
  type JobOptions,
  type JobPayload,
  type SealedPassword,
} from '../../agent/protocol';
import { ResetDeskError } from '../errors';
import type { Agent, NewJob } from '../store';
import { jobValidity, sealPasswordForAgents, signJob, type ServiceSigningKey } from './crypto';

// Turns what the journey asks for into what the store queues: passwords
// sealed to every enrolled agent, the whole job signed by the service.

const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);

export const PrepareJobInputSchema = z
  .strictObject({
    requestId: z.uuid().nullable(),
    kind: z.enum(['reset', 'unlock', 'change', 'inspect']),
    target: z.strictObject({ sid: z.string().optional(), guid: z.string().optional(), upn: z.string().optional(), sam: z.string().optional() }),
    options: z
      .strictObject({
        mustChangeAtNextLogon: z.boolean().optional(),
        approvedPrivileged: z.boolean().optional(),
        enforceHistory: z.boolean().optional(),
      })
      .default({}),
    password: password.optional(),
    currentPassword: password.optional(),
  })
  .superRefine((input, ctx) => {
    const wants: readonly string[] = { reset: ['password'], change: ['password', 'currentPassword'], unlock: [], inspect: [] }[input.kind];
    for (const field of ['password', 'currentPassword'] as const) {
      const has = input[field] !== undefined;
      if (has !== wants.includes(field)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${input.kind} jobs ${has ? 'carry no' : 'need a'} ${field}` });
      }
    }
  });
export type BuildJobInput = z.input<typeof PrepareJobInputSchema>;

export interface BuildJobOptions {
  agents: readonly Agent[];
  signingKey: ServiceSigningKey;
  audience: string;
  now: () => Date;
  /** How long the job may wait in the queue. */
  queueTtlMs: number;
  /** How long an agent may hold it once leased; the signature outlives queue and lease. */
  leaseMs: number;
}

/** Options as the job schema allows them for each kind: the agent refuses a job that carries one that does not apply. */
function optionsFor(kind: JobPayload['kind'], o: JobOptions): JobOptions {
  if (kind === 'inspect') return {};
  const out: JobOptions = {};
  if (o.approvedPrivileged !== undefined) out.approvedPrivileged = o.approvedPrivileged;
  if (kind === 'reset') {
    if (o.mustChangeAtNextLogon !== undefined) out.mustChangeAtNextLogon = o.mustChangeAtNextLogon;
    if (o.enforceHistory !== undefined) out.enforceHistory = o.enforceHistory;
  }
  return out;
}

function invalid(problem: string): ResetDeskError {
  return new ResetDeskError('WRITEBACK_INVALID_JOB', `The writeback job is not valid: ${problem}.`);
}

export async function buildSignedJob(raw: BuildJobInput, o: BuildJobOptions): Promise<NewJob & { id: string }> {
  // Messages name fields only: a password passed in the wrong field must not be echoed.
  const parsed = PrepareJobInputSchema.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
  const input = parsed.data;
  const target = JobTargetSchema.safeParse(Object.fromEntries(Object.entries(input.target).filter(([, v]) => v !== undefined)));
  if (!target.success) throw invalid(`target: ${target.error.issues.map((i) => i.message).join('; ')}`);
  if (o.agents.length === 0) {
    throw new ResetDeskError('WRITEBACK_NO_AGENTS', 'The on-premises directory cannot be reached right now: no writeback agent is enrolled.');
  }

  const recipients = o.agents.map((a) => ({ agentId: a.id, encryptionJwk: a.encryptionJwk }));
  const sealed: Partial<Record<'sealedPassword' | 'sealedCurrentPassword' | 'sealedNewPassword', SealedPassword>> = {};
  if (input.kind === 'reset') sealed.sealedPassword = await sealPasswordForAgents(input.password!, recipients);
  if (input.kind === 'change') {
    sealed.sealedCurrentPassword = await sealPasswordForAgents(input.currentPassword!, recipients);
    sealed.sealedNewPassword = await sealPasswordForAgents(input.password!, recipients);
  }

  const jobId = randomUUID();
  const signatureTtl = Math.min(MAX_JOB_LIFETIME_SECONDS, Math.ceil((o.queueTtlMs + o.leaseMs) / 1000) + 60);
  const payload: JobPayload = {
    jobId,
    // An inspect asked outside any request still needs an id in the signed job.
    requestId: input.requestId ?? `inspect-${jobId}`,
    kind: input.kind,
    target: target.data,
    options: optionsFor(input.kind, input.options),
    ...sealed,
    iss: o.signingKey.keyId,
    aud: o.audience,
    ...jobValidity({ now: o.now, ttlSeconds: signatureTtl }),
  };
  const signedJob = await signJob(payload, o.signingKey);
  return { id: jobId, requestId: input.requestId, kind: input.kind, signedJob, expiresAt: new Date(o.now().getTime() + o.queueTtlMs) };
}
