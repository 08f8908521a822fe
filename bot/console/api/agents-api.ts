// Agents: who they are (name, key thumbprint, version), how they are doing
// (last seen, jobs and failures in the last hour), and an admin's three
// acts: confirm a new one, revoke one, issue an enrollment code. The acts
// are the same functions the admin CLI and the channel card use.
import { z } from 'zod';
import { confirmAgentAs, listAgentViews, revokeAgentAs, type AgentView } from '../../admin/agent-admin';
import { issueEnrollmentCode } from '../../writeback/enrollment-codes';
import { ok, parse, uuidParam, type ApiRoute, type Json } from './api-route';

export interface AgentRow extends AgentView {
  /** Jobs the agent finished in the last hour, and how many of them failed. */
  jobsLastHour: number;
  failuresLastHour: number;
  lastFailure: { code: string; at: Date } | null;
  /**
   * The domain controllers the agent reaches. Agents do not report them to
   * the service yet (their `doctor` shows them on the agent's machine): null.
   */
  domainControllers: Array<{ url: string; reachable: boolean }> | null;
}

export interface AgentsAnswer {
  agents: Json<AgentRow>[];
}

export interface EnrollmentCodeAnswer {
  code: string;
  expiresAt: string;
}

const HOUR_MS = 3_600_000;
const EnrollmentBody = z.strictObject({ ttlMinutes: z.number().int().min(1).max(60).optional() });

export const agentRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'agents',
    view: 'agents',
    handle: async (ctx) => {
      const now = ctx.now();
      const [views, activity] = await Promise.all([listAgentViews(ctx.store, now, ctx.agentWindows), ctx.store.listAgentActivity(new Date(now.getTime() - HOUR_MS))]);
      const byAgent = new Map(activity.map((a) => [a.agentId, a]));
      const agents: AgentRow[] = views.map((v) => {
        const a = byAgent.get(v.id);
        return { ...v, jobsLastHour: a?.jobs ?? 0, failuresLastHour: a?.failed ?? 0, lastFailure: a?.lastFailure ?? null, domainControllers: null };
      });
      return ok({ agents });
    },
  },
  {
    method: 'POST',
    path: 'agents/:agentId/confirm',
    view: 'agents',
    handle: async (ctx, call) => ok(await confirmAgentAs(ctx.store, parse(uuidParam, call.params.agentId), call.actor.aadObjectId, ctx.now(), ctx.agentWindows)),
  },
  {
    method: 'POST',
    path: 'agents/:agentId/revoke',
    view: 'agents',
    handle: async (ctx, call) => ok(await revokeAgentAs(ctx.store, parse(uuidParam, call.params.agentId), call.actor.aadObjectId, ctx.now(), ctx.agentWindows)),
  },
  {
    // Shown once: the store keeps only its hash, and no GET ever returns it.
    method: 'POST',
    path: 'enrollment-codes',
    view: 'agents',
    handle: async (ctx, call) => {
      const { ttlMinutes } = parse(EnrollmentBody, call.body);
      const issued = await issueEnrollmentCode(ctx.store, { createdBy: call.actor.aadObjectId, ...(ttlMinutes ? { ttlSeconds: ttlMinutes * 60 } : {}) });
      return ok({ code: issued.code, expiresAt: issued.expiresAt.toISOString() }, 201);
    },
  },
];
