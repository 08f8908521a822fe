// Read-only questions the console asks of the store: requests by filter, the
// audit log by filter, what each agent did lately, and the counts behind the
// console's small charts. Nothing here writes; every input is checked before
// any SQL runs, like the rest of the store.
import { z } from 'zod';
import type { StoreContext } from './context';
import { iso, toAuditEntry, toRequest } from './rows';
import { ACTOR_KINDS, REQUEST_KINDS, REQUEST_STATES, type ActorKind, type AuditEntry, type RequestKind, type RequestState, type ResetRequest } from './types';
import { parseInput } from './validation';

export interface RequestQuery {
  tenantId: string;
  states?: RequestState[];
  kinds?: RequestKind[];
  /**
   * An Entra object id (whose account it is, or the helpdesk member who
   * asked), or words found in the account's UPN, sAMAccountName or name.
   */
  person?: string;
  /** Created at or after. */
  createdFrom?: Date;
  /** Created before. */
  createdBefore?: Date;
  /** The next page after this request, newest first (keyset paging). */
  after?: { createdAt: Date; id: string };
  /** At most 200; 50 unless said. */
  limit?: number;
}

export interface AuditSearch {
  /** An action (`agent.confirmed`) or a family of them (`agent`: every `agent.*`). */
  action?: string;
  actorKind?: ActorKind;
  /** An Entra object id, agent id or component name. */
  actorId?: string;
  requestId?: string;
  /** Written at or after. */
  from?: Date;
  /** Written before. */
  before?: Date;
  /** Newest first (the console's default) or oldest first (exports). */
  order?: 'newest' | 'oldest';
  /** Continues a listing: entries past this sequence number in the chosen order. */
  afterSeq?: number;
  /** At most 5000; 100 unless said. */
  limit?: number;
}

export interface AgentActivity {
  agentId: string;
  /** Jobs the agent finished in the window (it held the last lease). */
  jobs: number;
  failed: number;
  /** The most recent failure in the window: its result code (a stable code, never a message with names). */
  lastFailure: { code: string; at: Date } | null;
}

export interface OutcomeCountsQuery {
  tenantId: string;
  /** Requests that ended at or after this instant. */
  since: Date;
  /** ...and before this one. */
  until: Date;
  /** Days are counted in this offset from UTC (the viewer's own), in minutes. */
  utcOffsetMinutes: number;
}

export interface DayCounts {
  /** YYYY-MM-DD in the asked offset. */
  day: string;
  /** Password resets that took effect. */
  resets: number;
  /** People whose account was unlocked (each counted once a day). */
  peopleUnlocked: number;
  /** Requests that ended without success. */
  unsuccessful: number;
}

export interface OutcomeCounts {
  /** Every day of the window, oldest first, zeros included. */
  days: DayCounts[];
  /** Requests that ended without success, by the result code they ended with, most frequent first. */
  unsuccessfulByReason: Array<{ code: string; count: number }>;
}

const uuid = z.uuid();
const date = z.date().refine((d) => !Number.isNaN(d.getTime()), 'Invalid date');

const requestQuerySchema = z.object({
  tenantId: z.string().min(1).max(128),
  states: z.array(z.enum(REQUEST_STATES)).max(REQUEST_STATES.length).optional(),
  kinds: z.array(z.enum(REQUEST_KINDS)).max(REQUEST_KINDS.length).optional(),
  person: z.string().trim().min(1).max(256).optional(),
  createdFrom: date.optional(),
  createdBefore: date.optional(),
  after: z.object({ createdAt: date, id: uuid }).strict().optional(),
  limit: z.number().int().min(1).max(200).optional(),
}).strict();

const auditSearchSchema = z.object({
  action: z.string().trim().min(1).max(100).regex(/^[a-z0-9_.]+$/i, 'an action is letters, digits, dots and underscores').optional(),
  actorKind: z.enum(ACTOR_KINDS).optional(),
  actorId: z.string().trim().min(1).max(256).optional(),
  requestId: uuid.optional(),
  from: date.optional(),
  before: date.optional(),
  order: z.enum(['newest', 'oldest']).optional(),
  afterSeq: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(5000).optional(),
}).strict();

