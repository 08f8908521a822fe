import type {
  Agent, Approval, AuditActor, AuditEntry, Challenge, ConversationReferenceRecord, EnrollmentCodeRecord, JsonValue,
  PublicJwk, RequestSubject, ResetRequest, SafeResult, VerificationMethod, WritebackJob,
} from './types';

// Maps snake_case rows to the camelCase API. Both drivers return timestamptz
// as Date and jsonb parsed; bigint differs (pg: string, PGlite: number), so
// numbers go through Number().

type Row = Record<string, unknown>;

const isDate = (v: unknown): v is Date => Object.prototype.toString.call(v) === '[object Date]';
const date = (v: unknown): Date => (isDate(v) ? new Date(v.getTime()) : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Dates go to SQL as ISO text cast to timestamptz, the same on both drivers. */
export const iso = (d: Date): string => d.toISOString();
/** jsonb goes to SQL as text: pg would turn a JS array into a PostgreSQL array. */
export const jsonParam = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toRequest(r: Row): ResetRequest {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    ownerAadId: str(r.owner_aad_id),
    requestedBy: strOrNull(r.requested_by),
    kind: r.kind as ResetRequest['kind'],
    state: r.state as ResetRequest['state'],
    privileged: Boolean(r.privileged),
    methodsRequired: Number(r.methods_required),
    methodsPassed: (r.methods_passed ?? []) as VerificationMethod[],
    privilegedBecause: (r.privileged_because ?? []) as string[],
    approvalsRequired: Number(r.approvals_required ?? 0),
    approvedBy: (r.approved_by ?? []) as string[],
    approvalPost: (r.approval_post ?? null) as ResetRequest['approvalPost'],
    ticket: strOrNull(r.ticket),
    sealedDelivery: strOrNull(r.sealed_delivery),
    subject: (r.subject ?? null) as RequestSubject | null,
    stepTokenHash: strOrNull(r.step_token_hash),
    step: (r.step ?? null) as ResetRequest['step'],
    conversationId: strOrNull(r.conversation_id),
    cardActivityId: strOrNull(r.card_activity_id),
    resultCode: strOrNull(r.result_code),
    resultMessage: strOrNull(r.result_message),
    version: Number(r.version),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    expiresAt: date(r.expires_at),
  };
}

export function toChallenge(r: Row): Challenge {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    method: r.method as Challenge['method'],
    maskedTarget: strOrNull(r.masked_target),
    codeHash: strOrNull(r.code_hash),
    codeSalt: strOrNull(r.code_salt),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    expiresAt: date(r.expires_at),
    lastSentAt: dateOrNull(r.last_sent_at),
    sendCount: Number(r.send_count),
    status: r.status as Challenge['status'],
    targetRef: strOrNull(r.target_ref),
    digits: r.digits === null || r.digits === undefined ? null : Number(r.digits),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export function toConversationReference(r: Row): ConversationReferenceRecord {
  return {
    tenantId: str(r.tenant_id),
    aadObjectId: str(r.aad_object_id),
    reference: r.reference as Record<string, JsonValue>,
    updatedAt: date(r.updated_at),
  };
}

export function toApproval(r: Row): Approval {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    approverAadId: str(r.approver_aad_id),
    decision: r.decision as Approval['decision'],
    decidedAt: date(r.decided_at),
  };
}

export function toJob(r: Row): WritebackJob {
  return {
    id: str(r.id),
    requestId: strOrNull(r.request_id),
    kind: r.kind as WritebackJob['kind'],
    state: r.state as WritebackJob['state'],
    signedJob: strOrNull(r.signed_job),
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    leaseOwner: strOrNull(r.lease_owner),
    leaseExpiresAt: dateOrNull(r.lease_expires_at),
    attempts: Number(r.attempts),
    result: (r.result ?? null) as SafeResult | null,
    finishedAt: dateOrNull(r.finished_at),
    inspectReport: (r.inspect_report ?? null) as Record<string, JsonValue> | null,
    deliveredAt: dateOrNull(r.delivered_at),
    writeFromVersion: r.write_from_version === null || r.write_from_version === undefined ? null : Number(r.write_from_version),
    writeStartedAt: dateOrNull(r.write_started_at),
    writeStartedBy: strOrNull(r.write_started_by),
  };
}

export function toAgent(r: Row): Agent {
  return {
    id: str(r.id),
    name: str(r.name),
    signingJwk: r.signing_jwk as PublicJwk,
    encryptionJwk: r.encryption_jwk as PublicJwk,
    managedOus: r.managed_ous as string[],
    enrolledAt: date(r.enrolled_at),
    lastSeenAt: dateOrNull(r.last_seen_at),
    revokedAt: dateOrNull(r.revoked_at),
    confirmedAt: dateOrNull(r.confirmed_at),
    confirmedBy: strOrNull(r.confirmed_by),
    version: strOrNull(r.version),
  };
}

export function toEnrollmentCode(r: Row): EnrollmentCodeRecord {
  return {
    codeHash: str(r.code_hash),
    createdBy: str(r.created_by),
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    usedAt: dateOrNull(r.used_at),
  };
}

export function toAuditEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq),
    at: date(r.at),
    actor: r.actor as AuditActor,
    action: str(r.action),
    requestId: strOrNull(r.request_id),
    details: (r.details ?? {}) as Record<string, JsonValue>,
    prevHash: str(r.prev_hash),
    hash: str(r.hash),
  };
}
