// An admin confirms or revokes a newly enrolled writeback agent from the card
// in the approver channel. The card's token is derived from the agent id with
// the service's secret, so only a card this service posted can decide; the
// click counts only from a member of the admin group, checked on every click.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { confirmAgentAs, findAgent, revokeAgentAs, type AgentView } from '../admin/agent-admin';
import type { Agent } from '../store';
import { agentView } from '../admin/agent-admin';
import type { Actor, JourneyDeps } from './journey-deps';
import { view, type Answer, type View } from './views';

export function agentDecisionToken(pepper: Buffer, agentId: string): string {
  return createHmac('sha256', pepper).update(`agent-decision:${agentId}`).digest('base64url');
}

function tokenMatches(pepper: Buffer, agentId: string, token: string): boolean {
  const expected = Buffer.from(agentDecisionToken(pepper, agentId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function cardFacts(view: AgentView, enrolledAt: Date) {
  return { agentId: view.id, name: view.name, thumbprint: view.keyThumbprint, managedOus: view.managedOus, version: view.version, enrolledAt };
}

/** The card that asks the admins to confirm `agent`. */
export async function agentEnrolledView(deps: Pick<JourneyDeps, 'config' | 'now'>, agent: Agent): Promise<View> {
  const facts = await agentView(agent, deps.now(), deps.config.agents);
  return view('agentEnrolled', { ...cardFacts(facts, agent.enrolledAt), stepToken: agentDecisionToken(deps.config.pepper, agent.id) });
}

export async function decideOnAgent(deps: JourneyDeps, actor: Actor, decision: 'confirm' | 'revoke', agentId: string, token: string): Promise<Answer> {
  if (!tokenMatches(deps.config.pepper, agentId, token)) return { privateNotice: 'This card is no longer active, so nothing happened.' };
  const admins = deps.config.adminGroupId;
  const isAdmin = admins ? await deps.people.isMemberOfGroup(actor.aadObjectId, admins) : false;
  if (!isAdmin) return { privateNotice: 'Only members of the admin group can confirm or revoke agents. Nothing was changed.' };
  const agent = await findAgent(deps.store, agentId);
  const now = deps.now();
  const by = await deps.people.getUser(actor.aadObjectId).then((u) => u.displayName ?? u.userPrincipalName, () => 'an admin');
  // A second click (or another admin's) finds the decision made and shows it.
  const decidedView = agent.revokedAt || agent.confirmedAt
    ? await agentView(agent, now, deps.config.agents)
    : decision === 'confirm'
      ? await confirmAgentAs(deps.store, agent.id, actor.aadObjectId, now, deps.config.agents)
      : await revokeAgentAs(deps.store, agent.id, actor.aadObjectId, now, deps.config.agents);
  const decided = decidedView.revokedAt ? 'revoked' : 'confirmed';
  const decidedBy = decidedView.confirmedBy === actor.aadObjectId || (decided === 'revoked' && !agent.revokedAt) ? by : 'another admin';
  return view('agentDecided', {
    ...cardFacts(decidedView, agent.enrolledAt),
    decision: decided,
    by: decidedBy,
    at: new Date(decidedView.revokedAt ?? decidedView.confirmedAt ?? now.toISOString()),
  });
}