const MAX_WINDOW_DAYS = 92;
const outcomeCountsSchema = z.object({
  tenantId: z.string().min(1).max(128),
  since: date,
  until: date,
  utcOffsetMinutes: z.number().int().min(-14 * 60).max(14 * 60),
}).strict().refine((q) => q.until.getTime() > q.since.getTime() && q.until.getTime() - q.since.getTime() <= MAX_WINDOW_DAYS * 86_400_000, {
  message: `until must follow since, at most ${MAX_WINDOW_DAYS} days later`,
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const likePattern = (words: string): string => `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listRequests(ctx: StoreContext, query: RequestQuery): Promise<ResetRequest[]> {
  const q = parseInput(requestQuerySchema, query, 'request query');
  const params: unknown[] = [q.tenantId];
  const where = ['tenant_id = $1'];
  const add = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (q.states?.length) where.push(`state = ANY(${add(q.states)}::text[])`);
  if (q.kinds?.length) where.push(`kind = ANY(${add(q.kinds)}::text[])`);
  if (q.person) {
    if (GUID.test(q.person)) {
      const p = add(q.person.toLowerCase());
      where.push(`(lower(owner_aad_id) = ${p} OR lower(requested_by) = ${p})`);
    } else {
      const p = add(likePattern(q.person));
      where.push(`(subject->>'upn' ILIKE ${p} OR subject->>'samAccountName' ILIKE ${p} OR subject->>'displayName' ILIKE ${p})`);
    }
  }
  if (q.createdFrom) where.push(`created_at >= ${add(iso(q.createdFrom))}::timestamptz`);
  if (q.createdBefore) where.push(`created_at < ${add(iso(q.createdBefore))}::timestamptz`);
  if (q.after) where.push(`(created_at, id) < (${add(iso(q.after.createdAt))}::timestamptz, ${add(q.after.id)}::uuid)`);
  const rows = await ctx.db.query(
    `SELECT * FROM reset_requests WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${add(q.limit ?? 50)}`,
    params,
  );
  return rows.map(toRequest);
}

export async function searchAudit(ctx: StoreContext, search: AuditSearch = {}): Promise<AuditEntry[]> {
  const q = parseInput(auditSearchSchema, search, 'audit search');
  // Entries still in the inbox are chained first, so a search sees what was just done.
  await ctx.sealer?.flush();
  const newest = (q.order ?? 'newest') === 'newest';
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (q.action) {
    const a = add(q.action);
    where.push(`(action = ${a} OR starts_with(action, ${a} || '.'))`);
  }
  if (q.actorKind) where.push(`actor->>'kind' = ${add(q.actorKind)}`);
  if (q.actorId) where.push(`actor->>'id' = ${add(q.actorId)}`);
  if (q.requestId) where.push(`request_id = ${add(q.requestId)}::uuid`);
  if (q.from) where.push(`at >= ${add(iso(q.from))}::timestamptz`);
  if (q.before) where.push(`at < ${add(iso(q.before))}::timestamptz`);
  if (q.afterSeq !== undefined) where.push(`seq ${newest ? '<' : '>'} ${add(q.afterSeq)}`);
  const rows = await ctx.db.query(
    `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${newest ? 'DESC' : 'ASC'} LIMIT ${add(q.limit ?? 100)}`,
    params,
  );
  return rows.map(toAuditEntry);
}

export async function listAgentActivity(ctx: StoreContext, since: Date): Promise<AgentActivity[]> {
  const from = parseInput(date, since, 'activity window');
  // A finished job keeps the agent that held its last lease in lease_owner.
  const rows = await ctx.db.query<{ agent_id: string; jobs: string | number; failed: string | number; last_code: string | null; last_at: Date | string | null }>(
    `SELECT lease_owner AS agent_id,
            count(*) AS jobs,
            count(*) FILTER (WHERE state = 'failed') AS failed,
            (array_agg(result->>'code' ORDER BY finished_at DESC) FILTER (WHERE state = 'failed'))[1] AS last_code,
            max(finished_at) FILTER (WHERE state = 'failed') AS last_at
       FROM writeback_jobs
      WHERE lease_owner IS NOT NULL AND state IN ('succeeded','failed') AND finished_at >= $1::timestamptz
      GROUP BY lease_owner
      ORDER BY lease_owner`,
    [iso(from)],
  );
  return rows.map((r) => ({
    agentId: String(r.agent_id),
    jobs: Number(r.jobs),
    failed: Number(r.failed),
    lastFailure: r.last_at === null || r.last_at === undefined ? null : { code: r.last_code ?? 'UNKNOWN', at: new Date(r.last_at) },
  }));
}

const ENDED_UNSUCCESSFULLY = ['failed', 'expired', 'denied', 'closed'];
const DAY_MS = 86_400_000;

export async function countOutcomes(ctx: StoreContext, query: OutcomeCountsQuery): Promise<OutcomeCounts> {
  const q = parseInput(outcomeCountsSchema, query, 'counts query');
  const offsetSeconds = q.utcOffsetMinutes * 60;
  // A request's last change is when it ended; days are whole days in the viewer's offset.
  const dayOf = `floor((extract(epoch from updated_at) + $4::numeric) / 86400)::bigint`;
  const [byDay, byReason] = await Promise.all([
    ctx.db.query<{ day: string | number; resets: string | number; unlocked: string | number; unsuccessful: string | number }>(
      `SELECT ${dayOf} AS day,
              count(*) FILTER (WHERE kind = 'reset' AND state = 'succeeded') AS resets,
              count(DISTINCT owner_aad_id) FILTER (WHERE kind = 'unlock' AND state = 'succeeded') AS unlocked,
              count(*) FILTER (WHERE state = ANY($5::text[])) AS unsuccessful
         FROM reset_requests
        WHERE tenant_id = $1 AND updated_at >= $2::timestamptz AND updated_at < $3::timestamptz
        GROUP BY 1`,
      [q.tenantId, iso(q.since), iso(q.until), offsetSeconds, ENDED_UNSUCCESSFULLY],
    ),
    ctx.db.query<{ code: string; n: string | number }>(
      `SELECT coalesce(result_code, upper(state)) AS code, count(*) AS n
         FROM reset_requests
        WHERE tenant_id = $1 AND updated_at >= $2::timestamptz AND updated_at < $3::timestamptz AND state = ANY($4::text[])
        GROUP BY 1
        ORDER BY n DESC, code`,
      [q.tenantId, iso(q.since), iso(q.until), ENDED_UNSUCCESSFULLY],
    ),
  ]);
  const found = new Map(byDay.map((r) => [Number(r.day), r]));
  const first = Math.floor((q.since.getTime() / 1000 + offsetSeconds) / 86400);
  const last = Math.floor(((q.until.getTime() - 1) / 1000 + offsetSeconds) / 86400);
  const days: DayCounts[] = [];
  for (let d = first; d <= last; d++) {
    const r = found.get(d);
    days.push({
      day: new Date(d * DAY_MS).toISOString().slice(0, 10),
      resets: Number(r?.resets ?? 0),
      peopleUnlocked: Number(r?.unlocked ?? 0),
      unsuccessful: Number(r?.unsuccessful ?? 0),
    });
  }
  return { days, unsuccessfulByReason: byReason.map((r) => ({ code: String(r.code), count: Number(r.n) })) };
}
