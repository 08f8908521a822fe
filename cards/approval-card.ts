// The card in the approver channel for a privileged request, and the same card
// once decided. It shows everything an approver needs to say yes or no without
// leaving Teams: who asked, for which account, why approval is needed, which
// checks were passed. Masked addresses only.
import { z } from 'zod';
import { accountNameSchema, actionContextSchema, displayNameSchema, instantSchema, parseCardData, safeTextSchema } from './card-data';
import { cardDateTime } from './card-time';
import { AdaptiveCard, cardTemplate } from './render-card';
import { checkDone, completedCheckSchema } from './verification-methods';
import template from './templates/approval.json';

const approvalFactsSchema = z.object({
  requester: z.object({ displayName: displayNameSchema, account: accountNameSchema }),
  account: z.object({ displayName: displayNameSchema, account: accountNameSchema }),
  operation: z.enum(['reset', 'unlock']),
  startedBy: z.enum(['user', 'helpdesk']).default('user'),
  /** Why the account is privileged, e.g. "Member of Domain Admins"; from the directory. */
  privilegedBecause: z.array(safeTextSchema).min(1).max(10),
  checksPassed: z.array(completedCheckSchema).max(5).default([]),
  askedAt: instantSchema,
  expiresAt: instantSchema.optional(),
  /** Different approvers needed, and who approved so far (display names). */
  approvalsRequired: z.number().int().min(1).max(5).default(1),
  approvedBy: z.array(displayNameSchema).max(5).default([]),
});

export const approvalRequestCardDataSchema = approvalFactsSchema.extend(actionContextSchema.shape);
export type ApprovalRequestCardData = z.input<typeof approvalRequestCardDataSchema>;

export const approvalResolvedCardDataSchema = approvalFactsSchema.extend({
  decision: z.discriminatedUnion('outcome', [
    z.object({ outcome: z.literal('approved'), by: displayNameSchema, at: instantSchema }),
    z.object({ outcome: z.literal('denied'), by: displayNameSchema, at: instantSchema, reason: safeTextSchema }),
    z.object({ outcome: z.literal('expired'), at: instantSchema }),
  ]),
});
export type ApprovalResolvedCardData = z.input<typeof approvalResolvedCardDataSchema>;

type Facts = z.output<typeof approvalFactsSchema>;

type View = {
  heading: string;
  headingColor: string;
  requesterName: string;
  requesterAccount: string;
  operationText: string;
  accountDisplayName: string;
  accountName: string;
  startedByHelpdesk: boolean;
  reasons: string[];
  checks: string[];
  askedAt: string;
  showExpiry: boolean;
  expiresAt: string;
  pending: boolean;
  resolved: boolean;
  resolutionStyle: string;
  resolutionText: string;
  hasDecider: boolean;
  decidedBy: string;
  decidedAt: string;
  showProgress: boolean;
  progressText: string;
  hasReason: boolean;
  reason: string;
  requestId: string;
  stepToken: string;
};

const render = cardTemplate<View>(template, 'approval');

function progressOf(f: Facts): Pick<View, 'showProgress' | 'progressText'> {
  if (f.approvalsRequired < 2) return { showProgress: false, progressText: '' };
  const given = f.approvedBy.length;
  const names = given > 0 ? `: approved by ${f.approvedBy.join(' and ')}` : '';
  return { showProgress: true, progressText: `Needs ${f.approvalsRequired} approvers (${given} of ${f.approvalsRequired} so far${names}).` };
}

function factsView(f: Facts): Omit<View, 'heading' | 'headingColor' | 'showExpiry' | 'pending' | 'resolved' | 'resolutionStyle' | 'resolutionText' | 'hasDecider' | 'decidedBy' | 'decidedAt' | 'requestId' | 'stepToken' | 'showProgress' | 'progressText' | 'hasReason' | 'reason'> {
  return {
    requesterName: f.requester.displayName,
    requesterAccount: f.requester.account,
    operationText: f.operation === 'reset' ? 'Reset the password of' : 'Unlock the account of',
    accountDisplayName: f.account.displayName,
    accountName: f.account.account,
    startedByHelpdesk: f.startedBy === 'helpdesk',
    reasons: f.privilegedBecause,
    checks: f.checksPassed.length > 0 ? f.checksPassed.map(checkDone) : ['None yet'],
    askedAt: cardDateTime(f.askedAt),
    expiresAt: f.expiresAt === undefined ? '' : cardDateTime(f.expiresAt),
  };
}

/** Approve / Deny, for members of the approver group (the bot refuses an approver's own request). */
export function buildApprovalRequestCard(data: ApprovalRequestCardData): AdaptiveCard {
  const d = parseCardData(approvalRequestCardDataSchema, data, 'approval request');
  return render({
    ...factsView(d),
    heading: 'Approval needed',
    headingColor: 'warning',
    showExpiry: d.expiresAt !== undefined,
    pending: true,
    resolved: false,
    resolutionStyle: 'default',
    resolutionText: '',
    hasDecider: false,
    decidedBy: '',
    decidedAt: '',
    ...progressOf(d),
    hasReason: false,
    reason: '',
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}

const OUTCOMES = {
  approved: { heading: 'Approved', color: 'good', style: 'good', text: 'Approved by ' },
  denied: { heading: 'Denied', color: 'attention', style: 'attention', text: 'Denied by ' },
  expired: { heading: 'Expired', color: 'default', style: 'emphasis', text: 'No one answered in time.' },
} as const;

/** Replaces the approval card for everyone in the channel once it is decided or has expired; it has no buttons. */
export function buildApprovalResolvedCard(data: ApprovalResolvedCardData): AdaptiveCard {
  const d = parseCardData(approvalResolvedCardDataSchema, data, 'approval resolved');
  const outcome = OUTCOMES[d.decision.outcome];
  const by = d.decision.outcome === 'expired' ? undefined : d.decision.outcome === 'approved' && d.approvedBy.length > 1 ? d.approvedBy.join(' and ') : d.decision.by;
  const reason = d.decision.outcome === 'denied' ? d.decision.reason : undefined;
  return render({
    ...factsView(d),
    heading: outcome.heading,
    headingColor: outcome.color,
    showExpiry: false,
    pending: false,
    resolved: true,
    resolutionStyle: outcome.style,
    resolutionText: outcome.text,
    hasDecider: by !== undefined,
    decidedBy: by ?? '',
    decidedAt: cardDateTime(d.decision.at),
    showProgress: false,
    progressText: '',
    hasReason: reason !== undefined,
    reason: reason ?? '',
    requestId: '',
    stepToken: '',
  });
}
