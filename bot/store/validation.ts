import { z } from 'zod';
import { ResetDeskError } from '../errors';
import {
  ACTOR_KINDS, APPROVAL_DECISIONS, CARD_STEPS, CHALLENGE_STATUSES, JOB_KINDS, REQUEST_KINDS, REQUEST_STATES, VERIFICATION_METHODS,
  type JsonValue,
} from './types';

// Inputs are checked before any SQL runs, so a bad call changes nothing and
// says which field is wrong. Messages name fields, never the values (a value
// might be a secret passed in the wrong place).

const id = z.string().min(1).max(256);
const uuid = z.uuid();
const date = z.date().refine((d) => !Number.isNaN(d.getTime()), 'Invalid date');
const json: z.ZodType<JsonValue> = z.json();
const jsonObject = z.record(z.string(), json);
const secret = z.string().min(1).max(4096);

const subject = z.object({
  onPremisesSid: z.string().regex(/^S-1-[0-9-]+$/, 'Expected a SID like S-1-5-21-...'),
  samAccountName: z.string().min(1).max(256),
  upn: z.string().min(1).max(1024),
  displayName: z.string().max(1024),
  domain: z.string().min(1).max(1024),
}).strict();

const safeResult = z.object({ code: z.string().min(1).max(100), message: z.string().max(2000) }).strict();

export const newRequestSchema = z.object({
  id: uuid.optional(),
  tenantId: id,
  ownerAadId: id,
  requestedBy: id.nullable().optional(),
  kind: z.enum(REQUEST_KINDS),
  state: z.enum(REQUEST_STATES).optional(),
  privileged: z.boolean().optional(),
  privilegedBecause: z.array(z.string().min(1).max(160)).max(8).optional(),
  approvalsRequired: z.number().int().min(0).max(5).optional(),
  ticket: z.string().trim().min(1).max(64).nullable().optional(),
  methodsRequired: z.number().int().min(0).max(10),
  methodsPassed: z.array(z.enum(VERIFICATION_METHODS)).optional(),
  subject: subject.nullable().optional(),
  stepToken: secret.nullable().optional(),
  step: z.enum(CARD_STEPS).nullable().optional(),
  conversationId: z.string().max(1024).nullable().optional(),
  cardActivityId: z.string().max(1024).nullable().optional(),
  expiresAt: date,
}).strict().refine((r) => Boolean(r.stepToken) === Boolean(r.step), 'a step token goes with its step, and a step with its token');

export const requestPatchSchema = z.object({
  state: z.enum(REQUEST_STATES).optional(),
  privileged: z.boolean().optional(),
  methodsRequired: z.number().int().min(0).max(10).optional(),
  methodsPassed: z.array(z.enum(VERIFICATION_METHODS)).optional(),
  approvedBy: z.array(id).max(5).optional(),
  approvalPost: z.object({ channelId: z.string().min(1).max(1024), serviceUrl: z.string().url().max(2048), activityId: z.string().min(1).max(1024) }).strict().nullable().optional(),
  // A JWE in compact form: five base64url parts, nothing in clear.
  sealedDelivery: z.string().max(8192).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWE').nullable().optional(),
  subject: subject.nullable().optional(),
  stepToken: secret.nullable().optional(),
  step: z.enum(CARD_STEPS).nullable().optional(),
  conversationId: z.string().max(1024).nullable().optional(),
  cardActivityId: z.string().max(1024).nullable().optional(),
  resultCode: z.string().max(100).nullable().optional(),
  resultMessage: z.string().max(2000).nullable().optional(),
  expiresAt: date.optional(),
}).strict().refine(
  (p) => (p.stepToken === undefined) === (p.step === undefined) && (p.stepToken === undefined || Boolean(p.stepToken) === Boolean(p.step)),
  'a step token changes with its step: both set, or both cleared',
);

