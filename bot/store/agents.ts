import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ResetDeskError } from '../errors';
import { appendAuditInTx, validateAudit } from './audit-log';
import type { StoreContext } from './context';
import type { Queryable } from './engine';
import { consumeEnrollmentCodeInTx } from './enrollment-codes';
import { iso, jsonParam, toAgent } from './rows';
import type { Agent, AuditEntryInput, NewAgent } from './types';
import { newAgentSchema, isUuid, parseInput } from './validation';

async function insertAgentInTx(tx: Queryable, a: z.output<typeof newAgentSchema>, now: Date): Promise<Agent> {
  const rows = await tx.query(
    `INSERT INTO agents (id, name, signing_jwk, encryption_jwk, managed_ous, enrolled_at, version)
     VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::timestamptz, $7) RETURNING *`,
    [a.id ?? randomUUID(), a.name, jsonParam(a.signingJwk), jsonParam(a.encryptionJwk), jsonParam(a.managedOus), iso(now), a.version ?? null],
  );
  return toAgent(rows[0]!);
}

function agentAudit(entry: AuditEntryInput, agent: Agent): AuditEntryInput {
  return { ...entry, details: { agentId: agent.id, agentName: agent.name, ...(entry.details ?? {}) } };
}

export async function registerAgent(ctx: StoreContext, input: NewAgent, audit: AuditEntryInput): Promise<Agent> {
  const a = parseInput(newAgentSchema, input, 'agent');
  const entry = validateAudit(audit);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const agent = await insertAgentInTx(tx, a, now);
    await appendAuditInTx(tx, agentAudit(entry, agent), now);
    return agent;
  });
}

/** Burns the enrollment code and registers the agent together: a failed registration leaves the code usable. */
export async function enrollAgent(ctx: StoreContext, code: string, input: NewAgent, audit: AuditEntryInput): Promise<Agent> {
  const a = parseInput(newAgentSchema, input, 'agent');
  const entry = validateAudit(audit);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const used = await consumeEnrollmentCodeInTx(tx, code, now);
    const agent = await insertAgentInTx(tx, a, now);
    await appendAuditInTx(tx, agentAudit({ ...entry, details: { enrollmentCodeCreatedBy: used.createdBy, ...(entry.details ?? {}) } }, agent), now);
    return agent;
  });
}

export async function getAgent(ctx: StoreContext, id: string): Promise<Agent | null> {
  if (!isUuid(id)) return null;
  const rows = await ctx.db.query('SELECT * FROM agents WHERE id = $1', [id]);
  return rows[0] ? toAgent(rows[0]) : null;
}

export async function listAgents(ctx: StoreContext, includeRevoked: boolean): Promise<Agent[]> {
  const rows = await ctx.db.query('SELECT * FROM agents WHERE $1::boolean OR revoked_at IS NULL ORDER BY enrolled_at, id', [includeRevoked]);
  return rows.map(toAgent);
}

const agentVersionSchema = z.string().regex(/^[0-9A-Za-z.+_-]{1,64}$/, 'a version like 1.2.3');

/** Records that the agent was heard from (lease or heartbeat), and the version it runs; health is judged from this. */
export async function touchAgent(ctx: StoreContext, id: string, version?: string): Promise<void> {
  if (!isUuid(id)) throw agentNotFound(id);
  const v = version === undefined ? null : parseInput(agentVersionSchema, version, 'agent version');
  const rows = await ctx.db.query('UPDATE agents SET last_seen_at = $2::timestamptz, version = COALESCE($3, version) WHERE id = $1 RETURNING id', [id, iso(ctx.now()), v]);
  if (!rows[0]) throw agentNotFound(id);
}

export async function confirmAgent(ctx: StoreContext, id: string, confirmedBy: string, audit: AuditEntryInput): Promise<Agent> {
  const by = parseInput(z.string().min(1).max(256), confirmedBy, 'confirmed by');
  const entry = validateAudit(audit);
  if (!isUuid(id)) throw agentNotFound(id);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE agents SET confirmed_at = COALESCE(confirmed_at, $2::timestamptz), confirmed_by = COALESCE(confirmed_by, $3)
        WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
      [id, iso(now), by],
    );
    if (!rows[0]) {
      const existing = await tx.query('SELECT id FROM agents WHERE id = $1', [id]);
      if (!existing[0]) throw agentNotFound(id);
      throw new ResetDeskError('STORE_AGENT_REVOKED', 'This agent was revoked; enroll it again instead.', { agentId: id });
    }
    const agent = toAgent(rows[0]);
    await appendAuditInTx(tx, agentAudit(entry, agent), now);
    return agent;
  });
}

export async function revokeAgent(ctx: StoreContext, id: string, audit: AuditEntryInput): Promise<Agent> {
  const entry = validateAudit(audit);
  if (!isUuid(id)) throw agentNotFound(id);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    // COALESCE keeps the first revocation time if it is revoked twice.
    const rows = await tx.query('UPDATE agents SET revoked_at = COALESCE(revoked_at, $2::timestamptz) WHERE id = $1 RETURNING *', [id, iso(now)]);
    if (!rows[0]) throw agentNotFound(id);
    const agent = toAgent(rows[0]);
    await appendAuditInTx(tx, agentAudit(entry, agent), now);
    return agent;
  });
}

function agentNotFound(id: string): ResetDeskError {
  return new ResetDeskError('STORE_NOT_FOUND', 'This agent is not enrolled.', { agentId: id });
}
