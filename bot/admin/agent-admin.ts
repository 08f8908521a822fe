// What an admin can do with writeback agents, whichever door they come in by
// (the admin CLI, the management API, a card in Teams, later the console):
// list them with what identifies them, confirm a new one, revoke one. One
// implementation, so every door applies the same rules and audits the same way.
import { formatKeyThumbprint, jwkThumbprint, type SigningPublicJwk } from '../../agent/protocol';
import { ResetDeskError } from '../errors';
import type { Agent, AuditActor, Store } from '../store';

export type AgentStatus = 'waiting for confirmation' | 'active' | 'not seen recently' | 'revoked';

export interface AgentView {
  id: string;
  name: string;
  /** As the agent printed it at enrollment (formatKeyThumbprint). */
  keyThumbprint: string;
  status: AgentStatus;
  enrolledAt: string;
  lastSeenAt: string | null;
  confirmedAt: string | null;
  confirmedBy: string | null;
  revokedAt: string | null;
  version: string | null;
  managedOus: string[];
}

export interface AgentAdminWindows {
  /** An agent heard from within this is active (and is sealed jobs). */
  seenWithinMs: number;
}

export async function agentView(agent: Agent, now: Date, windows: AgentAdminWindows): Promise<AgentView> {
  const seen = agent.lastSeenAt !== null && agent.lastSeenAt.getTime() >= now.getTime() - windows.seenWithinMs;
  const status: AgentStatus = agent.revokedAt ? 'revoked' : !agent.confirmedAt ? 'waiting for confirmation' : seen ? 'active' : 'not seen recently';
  return {
    id: agent.id,
    name: agent.name,
    keyThumbprint: formatKeyThumbprint(await jwkThumbprint(agent.signingJwk as unknown as SigningPublicJwk)),
    status,
    enrolledAt: agent.enrolledAt.toISOString(),
    lastSeenAt: agent.lastSeenAt?.toISOString() ?? null,
    confirmedAt: agent.confirmedAt?.toISOString() ?? null,
    confirmedBy: agent.confirmedBy,
    revokedAt: agent.revokedAt?.toISOString() ?? null,
    version: agent.version,
    managedOus: agent.managedOus,
  };
}

export async function listAgentViews(store: Store, now: Date, windows: AgentAdminWindows): Promise<AgentView[]> {
  return Promise.all((await store.listAgents({ includeRevoked: true })).map((a) => agentView(a, now, windows)));
}

/** Finds an agent by its id, or by a name no other (unrevoked) agent has. */
export async function findAgent(store: Store, idOrName: string): Promise<Agent> {
  const agents = await store.listAgents({ includeRevoked: true });
  const byId = agents.find((a) => a.id === idOrName);
  if (byId) return byId;
  const byName = agents.filter((a) => a.name === idOrName && a.revokedAt === null);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new ResetDeskError('ADMIN_AGENT_AMBIGUOUS', `Several agents are called "${idOrName}"; use the id.`);
  throw new ResetDeskError('ADMIN_AGENT_NOT_FOUND', `No agent has the id or name "${idOrName}".`);
}

/** Who acts, as the audit log records them: an admin's AAD id, or `cli:<user>` on the server. */
export function adminActor(id: string): AuditActor {
  return { kind: 'admin', id };
}

export async function confirmAgentAs(store: Store, idOrName: string, by: string, now: Date, windows: AgentAdminWindows): Promise<AgentView> {
  const found = await findAgent(store, idOrName);
  if (found.revokedAt) throw new ResetDeskError('ADMIN_AGENT_REVOKED', `Agent "${found.name}" was revoked; enroll it again instead.`);
  const view = await agentView(found, now, windows);
  const agent = await store.confirmAgent(found.id, by, { actor: adminActor(by), action: 'agent.confirmed', details: { keyThumbprint: view.keyThumbprint } });
  return agentView(agent, now, windows);
}

export async function revokeAgentAs(store: Store, idOrName: string, by: string, now: Date, windows: AgentAdminWindows): Promise<AgentView> {
  const found = await findAgent(store, idOrName);
  const agent = await store.revokeAgent(found.id, { actor: adminActor(by), action: 'agent.revoked' });
  return agentView(agent, now, windows);
}
