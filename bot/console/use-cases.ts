// The console's doors into the journey: every rule (who may decide, which
// transitions are legal, what is audited) lives in bot/journey and
// bot/domain, and the console reaches them only through this file, so the
// bot's cards and the console can never disagree. The lead keeps this file in
// step with the use cases' signatures.
import { randomUUID } from 'node:crypto';
import { codeDestinationSchema, maskedDestination, methodOffer, verificationMethodSchema, type CodeNotice } from '../../cards';
import { assertApproverMayDecide } from '../domain/approval-policy';
import { ResetDeskError, isResetDeskError } from '../errors';
import type { Actor, JourneyDeps } from '../journey/journey-deps';
import { decideApproval } from '../journey/decide-approval';
import { approvalFacts } from '../journey/request-approval';
import { toDomain } from '../journey/request-records';
import { findPerson, pickPerson, startForCaller } from '../journey/helpdesk';
import { resumeStep } from '../journey/resume-step';
import { revealTemporaryPassword, revealToken } from '../journey/temporary-password-delivery';
import { chooseMethod, resendCode, submitCode } from '../journey/verify';
import { isPrivateNotice, type View } from '../journey/views';

// ---------------------------------------------------------------- approvals

type Facts = Awaited<ReturnType<typeof approvalFacts>>;

export interface PendingApproval extends Facts {
  requestId: string;
  /** The approval's deadline. */
  expiresAt: Date;
  /** Whether this approver may decide (not their own account, not a request they started, not already approved by them). */
  mayDecide: boolean;
  /** When they may not: the domain's reason, for the page to show. */
  mayNotBecause: { code: string; message: string } | null;
}

/** Requests waiting for an approver, oldest deadline first, as the approval card shows them. */
export async function listPendingApprovals(deps: JourneyDeps, actor: Actor): Promise<PendingApproval[]> {
  const rows = await deps.store.listRequests({ tenantId: actor.tenantId, states: ['awaiting_approval'], limit: 200 });
  const now = deps.now();
  // The caller reached this through the approver role, checked on this call.
  const approver = { aadId: actor.aadObjectId, tenantId: actor.tenantId, isApprover: true };
  const pending = await Promise.all(
    rows.map(async (row): Promise<PendingApproval> => {
      let mayNotBecause: PendingApproval['mayNotBecause'] = null;
      try {
        assertApproverMayDecide({ request: toDomain(row), approver, now });
      } catch (err) {
        if (!isResetDeskError(err)) throw err;
        mayNotBecause = { code: err.code, message: err.message };
      }
      return { ...(await approvalFacts(deps, row)), requestId: row.id, expiresAt: row.expiresAt, mayDecide: mayNotBecause === null, mayNotBecause };
    }),
  );
  return pending.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}

export type ConsoleDecision = { outcome: 'approved' } | { outcome: 'denied'; reason: string };

export interface DecisionResult {
  /** The request's state after this decision (still awaiting_approval when more approvers are needed). */
  state: string;
  /** Words for the approver when the decision was refused and nothing changed; null when it was recorded. */
  refused: string | null;
}

/**
 * An approver's decision from the console, under the same rules as the
 * channel card's buttons, racing them safely (one decision wins; the other is
 * told it was already decided). The channel card and the requester's card are
 * updated as if the approver had clicked in the channel.
 */
export async function decideInConsole(deps: JourneyDeps, actor: Actor, requestId: string, decision: ConsoleDecision): Promise<DecisionResult> {
  const answer = await decideApproval(deps, actor, requestId, { via: 'console' }, decision);
  const row = await deps.store.getRequest(requestId);
  return { state: row?.state ?? 'closed', refused: isPrivateNotice(answer) ? answer.privateNotice : null };
}

// ----------------------------------------------------------------- helpdesk
// The console drives the same helpdesk use cases as the cards: each answer is
// the view the card would show, read here into the shapes the page uses.

export interface PersonMatch {
  aadObjectId: string;
  displayName: string;
  userPrincipalName: string;
  jobTitle: string | null;
  department: string | null;
}

export interface AccountState {
  personId: string;
  displayName: string;
  /** The on-premises account name; null when the account cannot be acted on. */
  accountName: string | null;
  /** As the agent read it just now; null when it could not be read. */
  account: {
    locked: boolean;
    disabled: boolean;
    passwordExpired: boolean;
    passwordExpiresAt: string | null;
    passwordLastSetAt: string | null;
    mustChange: boolean;
  } | null;
  /** Why an approver must agree first (privileged groups, roles in ResetDesk), and how many. */
  approvalReasons: string[];
  approvalsRequired: number;
  /** Why the helpdesk cannot act on this account here (cloud-only, out of scope, directory unreachable), or null. */
  restriction: { code: string; message: string } | null;
}

