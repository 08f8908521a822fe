// The way in: any message gets the menu (or the help card), and a menu button
// starts a request for the person's own account. The menu's buttons carry the
// id the request will get, so a double tap starts one request.
import { randomUUID } from 'node:crypto';
import { approvalsNeeded } from '../domain/approval-policy';
import { applyEvent, createResetRequest, type RequestKind } from '../domain/reset-request';
import { issueStepToken } from '../domain/step-token';
import { requiredMethodCount } from '../domain/verification/verification-policy';
import type { Actor, ClickOrigin, JourneyDeps } from './journey-deps';
import { afterVerified, stepWhenVerified } from './next-step';
import { newMenuToken, startAgain, viewForError } from './refusals';
import { commitTransition, toAuditInput, toDomain } from './request-records';
import { spendUse } from './usage-guard';
import { chooseMethodView, inspectOrNull } from './verification-options';
import { isHelpdeskMember, openHelpdesk } from './helpdesk';
import { view, type View } from './views';

export async function showMenu(deps: JourneyDeps, actor: Actor): Promise<View> {
  const [user, helpdesk] = await Promise.all([deps.people.getUser(actor.aadObjectId), isHelpdeskMember(deps, actor)]);
  return view('menu', {
    requestId: randomUUID(),
    stepToken: newMenuToken(),
    displayName: user.displayName ?? user.userPrincipalName,
    syncedFromOnPremises: Boolean(user.onPremisesSyncEnabled && user.onPremisesSecurityIdentifier),
    helpdesk,
  });
}

export function showHelp(): View {
  return view('help', { requestId: randomUUID(), stepToken: newMenuToken() });
}

/** Any message, or the commands reset, unlock, status: the menu; `help`: the help card; `help someone`: the helpdesk's search. */
export async function answerMessage(deps: JourneyDeps, actor: Actor, text: string): Promise<View> {
  const said = text.replace(/<at>.*?<\/at>/gi, ' ').trim();
  if (/^help$/i.test(said)) return showHelp();
  try {
    if (/^(help someone|helpdesk)$/i.test(said)) {
      return (await isHelpdeskMember(deps, actor)) ? await openHelpdesk(deps, actor) : await showMenu(deps, actor);
    }
    return await showMenu(deps, actor);
  } catch (err) {
    return viewForError(err, 'message', deps.logger);
  }
}

/** A menu button: a new request for the person's own account, checked with the agent first (in scope? privileged?). */
export async function startRequest(deps: JourneyDeps, actor: Actor, kind: RequestKind, requestId: string, origin: ClickOrigin): Promise<View> {
  if (await deps.store.getRequest(requestId)) return view('stepOver', { startAgain: startAgain() });
  const user = await deps.people.getUser(actor.aadObjectId);
  if (!user.onPremisesSyncEnabled || !user.onPremisesSecurityIdentifier || !user.onPremisesSamAccountName) {
    return view('menu', { requestId: randomUUID(), stepToken: newMenuToken(), displayName: user.displayName ?? user.userPrincipalName, syncedFromOnPremises: false });
  }
  const sid = user.onPremisesSecurityIdentifier;
  await spendUse(deps, 'request', { person: actor.aadObjectId, account: sid }, { type: 'user', id: actor.aadObjectId });
  const report = await inspectOrNull(deps, { sid });
  if (!report) return view('directoryUnreachable', { startAgain: startAgain() });
  if (!report.inScope) {
    return view('failure', { reason: 'Your account is not one I am allowed to manage.', nextStep: 'Please contact the IT helpdesk.', startAgain: startAgain() });
  }
  const now = deps.now();
  const subject = {
    onPremisesSid: sid,
    samAccountName: user.onPremisesSamAccountName,
    upn: user.onPremisesUserPrincipalName ?? user.userPrincipalName,
    displayName: user.displayName ?? user.onPremisesSamAccountName,
    domain: user.onPremisesDomainName ?? '',
  };
  const methodsRequired = requiredMethodCount(deps.config.verificationPolicy, { kind, privileged: report.privileged, requestedBy: undefined });
  const privilegedBecause = report.privilegedBecause ?? [];
  const approvalsRequired = approvalsNeeded({ kind, privileged: report.privileged, requestedBy: undefined }, report.privilegeGroups, deps.config.approval);
  const created = createResetRequest({
    id: requestId, tenantId: actor.tenantId, ownerAadId: actor.aadObjectId, kind, privileged: report.privileged, privilegedBecause, methodsRequired, approvalsRequired, subject,
  }, now);
  const stepToken = issueStepToken();
  const row = await deps.store.createRequest(
    {
      id: requestId, tenantId: actor.tenantId, ownerAadId: actor.aadObjectId, kind, state: 'started', privileged: report.privileged,
      privilegedBecause, approvalsRequired, methodsRequired, subject, expiresAt: created.request.expiresAt, conversationId: origin.conversationId ?? null, cardActivityId: origin.activityId ?? null,
      stepToken, step: 'choose_method',
    },
    toAuditInput(created.audit),
  );
  deps.metrics.requestTransitions.inc({ kind, state: 'started' });
  if (methodsRequired === 0) {
    const waivedTo = applyEvent(toDomain(row), { type: 'verificationWaived' }, now);
    const waived = await commitTransition(deps.store, row, waivedTo, { step: stepWhenVerified(deps, waivedTo.request) });
    return afterVerified(deps, waived.row, waived.stepToken, report);
  }
  return chooseMethodView(deps, row, stepToken);
}
