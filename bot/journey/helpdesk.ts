// The helpdesk's way in: find the caller (Graph), see their account (the
// agent's inspect), choose unlock or reset with a ticket number, then verify
// the caller like any request (a code the caller reads back, or the owner's
// "yes, that's me" in Teams). Membership of the helpdesk group is checked on
// every step; nobody acts on their own account; a privileged account, or one
// of the helpdesk's or the admins' own, needs an approver first.
import { randomUUID } from 'node:crypto';
import type { InspectReport } from '../../agent/protocol';
import { approvalsNeeded } from '../domain/approval-policy';
import { createResetRequest } from '../domain/reset-request';
import { issueStepToken } from '../domain/step-token';
import { requiredMethodCount } from '../domain/verification/verification-policy';
import { ResetDeskError } from '../errors';
import type { DirectoryUser } from '../graph/graph-directory';
import type { Actor, ClickOrigin, JourneyDeps } from './journey-deps';
import { newMenuToken, startAgain } from './refusals';
import { toAuditInput } from './request-records';
import { deliveryTargetOf } from './temporary-password-delivery';
import { spendUse } from './usage-guard';
import { chooseMethodView, inspectOrNull } from './verification-options';
import { view, type View } from './views';

const fresh = () => ({ requestId: randomUUID(), stepToken: newMenuToken() });

/** Checked on every helpdesk step: membership can be taken away between two clicks. */
export async function isHelpdeskMember(deps: JourneyDeps, actor: Actor): Promise<boolean> {
  const group = deps.config.helpdeskGroupId;
  return group !== undefined && (await deps.people.isMemberOfGroup(actor.aadObjectId, group));
}

async function assertHelpdeskMember(deps: JourneyDeps, actor: Actor): Promise<void> {
  if (!(await isHelpdeskMember(deps, actor))) {
    throw new ResetDeskError('HELPDESK_NOT_MEMBER', 'Only members of the helpdesk group can help someone else.');
  }
}

export async function openHelpdesk(deps: JourneyDeps, actor: Actor): Promise<View> {
  await assertHelpdeskMember(deps, actor);
  return view('helpdeskFind', fresh());
}

export async function findPerson(deps: JourneyDeps, actor: Actor, query: string): Promise<View> {
  await assertHelpdeskMember(deps, actor);
  const people = await deps.people.searchUsers(query, 8);
  if (people.length === 0) {
    return view('helpdeskFind', { ...fresh(), query, error: `Nobody matches "${query}". Check the spelling, or search by e-mail or sign-in name.` });
  }
  return view('helpdeskMatches', {
    query,
    people: people.map((p) => ({
      personId: p.id,
      displayName: p.displayName ?? p.userPrincipalName,
      userPrincipalName: p.userPrincipalName,
      ...(p.jobTitle ? { jobTitle: p.jobTitle } : {}),
      ...(p.department ? { department: p.department } : {}),
      ...fresh(),
    })),
    searchAgain: fresh(),
  });
}

interface Caller {
  user: DirectoryUser & { onPremisesSecurityIdentifier: string; onPremisesSamAccountName: string };
  report: InspectReport;
  /** Why an approver must agree (the agent's reasons, and roles in ResetDesk itself). */
  approvalReasons: string[];
  approvalsRequired: number;
}

/** The person the helpdesk picked, checked: not the helpdesk member, synced from AD, reachable by the agent, in scope. */
async function callerFor(deps: JourneyDeps, actor: Actor, personId: string, kind: 'reset' | 'unlock'): Promise<Caller | View> {
  if (personId === actor.aadObjectId) {
    throw new ResetDeskError('HELPDESK_SELF', 'Reset your own password yourself, not as the helpdesk.');
  }
  const user = await deps.people.getUser(personId);
  const name = user.displayName ?? user.userPrincipalName;
  if (!user.onPremisesSyncEnabled || !user.onPremisesSecurityIdentifier || !user.onPremisesSamAccountName) {
    return view('helpdeskFind', { ...fresh(), error: `${name} has a cloud-only account, which is not in the company directory this service manages. Use the Microsoft Entra admin center.` });
  }
  const report = await inspectOrNull(deps, { sid: user.onPremisesSecurityIdentifier });
  if (!report) return view('directoryUnreachable', { startAgain: startAgain() });
  if (!report.inScope) return view('helpdeskFind', { ...fresh(), error: `${name}'s account is in a part of the directory this service does not manage.` });
  const staff: string[] = [];
  if (deps.config.helpdeskGroupId && (await deps.people.isMemberOfGroup(personId, deps.config.helpdeskGroupId))) staff.push('a member of the helpdesk group');
  if (deps.config.adminGroupId && (await deps.people.isMemberOfGroup(personId, deps.config.adminGroupId))) staff.push('an admin of ResetDesk');
  const needed = approvalsNeeded({ kind, privileged: report.privileged, requestedBy: actor.aadObjectId }, report.privilegeGroups, deps.config.approval);
  return {
    user: user as Caller['user'],
    report,
    approvalReasons: [...(report.privileged ? (report.privilegedBecause ?? ['privileged in the directory']) : []), ...staff],
    approvalsRequired: staff.length > 0 ? Math.max(1, needed) : needed,
  };
}

