// The card that asks the admins, in the approver channel, to confirm a newly
// enrolled writeback agent, and the same card once someone decided. It shows
// the key thumbprint the agent printed on its own server, so the admin can
// tell their agent from one enrolled by someone who stole a code.
import { z } from 'zod';
import { displayNameSchema, instantSchema, parseCardData, stepTokenSchema } from './card-data';
import { cardDateTime } from './card-time';
import { AdaptiveCard, cardTemplate } from './render-card';
import template from './templates/agent-enrolled.json';

const agentFactsSchema = z.object({
  agentId: z.uuid(),
  name: displayNameSchema,
  /** As formatKeyThumbprint shows it, e.g. `Xq3v-9LmR-2kP8-wT4y-Z1aB`. */
  thumbprint: z.string().regex(/^[A-Za-z0-9_-]{4}(-[A-Za-z0-9_-]{4}){4}$/),
  managedOus: z.array(z.string().min(1).max(1024)).min(1).max(100),
  version: z.string().max(64).nullable().default(null),
  enrolledAt: instantSchema,
});

export const agentEnrolledCardDataSchema = agentFactsSchema.extend({ stepToken: stepTokenSchema });
export type AgentEnrolledCardData = z.input<typeof agentEnrolledCardDataSchema>;

export const agentDecidedCardDataSchema = agentFactsSchema.extend({
  decision: z.enum(['confirmed', 'revoked']),
  by: displayNameSchema,
  at: instantSchema,
});
export type AgentDecidedCardData = z.input<typeof agentDecidedCardDataSchema>;

type View = {
  heading: string;
  headingColor: string;
  name: string;
  thumbprint: string;
  ous: string;
  version: string;
  enrolledAt: string;
  pending: boolean;
  resolved: boolean;
  resolutionStyle: string;
  resolutionText: string;
  decidedAt: string;
  agentId: string;
  stepToken: string;
};

const render = cardTemplate<View>(template, 'agent enrolled');

function facts(d: z.output<typeof agentFactsSchema>) {
  return { name: d.name, thumbprint: d.thumbprint, ous: d.managedOus.join('; '), version: d.version ?? 'not reported', enrolledAt: cardDateTime(d.enrolledAt) };
}

/** Confirm / Revoke, for members of the admin group. */
export function buildAgentEnrolledCard(data: AgentEnrolledCardData): AdaptiveCard {
  const d = parseCardData(agentEnrolledCardDataSchema, data, 'agent enrolled');
  return render({
    ...facts(d), heading: 'Confirm a new writeback agent?', headingColor: 'warning', pending: true, resolved: false,
    resolutionStyle: 'default', resolutionText: '', decidedAt: '', agentId: d.agentId, stepToken: d.stepToken,
  });
}

/** Replaces the card for everyone in the channel once an admin decided; it has no buttons. */
export function buildAgentDecidedCard(data: AgentDecidedCardData): AdaptiveCard {
  const d = parseCardData(agentDecidedCardDataSchema, data, 'agent decided');
  const confirmed = d.decision === 'confirmed';
  return render({
    ...facts(d),
    heading: confirmed ? 'Writeback agent confirmed' : 'Writeback agent revoked',
    headingColor: confirmed ? 'good' : 'attention',
    pending: false,
    resolved: true,
    resolutionStyle: confirmed ? 'good' : 'attention',
    resolutionText: `${confirmed ? 'Confirmed' : 'Revoked'} by ${d.by}`,
    decidedAt: cardDateTime(d.at),
    agentId: '',
    stepToken: '',
  });
}
