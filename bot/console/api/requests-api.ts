// Requests: every request with filters, and one request's timeline. What the
// page gets is what people need to follow a case; step-token hashes, card
// locations and sealed jobs never leave the service.
import { z } from 'zod';
import { REQUEST_KINDS, REQUEST_STATES, type Approval, type AuditEntry, type ResetRequest, type WritebackJob } from '../../store';
import { isoInstant, many, ok, parse, singles, uuidParam, type ApiRoute, type ConsoleContext, type Json } from './api-route';

export interface RequestRow {
  id: string;
  kind: ResetRequest['kind'];
  state: ResetRequest['state'];
  privileged: boolean;
  account: { displayName: string; userPrincipalName: string; samAccountName: string } | null;
  ownerAadId: string;
  /** The helpdesk member who started it for the owner; null for self-service. */
  requestedBy: string | null;
  methodsPassed: string[];
  resultCode: string | null;
  resultMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

export interface RequestsAnswer {
  requests: Json<RequestRow>[];
  /** Pass back as `after` for the next page; null at the end. */
  next: string | null;
}

export interface RequestDetailAnswer {
  request: Json<RequestRow>;
  /** Display names of the people in it (the account holder, the helpdesk member, approvers, actors), by Entra object id. */
  names: Record<string, string>;
  timeline: Json<AuditEntry>[];
  approvals: Json<Pick<Approval, 'approverAadId' | 'decision' | 'decidedAt'>>[];
  jobs: Json<Pick<WritebackJob, 'id' | 'kind' | 'state' | 'attempts' | 'result' | 'createdAt' | 'finishedAt'>>[];
}

export function requestRow(r: ResetRequest): RequestRow {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    privileged: r.privileged,
    account: r.subject ? { displayName: r.subject.displayName, userPrincipalName: r.subject.upn, samAccountName: r.subject.samAccountName } : null,
    ownerAadId: r.ownerAadId,
    requestedBy: r.requestedBy,
    methodsPassed: r.methodsPassed,
    resultCode: r.resultCode,
    resultMessage: r.resultMessage,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.expiresAt,
  };
}

const PAGE = 50;
// A timeline names a handful of people; more is not a request's timeline.
const MAX_NAMES = 20;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function namesOf(ctx: ConsoleContext, ids: Array<string | null | undefined>): Promise<Record<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && GUID.test(id)))].slice(0, MAX_NAMES);
  const found = await Promise.all(wanted.map((id) => ctx.journey.people.getUser(id).then((u) => [id, u.displayName ?? u.userPrincipalName] as const, () => null)));
  return Object.fromEntries(found.filter((f): f is readonly [string, string] => f !== null));
}

const Cursor = z
  .string()
  .max(200)
  .transform((v, ctx) => {
    try {
      const c = JSON.parse(Buffer.from(v, 'base64url').toString('utf8')) as { t?: unknown; i?: unknown };
      const createdAt = new Date(String(c.t));
      if (typeof c.i !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('cursor');
      return { createdAt, id: uuidParam.parse(c.i) };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a page cursor from this service' });
      return z.NEVER;
    }
  });

const cursorOf = (r: ResetRequest): string => Buffer.from(JSON.stringify({ t: r.createdAt.toISOString(), i: r.id })).toString('base64url');

const ListQuery = z.object({
  states: z.array(z.enum(REQUEST_STATES)).optional(),
  kinds: z.array(z.enum(REQUEST_KINDS)).optional(),
  person: z.string().trim().min(1).max(256).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  after: Cursor.optional(),
});

export const requestRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'requests',
    view: 'requests',
    handle: async (ctx, call) => {
      const q = parse(ListQuery, { states: many(call.query.state), kinds: many(call.query.kind), ...singles(call.query, ['person', 'from', 'to', 'after'] as const) });
      // One more than a page tells whether there is a next one.
      const rows = await ctx.store.listRequests({
        tenantId: ctx.tenantId,
        ...(q.states ? { states: q.states } : {}),
        ...(q.kinds ? { kinds: q.kinds } : {}),
        ...(q.person ? { person: q.person } : {}),
        ...(q.from ? { createdFrom: q.from } : {}),
        ...(q.to ? { createdBefore: q.to } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: PAGE + 1,
      });
      const page = rows.slice(0, PAGE);
      return ok({ requests: page.map(requestRow), next: rows.length > PAGE ? cursorOf(page[page.length - 1]!) : null });
    },
  },
  {
    method: 'GET',
    path: 'requests/:requestId',
    view: 'requests',
    handle: async (ctx, call) => {
      const id = parse(uuidParam, call.params.requestId);
      const request = await ctx.store.getRequest(id);
      if (!request || request.tenantId !== ctx.tenantId) return ok({ code: 'CONSOLE_NOT_FOUND', message: 'There is no such request.' }, 404);
      const [timeline, approvals, jobs] = await Promise.all([
        ctx.store.searchAudit({ requestId: id, order: 'oldest', limit: 1000 }),
        ctx.store.listApprovals(id),
        ctx.store.listJobsForRequest(id),
      ]);
      const names = await namesOf(ctx, [request.ownerAadId, request.requestedBy, ...approvals.map((a) => a.approverAadId), ...timeline.map((e) => e.actor.id)]);
      return ok({
        request: requestRow(request),
        names,
        timeline,
        approvals: approvals.map((a) => ({ approverAadId: a.approverAadId, decision: a.decision, decidedAt: a.decidedAt })),
        // The signed job (and the sealed password in it) never leaves the service.
        jobs: jobs.map((j) => ({ id: j.id, kind: j.kind, state: j.state, attempts: j.attempts, result: j.result, createdAt: j.createdAt, finishedAt: j.finishedAt })),
      });
    },
  },
];