export interface AssistedRequestInput {
  personId: string;
  /** The helpdesk ticket the call is logged under. */
  ticket: string;
  kind: 'unlock' | 'reset';
}

/** What the helpdesk member does next, with the token that step accepts (a step token is single-use, like the card's). */
export type NextStep =
  | { step: 'choose_method'; stepToken: string; methods: Array<{ id: string; label: string }>; progress: { current: number; total: number } | null }
  | { step: 'enter_code'; stepToken: string; sentTo: string; codeLength: number; notice: string | null; progress: { current: number; total: number } | null }
  | { step: 'wait_owner'; displayName: string }
  | { step: 'wait_approval' }
  | { step: 'working' };

export interface AssistedRequest {
  requestId: string;
  kind: 'unlock' | 'reset';
  state: string;
  /** Null when nothing waits on the helpdesk member (the request is finished, or others are at work). */
  next: NextStep | null;
  resultCode: string | null;
  resultMessage: string | null;
  /** How the temporary password of a reset reaches the person: sent to their verified method, or shown once here. */
  temporaryPassword: 'verified-method' | 'reveal-once' | null;
  /** True while a temporary password waits to be revealed to the member who started the reset. */
  revealAvailable: boolean;
}

function refusedBy(v: View): { code: string; message: string } | null {
  if (v.view === 'helpdeskFind' && v.data?.error) return { code: 'HELPDESK_NOT_ELIGIBLE', message: v.data.error };
  if (v.view === 'directoryUnreachable') return { code: 'DIRECTORY_UNREACHABLE', message: 'The company directory could not be reached just now, so nothing can be done on this account. Try again in a few minutes.' };
  return null;
}

function refuse(v: View): never {
  const why = refusedBy(v) ?? { code: 'STEP_OVER', message: 'This step is over or not possible any more; nothing was changed.' };
  throw new ResetDeskError(why.code, why.message);
}

const CODE_NOTICES: { [K in CodeNotice['kind']]: (n: Extract<CodeNotice, { kind: K }>) => string } = {
  wrongCode: (n) => (n.triesLeft === 1 ? 'That code is not right. 1 try left.' : `That code is not right. ${n.triesLeft} tries left.`),
  codeExpired: () => 'That code has expired. Send a new one.',
  newCodeSent: () => 'A new code is on its way.',
  resendTooSoon: (n) => `A new code can be sent in ${n.retryAfterSeconds} seconds.`,
};

function nextStepOf(v: View): NextStep | null {
  switch (v.view) {
    case 'chooseMethod':
      return {
        step: 'choose_method',
        stepToken: v.data.stepToken,
        methods: v.data.methods.map((m) => ({ id: m.id, label: methodOffer(verificationMethodSchema.parse(m), 'helpdesk') })),
        progress: v.data.step ?? null,
      };
    case 'enterCode': {
      const notice = v.data.notice as CodeNotice | undefined;
      return {
        step: 'enter_code',
        stepToken: v.data.stepToken,
        sentTo: maskedDestination(codeDestinationSchema.parse(v.data.destination)),
        codeLength: v.data.codeLength ?? 6,
        notice: notice ? (CODE_NOTICES[notice.kind] as (n: CodeNotice) => string)(notice) : null,
        progress: v.data.step ?? null,
      };
    }
    case 'waitingForManager':
      return { step: 'wait_owner', displayName: v.data.managerName };
    case 'awaitingApproval':
      return { step: 'wait_approval' };
    case 'working':
      return { step: 'working' };
    default: {
      const refused = refusedBy(v);
      if (refused) throw new ResetDeskError(refused.code, refused.message);
      return null;
    }
  }
}

async function assistedRequest(deps: JourneyDeps, actor: Actor, requestId: string, answer: View | null): Promise<AssistedRequest> {
  const row = await deps.store.getRequest(requestId);
  if (!row || row.tenantId !== actor.tenantId || row.requestedBy !== actor.aadObjectId || (row.kind !== 'unlock' && row.kind !== 'reset')) {
    throw new ResetDeskError('STORE_NOT_FOUND', 'There is no such request of yours.');
  }
  const reveal = row.kind === 'reset' ? deps.config.helpdeskDelivery : null;
  return {
    requestId,
    kind: row.kind,
    state: row.state,
    next: answer ? nextStepOf(answer) : null,
    resultCode: row.resultCode,
    resultMessage: row.resultMessage,
    temporaryPassword: reveal,
    revealAvailable: reveal === 'reveal-once' && row.state === 'succeeded' && row.sealedDelivery !== null,
  };
}