export async function pickPerson(deps: JourneyDeps, actor: Actor, personId: string): Promise<View> {
  await assertHelpdeskMember(deps, actor);
  const caller = await callerFor(deps, actor, personId, 'reset');
  if ('view' in caller) return caller;
  const r = caller.report;
  return view('helpdeskAccount', {
    ...fresh(),
    personId,
    displayName: caller.user.displayName ?? caller.user.userPrincipalName,
    accountName: caller.user.onPremisesSamAccountName,
    state: {
      locked: r.locked,
      disabled: r.disabled,
      passwordExpired: r.passwordExpired ?? false,
      mustChange: r.mustChange,
      passwordExpiresAt: r.passwordExpiresAt ? new Date(r.passwordExpiresAt) : null,
      passwordLastSetAt: r.passwordLastSetAt ? new Date(r.passwordLastSetAt) : null,
    },
    approvalReasons: caller.approvalReasons,
    approvalsRequired: caller.approvalsRequired,
    searchAgain: fresh(),
  });
}

/** Unlock or reset for the caller: a request of the owner's, driven by the helpdesk member, starting with the caller's check. */
export async function startForCaller(
  deps: JourneyDeps, actor: Actor, kind: 'reset' | 'unlock', personId: string, ticket: string, requestId: string, origin: ClickOrigin,
): Promise<View> {
  await assertHelpdeskMember(deps, actor);
  if (await deps.store.getRequest(requestId)) return view('stepOver', { startAgain: startAgain() });
  const caller = await callerFor(deps, actor, personId, kind);
  if ('view' in caller) return caller;
  const { user, report } = caller;
  const name = user.displayName ?? user.userPrincipalName;
  if (kind === 'reset' && deps.config.helpdeskDelivery === 'verified-method' && !(await deliveryTargetOf(deps, { id: requestId, ownerAadId: personId }))) {
    // A temporary password nobody can receive would lock them out harder: refuse before anything is set.
    return view('helpdeskFind', { ...fresh(), error: `${name} has no mobile number or alternate e-mail registered, so a temporary password could not reach them. Unlock instead, or ask them to register one at https://aka.ms/mysecurityinfo.` });
  }
  await spendUse(deps, 'request', { person: actor.aadObjectId, account: user.onPremisesSecurityIdentifier }, { type: 'helpdesk', id: actor.aadObjectId });
  const now = deps.now();
  const subject = {
    onPremisesSid: user.onPremisesSecurityIdentifier,
    samAccountName: user.onPremisesSamAccountName,
    upn: user.onPremisesUserPrincipalName ?? user.userPrincipalName,
    displayName: name,
    domain: user.onPremisesDomainName ?? '',
  };
  const methodsRequired = requiredMethodCount(deps.config.verificationPolicy, { kind, privileged: report.privileged, requestedBy: actor.aadObjectId });
  const created = createResetRequest({
    id: requestId, tenantId: actor.tenantId, ownerAadId: personId, requestedBy: actor.aadObjectId, ticket, kind,
    privileged: report.privileged, privilegedBecause: caller.approvalReasons, methodsRequired, approvalsRequired: caller.approvalsRequired, subject,
  }, now);
  const stepToken = issueStepToken();
  const row = await deps.store.createRequest(
    {
      id: requestId, tenantId: actor.tenantId, ownerAadId: personId, requestedBy: actor.aadObjectId, ticket, kind, state: 'started',
      privileged: report.privileged, privilegedBecause: caller.approvalReasons, approvalsRequired: caller.approvalsRequired, methodsRequired, subject,
      expiresAt: created.request.expiresAt, conversationId: origin.conversationId ?? null, cardActivityId: origin.activityId ?? null,
      stepToken, step: 'choose_method',
    },
    toAuditInput(created.audit),
  );
  deps.metrics.requestTransitions.inc({ kind, state: 'started' });
  return chooseMethodView(deps, row, stepToken);
}