export const newChallengeSchema = z.object({
  id: uuid.optional(),
  requestId: uuid,
  method: z.enum(VERIFICATION_METHODS),
  maskedTarget: z.string().max(256).nullable().optional(),
  codeHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  codeSalt: z.string().min(8).max(128).optional(),
  targetRef: id.nullable().optional(),
  digits: z.number().int().min(6).max(8).optional(),
  maxAttempts: z.number().int().min(1).max(100),
  expiresAt: date,
}).strict()
  .refine((c) => (c.codeHash === undefined) === (c.codeSalt === undefined), 'codeHash and codeSalt go together');

export const challengeStateSchema = z.object({
  status: z.enum(CHALLENGE_STATUSES),
  attempts: z.number().int().min(0).max(100),
  codeHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  codeSalt: z.string().min(8).max(128).nullable(),
  expiresAt: date,
  sendCount: z.number().int().min(0).max(100),
  lastSentAt: date.nullable(),
}).strict();

export const challengeExpectationSchema = z.object({
  status: z.enum(['pending', 'expired']),
  attempts: z.number().int().min(0).max(100),
  sendCount: z.number().int().min(0).max(100),
}).strict();

export const closedChallengeStatusSchema = z.enum(CHALLENGE_STATUSES).exclude(['pending']);

export const newApprovalSchema = z.object({
  requestId: uuid,
  approverAadId: id,
  decision: z.enum(APPROVAL_DECISIONS),
}).strict();

export const newJobSchema = z.object({
  id: uuid.optional(),
  requestId: uuid.nullable().optional(),
  kind: z.enum(JOB_KINDS),
  signedJob: z.string().min(1).max(1_000_000),
  expiresAt: date,
}).strict();

export const jobCompletionSchema = z.object({
  outcome: z.enum(['succeeded', 'failed']),
  result: safeResult,
  inspectReport: jsonObject.optional(),
}).strict();
export const writeStartSchema = z.object({
  jobId: uuid,
  agentId: id,
  attempt: z.number().int().min(1).max(1_000_000),
  passwordVersion: z.number().int().min(0).max(2 ** 31 - 1),
  renewLeaseMs: z.number().int().min(1000).max(3_600_000),
}).strict();
export const overdueLimitSchema = z.number().int().min(1).max(1000);
export const deliveryClaimSchema = z.object({ claimMs: z.number().int().min(1000).max(3_600_000), limit: z.number().int().min(1).max(1000) }).strict();

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const publicJwk = z.record(z.string(), json)
  .refine((jwk) => typeof jwk.kty === 'string', 'A JWK needs a "kty"')
  .refine((jwk) => PRIVATE_JWK_MEMBERS.every((m) => !(m in jwk)), 'Only public keys may be registered');

export const newAgentSchema = z.object({
  id: uuid.optional(),
  name: z.string().min(1).max(200),
  signingJwk: publicJwk,
  encryptionJwk: publicJwk,
  managedOus: z.array(z.string().min(1).max(2048)).min(1),
  version: z.string().regex(/^[0-9A-Za-z.+_-]{1,64}$/).optional(),
}).strict();

export const newEnrollmentCodeSchema = z.object({
  code: z.string().min(16, 'Enrollment codes must be at least 16 characters').max(4096),
  expiresAt: date,
  createdBy: id,
}).strict();

export const auditEntrySchema = z.object({
  actor: z.object({ kind: z.enum(ACTOR_KINDS), id: id.optional() }).strict(),
  action: z.string().min(1).max(200),
  requestId: uuid.nullable().optional(),
  details: jsonObject.optional(),
}).strict();

export const conversationReferenceSchema = z.object({
  tenantId: id,
  aadObjectId: id,
  reference: jsonObject,
}).strict();

export const tokenIdSchema = z.object({ jti: z.string().min(1).max(512), expiresAt: date }).strict();
export const leaseSchema = z.object({ agentId: id, leaseMs: z.number().int().min(1000).max(3_600_000) }).strict();
export const auditQuerySchema = z.object({
  requestId: uuid.optional(),
  afterSeq: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
}).strict();

/** Ids are uuids; anything else cannot name a row, so lookups answer 'not found' without asking the database. */
export const isUuid = (value: string): boolean => uuid.safeParse(value).success;

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');
  throw new ResetDeskError('STORE_INVALID_INPUT', `Invalid ${what}: ${problems}`, { what });
}
