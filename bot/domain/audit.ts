import { z } from 'zod';
import { ResetDeskError } from '../errors';

export type AuditActorType = 'user' | 'approver' | 'helpdesk' | 'agent' | 'system';

export interface AuditActor {
  type: AuditActorType;
  /** AAD object id for people, agent id for agents, a component name for the system. */
  id: string;
}

/** Flat primitives only, so a whole object (a card payload, a job) can never be dumped into the log by accident. */
export type AuditDetails = Record<string, string | number | boolean>;

export interface AuditEntryDraft {
  action: string;
  actor: AuditActor;
  requestId: string;
  details: AuditDetails;
}

export const auditActorSchema = z.object({
  type: z.enum(['user', 'approver', 'helpdesk', 'agent', 'system']),
  id: z.string().min(1).max(200),
});

export const auditEntryDraftSchema = z.object({
  action: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/, 'an audit action looks like "request.created"'),
  actor: auditActorSchema,
  requestId: z.string().min(1).max(200),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: 'resetdesk' };

/**
 * Refuses details that contain any of the given secrets, in a key or a value.
 * The error names the offending field, never the secret. Comparison is
 * case-sensitive on purpose: a password's case is part of the secret, and a
 * case-folded match would flag harmless words that happen to share letters.
 */
export function assertNoSecrets(details: AuditDetails, secrets: readonly string[]): void {
  const live = secrets.filter((s) => s.length > 0);
  for (const [key, value] of Object.entries(details)) {
    const text = String(value);
    if (live.some((secret) => key.includes(secret) || text.includes(secret))) {
      throw new ResetDeskError('AUDIT_SECRET_IN_DETAILS', 'An audit entry would have carried a secret; it was not written.', { field: key });
    }
  }
}