export async function findPeople(deps: JourneyDeps, actor: Actor, query: string): Promise<PersonMatch[]> {
  const found = await findPerson(deps, actor, query);
  if (found.view !== 'helpdeskMatches') return [];
  return found.data.people.map((p) => ({
    aadObjectId: p.personId,
    displayName: p.displayName,
    userPrincipalName: p.userPrincipalName,
    jobTitle: p.jobTitle ?? null,
    department: p.department ?? null,
  }));
}

export async function inspectAccount(deps: JourneyDeps, actor: Actor, personId: string): Promise<AccountState> {
  const picked = await pickPerson(deps, actor, personId);
  if (picked.view !== 'helpdeskAccount') {
    const user = await deps.people.getUser(personId);
    const restriction = refusedBy(picked) ?? { code: 'STEP_OVER', message: 'This account cannot be acted on here.' };
    return { personId, displayName: user.displayName ?? user.userPrincipalName, accountName: null, account: null, approvalReasons: [], approvalsRequired: 0, restriction };
  }
  const d = picked.data;
  const iso = (t: Date | string | null | undefined) => (t ? new Date(t).toISOString() : null);
  return {
    personId,
    displayName: d.displayName,
    accountName: d.accountName,
    account: {
      locked: d.state.locked,
      disabled: d.state.disabled,
      passwordExpired: d.state.passwordExpired ?? false,
      passwordExpiresAt: iso(d.state.passwordExpiresAt),
      passwordLastSetAt: iso(d.state.passwordLastSetAt),
      mustChange: d.state.mustChange ?? false,
    },
    approvalReasons: d.approvalReasons ?? [],
    approvalsRequired: d.approvalsRequired ?? 0,
    restriction: null,
  };
}

/** Unlock or reset for a caller, logged under a ticket: the request starts with the caller's check. */
export async function startAssistedRequest(deps: JourneyDeps, actor: Actor, input: AssistedRequestInput): Promise<AssistedRequest> {
  const requestId = randomUUID();
  const answer = await startForCaller(deps, actor, input.kind, input.personId, input.ticket, requestId, { activityId: undefined, conversationId: undefined });
  if (answer.view !== 'chooseMethod') refuse(answer);
  return assistedRequest(deps, actor, requestId, answer);
}

export type CallerCheckStep =
  | { do: 'choose_method'; stepToken: string; method: string }
  | { do: 'submit_code'; stepToken: string; code: string }
  | { do: 'resend_code'; stepToken: string };

/** One step of the caller's check, through the same verification use cases as the cards. */
export async function checkCaller(deps: JourneyDeps, actor: Actor, requestId: string, step: CallerCheckStep): Promise<AssistedRequest> {
  const answer = step.do === 'choose_method'
    ? await chooseMethod(deps, actor, requestId, step.stepToken, step.method)
    : step.do === 'submit_code'
      ? await submitCode(deps, actor, requestId, step.stepToken, step.code)
      : await resendCode(deps, actor, requestId, step.stepToken);
  return assistedRequest(deps, actor, requestId, answer);
}

/** Where a request of this member's stands; a check that waits for them to choose a method again comes back with a fresh token. */
export async function getAssistedRequest(deps: JourneyDeps, actor: Actor, requestId: string): Promise<AssistedRequest> {
  const current = await assistedRequest(deps, actor, requestId, null);
  const resumed = await resumeStep(deps, actor, requestId);
  return resumed ? assistedRequest(deps, actor, requestId, resumed) : { ...current, next: waitingOf(current) };
}

function waitingOf(r: AssistedRequest): NextStep | null {
  if (r.state === 'awaiting_approval') return { step: 'wait_approval' };
  if (r.state === 'approved' || r.state === 'queued' || r.state === 'in_progress' || r.state === 'verified') return { step: 'working' };
  return null;
}

/**
 * The temporary password of a reset this member started, once: a second call
 * is refused (HELPDESK_REVEAL_USED). The password is never stored in clear.
 */
export async function revealTemporaryPasswordOnce(deps: JourneyDeps, actor: Actor, requestId: string): Promise<{ temporaryPassword: string }> {
  // The card's button carries this token; the console's caller is signed in instead, and the use case checks they started the reset.
  const answer = await revealTemporaryPassword(deps, actor, requestId, revealToken(deps.config.pepper, requestId));
  if ('privateNotice' in answer) throw new ResetDeskError('HELPDESK_REVEAL_USED', answer.privateNotice);
  if (answer.view !== 'temporaryPassword') refuse(answer);
  return { temporaryPassword: answer.data.temporaryPassword };
}
