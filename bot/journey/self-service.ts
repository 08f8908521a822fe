// The self-service journey: what happens on each message and card click, in
// terms of the domain (requests, verification, policies), the store and the
// ports. The Teams edge translates activities into these calls and returns
// the cards they produce; nothing here knows botbuilder.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  buildAwaitingApprovalCard, buildApprovalDeniedCard, buildApprovalRequestCard, buildApprovalResolvedCard, buildCancelledCard,
  buildChangePasswordCard, buildChooseMethodCard, buildDirectoryUnreachableCard, buildEnterCodeCard, buildFailureCard,
  buildHelpCard, buildManagerAnsweredCard, buildMenuCard, buildNewPasswordCard, buildNotAllowedCard, buildStepOverCard,
  buildTooManyTriesCard, buildWaitingForManagerCard, buildWorkingCard, buildManagerRefusedCard,
  type AdaptiveCard, type CardAction, type CardVerb, type CompletedCheck, type CodeNotice, type PasswordProblem, type PasswordRules, type VerificationMethod as CardMethod,
} from '../../cards';
import type { InspectReport } from '../../agent/protocol';
import { issueStepToken } from '../domain/step-token';
import { stepOffers, type CardStep } from '../domain/card-steps';
import type { LimitedAction } from '../domain/usage-limits';
import { ensureUseLeft, giveUseBack, spendUse, usageSubjectsOf } from './usage-guard';
import { approvalDeadline, assertApproverMayDecide, requiresApproval } from '../domain/approval-policy';
import { applyEvent, assertActsOn, createResetRequest, driverOf, isTerminal, type RequestKind, type ResetRequest as DomainRequest } from '../domain/reset-request';
import { checkNewPassword, effectiveMinLength, type AdPasswordPolicy } from '../domain/password-policy';
import type { CodeVerificationMethod } from '../domain/verification/code-method';
import type { CodeChallenge, ManagerChallenge, UserVerificationMethods, VerificationContext, VerificationMethod } from '../domain/verification/verification-method';
import type { VerificationMethodName } from '../domain/verification/method-name';
import { remainingMethods, requiredMethodCount } from '../domain/verification/verification-policy';
import { smsNumberOf } from '../domain/verification/sms-method';
import { ResetDeskError, isResetDeskError } from '../errors';
import { stepTokenMatches, type TransitionOptions, type Challenge, type ResetRequest as StoredRequest, type Store } from '../store';
import type { JobTarget } from './ports';
import { challengeState, expectationOf, latestOpenChallenge, toCodeChallenge } from './challenge-records';
import { cardForError, newMenuToken, startAgain } from './error-cards';
import { finishJob } from './job-results';
import { updateRequesterCard } from './requester-card';
import { decideOnAgent } from './agent-decisions';
import type { Actor, ClickAnswer, ClickOrigin, JobFinished, JourneyDeps } from './journey-deps';
import { expireOverdueRequests } from './overdue-requests';
import { RequestSnapshots, withChallenge, type RequestSnapshot } from './request-snapshots';
import { commitTransition, toAuditInput, toDomain } from './request-records';

export type { Actor, ClickAnswer, ClickOrigin, JobFinished, JourneyConfig, JourneyDeps } from './journey-deps';

const PRIVILEGED_BECAUSE = 'The directory marks this account as privileged (a member of a protected admin group).';

const OPERATION: Record<RequestKind, 'reset' | 'unlock' | 'change'> = { reset: 'reset', unlock: 'unlock', change: 'change', status: 'unlock' };

/** A code answer in progress: whether it is decided on a snapshot, whether its write has committed, and whether its guess is counted already. */
interface CodeAttempt {
  fromSnapshot: boolean;
  committed: boolean;
  reservedGuess?: boolean;
}

/** The usage limit a verification method's start or resend spends (codes by mail and SMS apart: SMS costs money). */
const SEND_LIMIT: Record<VerificationMethodName, LimitedAction | undefined> = { email: 'mail_code', sms: 'sms_code', manager: 'manager_card', mfa: undefined };

/** Thrown where an answer decided on a snapshot would do more than its one guarded write: it is decided again on a fresh read. */
class NeedsFreshRead extends Error {}

export class SelfServiceJourney {
  private readonly snapshots = new RequestSnapshots();

  constructor(readonly deps: JourneyDeps) {}

  private get store(): Store {
    return this.deps.store;
  }

  // ---- entry points -------------------------------------------------------

  /** Any message: the menu. Its buttons carry the id the request will get, so a double tap starts one request. */
  async menu(actor: Actor): Promise<AdaptiveCard> {
    const user = await this.deps.people.getUser(actor.aadObjectId);
    return buildMenuCard({
      requestId: randomUUID(),
      stepToken: newMenuToken(),
      displayName: user.displayName ?? user.userPrincipalName,
      syncedFromOnPremises: Boolean(user.onPremisesSyncEnabled && user.onPremisesSecurityIdentifier),
    });
  }

  /** Any message, or the commands reset, unlock, status: the menu; `help`: the help card. */
  async onMessage(actor: Actor, text: string): Promise<AdaptiveCard> {
    if (/^\s*(<at>.*?<\/at>\s*)?help\b/i.test(text)) return this.help();
    try {
      return await this.menu(actor);
    } catch (err) {
      return cardForError(err, 'message', this.deps.logger);
    }
  }

  help(): AdaptiveCard {
    return buildHelpCard({ requestId: randomUUID(), stepToken: newMenuToken() });
  }

  /** A click on any card: routes by verb. Errors a user can act on become cards; nothing else leaks. */
  async handleAction(actor: Actor, action: CardAction, origin: ClickOrigin): Promise<ClickAnswer> {
    try {
      const card = await this.route(actor, action, origin);
      this.deps.metrics.cardActions.inc({ verb: action.verb, outcome: 'ok' });
      return card;
    } catch (err) {
      this.deps.metrics.cardActions.inc({ verb: action.verb, outcome: isResetDeskError(err) ? err.code : 'error' });
      return cardForError(err, action.verb, this.deps.logger);
    }
  }

  private async route(actor: Actor, action: CardAction, origin: ClickOrigin): Promise<ClickAnswer> {
    switch (action.verb) {
      case 'menu.show':
        return this.menu(actor);
      case 'menu.help':
        return this.help();
      case 'menu.reset':
        return this.start(actor, 'reset', action.data.requestId, origin);
      case 'menu.unlock':
        return this.start(actor, 'unlock', action.data.requestId, origin);
      case 'menu.status':
        return this.start(actor, 'status', action.data.requestId, origin);
      case 'menu.change':
        return this.start(actor, 'change', action.data.requestId, origin);
      case 'verify.chooseMethod':
        return this.chooseMethod(actor, action.data.requestId, action.data.stepToken, action.data.method);
      case 'verify.submitCode':
        return this.submitCode(actor, action.data.requestId, action.data.stepToken, action.data.code);
      case 'verify.resendCode':
        return this.resendCode(actor, action.data.requestId, action.data.stepToken);
      case 'manager.confirm':
      case 'manager.refuse':
        return this.managerAnswer(actor, action.data.requestId, action.data.stepToken, action.verb === 'manager.confirm' ? 'confirm' : 'refuse');
      case 'password.submit':
        return this.submitPassword(actor, action.verb, action.data.requestId, action.data.stepToken, action.data.newPassword, action.data.confirmPassword);
      case 'password.submitChange':
        return this.submitPassword(actor, action.verb, action.data.requestId, action.data.stepToken, action.data.newPassword, action.data.confirmPassword, action.data.currentPassword);
      case 'request.cancel':
        return this.cancel(actor, action.data.requestId, action.data.stepToken);
      case 'approval.approve':
      case 'approval.deny':
        return this.decide(actor, action.data.requestId, action.data.stepToken, action.verb === 'approval.approve' ? 'approved' : 'denied');
      case 'helpdesk.start':
        // No card this service sends offers it yet (helpdesk-assisted resets are a later issue), so a click here is forged or stale.
        return buildStepOverCard();
      case 'agent.confirm':
      case 'agent.revoke':
        return decideOnAgent(this.deps, actor, action.verb === 'agent.confirm' ? 'confirm' : 'revoke', action.data.agentId, action.data.stepToken);
    }
  }

  // ---- starting a request ------------------------------------------------

  private async start(actor: Actor, kind: RequestKind, requestId: string, origin: ClickOrigin): Promise<AdaptiveCard> {
    if (await this.store.getRequest(requestId)) return buildStepOverCard({ startAgain: startAgain() });
    const user = await this.deps.people.getUser(actor.aadObjectId);
    if (!user.onPremisesSyncEnabled || !user.onPremisesSecurityIdentifier || !user.onPremisesSamAccountName) {
      return buildMenuCard({ requestId: randomUUID(), stepToken: newMenuToken(), displayName: user.displayName ?? user.userPrincipalName, syncedFromOnPremises: false });
    }
    const target: JobTarget = { sid: user.onPremisesSecurityIdentifier };
    await spendUse(this.deps, 'request', { person: actor.aadObjectId, account: target.sid }, { type: 'user', id: actor.aadObjectId });
    const report = await this.inspectOrExplain(target);
    if (!report) return buildDirectoryUnreachableCard({ startAgain: startAgain() });
    if (!report.inScope) {
      return buildFailureCard({ reason: 'Your account is not one I am allowed to manage.', nextStep: 'Please contact the IT helpdesk.', startAgain: startAgain() });
    }
    const now = this.deps.now();
    const subject = {
      onPremisesSid: user.onPremisesSecurityIdentifier,
      samAccountName: user.onPremisesSamAccountName,
      upn: user.onPremisesUserPrincipalName ?? user.userPrincipalName,
      displayName: user.displayName ?? user.onPremisesSamAccountName,
      domain: user.onPremisesDomainName ?? '',
    };
    const methodsRequired = requiredMethodCount(this.deps.config.verificationPolicy, { kind, privileged: report.privileged, requestedBy: undefined });
    const created = createResetRequest({ id: requestId, tenantId: actor.tenantId, ownerAadId: actor.aadObjectId, kind, privileged: report.privileged, methodsRequired, subject }, now);
    const stepToken = issueStepToken();
    const row = await this.store.createRequest(
      {
        id: requestId, tenantId: actor.tenantId, ownerAadId: actor.aadObjectId, kind, state: 'started', privileged: report.privileged,
        methodsRequired, subject, expiresAt: created.request.expiresAt, conversationId: origin.conversationId ?? null, cardActivityId: origin.activityId ?? null,
        stepToken, step: 'choose_method',
      },
      toAuditInput(created.audit),
    );
    this.deps.metrics.requestTransitions.inc({ kind, state: 'started' });
    if (methodsRequired === 0) {
      const waivedTo = applyEvent(toDomain(row), { type: 'verificationWaived' }, now);
      const waived = await commitTransition(this.store, row, waivedTo, { step: this.stepWhenVerified(waivedTo.request) });
      return this.afterVerified(waived.row, waived.stepToken, report);
    }
    return this.chooseMethodCard(row, stepToken);
  }

  /** Asks an agent about the account; null when no agent can answer right now. */
  private async inspectOrExplain(target: JobTarget): Promise<InspectReport | null> {
    if (!(await this.deps.writeback.agentsAlive())) return null;
    try {
      return await this.deps.writeback.inspect(target, { timeoutMs: this.deps.config.inspectTimeoutMs });
    } catch (err) {
      this.deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' } }, 'inspect failed');
      return null;
    }
  }

  private async userMethods(request: DomainRequest): Promise<{ user: UserVerificationMethods; managerName: string | undefined; email?: string; phone?: string }> {
    const [methods, manager] = await Promise.all([
      this.deps.people.getAuthenticationMethods(request.ownerAadId),
      this.deps.people.getManager(request.ownerAadId),
    ]);
    const email = methods.emails[0];
    const mobile = methods.phones.find((p) => p.type === 'mobile' && p.e164) ?? methods.phones.find((p) => p.e164);
    const phone = smsNumberOf(mobile?.e164 ?? undefined);
    return {
      user: { ...(email ? { alternateEmail: email } : {}), ...(phone ? { mobilePhone: phone } : {}), ...(manager ? { managerAadId: manager.id } : {}) },
      managerName: manager?.displayName ?? undefined,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
    };
  }

  private availableMethodNames(user: UserVerificationMethods): VerificationMethodName[] {
    return (Object.entries(this.deps.methods) as Array<[VerificationMethodName, VerificationMethod]>).filter(([, m]) => m.isAvailable(user)).map(([n]) => n);
  }

  private async chooseMethodCard(row: StoredRequest, stepToken: string): Promise<AdaptiveCard> {
    const request = toDomain(row);
    const info = await this.userMethods(request);
    const names = remainingMethods(this.deps.config.verificationPolicy, request, this.availableMethodNames(info.user));
    if (names.length === 0 || names.length < request.methodsRequired - request.methodsPassed.length) {
      await commitTransition(this.store, row, applyEvent(request, { type: 'cancelled', by: { type: 'system', id: 'verification-policy' } }, this.deps.now()));
      return buildFailureCard({
        reason: 'Your account does not have enough ways to prove it is you.',
        nextStep: 'Register an alternate e-mail or mobile number at https://aka.ms/mysecurityinfo, or call the IT helpdesk.',
      });
    }
    const methods = names.map((name): { id: string } & CardMethod => {
      switch (name) {
        case 'email':
          return { id: name, kind: 'email', address: info.email! };
        case 'sms':
          return { id: name, kind: 'sms', phoneNumber: info.phone! };
        case 'manager':
          return { id: name, kind: 'manager', managerName: info.managerName ?? 'your manager' };
        case 'mfa':
          return { id: name, kind: 'mfa' };
      }
    });
    return buildChooseMethodCard({
      requestId: row.id,
      stepToken,
      operation: OPERATION[row.kind],
      methods,
      ...(request.methodsRequired > 1 ? { step: { current: request.methodsPassed.length + 1, total: request.methodsRequired } } : {}),
    });
  }

  // ---- verification ------------------------------------------------------

  /** Loads a request for a click and checks who clicked, that the card is the current one, and that it offered this verb. */
  private async authorize(actor: Actor, verb: CardVerb, requestId: string, stepToken: string): Promise<StoredRequest> {
    return this.authorizeClick(actor, verb, await this.store.getRequest(requestId), stepToken);
  }

  /** authorize, with the request's challenges read in the same query (code answers and resends need both). */
  private async authorizeWithChallenges(actor: Actor, verb: CardVerb, requestId: string, stepToken: string): Promise<RequestSnapshot> {
    return this.authorizeFound(actor, verb, await this.store.getRequestWithChallenges(requestId), stepToken);
  }

  private async authorizeFound(actor: Actor, verb: CardVerb, found: RequestSnapshot | null, stepToken: string, attempt?: CodeAttempt): Promise<RequestSnapshot> {
    return { request: await this.authorizeClick(actor, verb, found?.request ?? null, stepToken, attempt), challenges: found?.challenges ?? [] };
  }

  private async authorizeClick(actor: Actor, verb: CardVerb, row: StoredRequest | null, stepToken: string, attempt?: CodeAttempt): Promise<StoredRequest> {
    if (!row || row.tenantId !== actor.tenantId) throw new ResetDeskError('STEP_OVER', 'This step is over.');
    assertActsOn(toDomain(row), actor.aadObjectId);
    if (isTerminal(row.state) || !row.stepTokenHash || !stepTokenMatches(row.stepTokenHash, stepToken)) {
      throw new ResetDeskError('STEP_OVER', 'This step is over.');
    }
    if (!stepOffers(row.step, verb)) {
      // A valid token on a verb its card never offered: a forged click. Nothing is read, sent or written.
      this.deps.logger.warn({ code: 'STEP_VERB_NOT_OFFERED', verb, step: row.step, requestId: row.id }, 'card action refused');
      throw new ResetDeskError('STEP_OVER', 'This step is over.');
    }
    if (row.expiresAt.getTime() <= this.deps.now().getTime() && !['queued', 'applying'].includes(row.state)) {
      if (attempt?.fromSnapshot) throw new NeedsFreshRead();
      await commitTransition(this.store, row, applyEvent(toDomain(row), { type: 'timedOut' }, this.deps.now())).catch(() => undefined);
      throw new ResetDeskError('REQUEST_EXPIRED', 'This request has expired.');
    }
    return row;
  }

  private context(request: DomainRequest, user: UserVerificationMethods): VerificationContext {
    return { request, user, now: this.deps.now() };
  }

  private async chooseMethod(actor: Actor, requestId: string, stepToken: string, methodId: string): Promise<AdaptiveCard> {
    const { request: row, challenges } = await this.authorizeWithChallenges(actor, 'verify.chooseMethod', requestId, stepToken);
    if (row.state !== 'started' && row.state !== 'verifying') throw new ResetDeskError('STEP_OVER', 'This step is over.');
    const request = toDomain(row);
    const info = await this.userMethods(request);
    const usable = remainingMethods(this.deps.config.verificationPolicy, request, this.availableMethodNames(info.user));
    const name = usable.find((m) => m === methodId);
    const method = name ? this.deps.methods[name] : undefined;
    if (!name || !method) throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'That method is not available. Please choose another one.');
    const who = usageSubjectsOf(request);
    const actorOf = driverOf(request);
    // A code that could not be checked is not worth sending.
    if (name === 'email' || name === 'sms') await ensureUseLeft(this.deps, 'wrong_code', who, actorOf, request.id);
    const spent = SEND_LIMIT[name];
    if (spent) await spendUse(this.deps, spent, who, actorOf, request.id);
    let started;
    try {
      started = await method.start(this.context(request, info.user));
    } catch (err) {
      if (spent) await giveUseBack(this.deps, spent, who);
      throw err;
    }
    const created = await this.saveNewChallenge(started.challenge as CodeChallenge | ManagerChallenge);
    await this.store.appendAudit(toAuditInput(started.audit));
    const moved = await commitTransition(this.store, row, applyEvent(request, { type: 'verificationStarted', method: name }, this.deps.now()), {
      step: name === 'manager' ? 'wait_manager' : 'enter_code',
    });
    if (created.method !== 'manager') this.snapshots.keep(moved.row, [...challenges, created]);
    return this.challengeCard(moved.row, moved.stepToken!, started.challenge as CodeChallenge | ManagerChallenge, info.managerName);
  }

  /** Code cards show the masked target kept with the challenge, so answering a code needs no directory look-up. */
  private challengeCard(row: StoredRequest, stepToken: string, challenge: CodeChallenge | ManagerChallenge, managerName: string | undefined, notice?: CodeNotice): AdaptiveCard {
    const request = toDomain(row);
    const step = request.methodsRequired > 1 ? { step: { current: request.methodsPassed.length + 1, total: request.methodsRequired } } : {};
    if (challenge.method === 'manager') {
      return buildWaitingForManagerCard({ requestId: row.id, stepToken, managerName: managerName ?? 'your manager', ...step });
    }
    const destination = challenge.method === 'email' ? { kind: 'email' as const, address: challenge.maskedTarget } : { kind: 'sms' as const, phoneNumber: challenge.maskedTarget };
    return buildEnterCodeCard({ requestId: row.id, stepToken, destination, codeLength: challenge.digits, ...(notice ? { notice } : {}), ...step });
  }

  private async saveNewChallenge(challenge: CodeChallenge | ManagerChallenge): Promise<Challenge> {
    if (challenge.method === 'manager') {
      return this.store.createChallenge({ id: challenge.id, requestId: challenge.requestId, method: 'manager', targetRef: challenge.managerAadId, maxAttempts: 1, expiresAt: challenge.expiresAt });
    }
    return this.store.createChallenge({
      id: challenge.id, requestId: challenge.requestId, method: challenge.method, maskedTarget: challenge.maskedTarget,
      codeHash: challenge.codeHash, codeSalt: challenge.codeSalt, digits: challenge.digits, maxAttempts: challenge.maxAttempts, expiresAt: challenge.expiresAt,
    });
  }

  /** The request's current challenge for these methods; an expired one still counts, since a resend reopens it. */
  private async openChallenge(requestId: string, methods: Array<Challenge['method']>): Promise<Challenge> {
    return latestOpenChallenge(await this.store.listChallenges(requestId), methods);
  }

  private async submitCode(actor: Actor, requestId: string, stepToken: string, code: string): Promise<AdaptiveCard> {
    const snapshot = this.snapshots.take(requestId);
    let reservedGuess = false;
    if (snapshot) {
      const attempt: CodeAttempt = { fromSnapshot: true, committed: false };
      try {
        return await this.answerCode(actor, snapshot, stepToken, code, attempt);
      } catch (err) {
        // Until its guarded write commits, an answer decided on a snapshot has changed nothing but counting its guess.
        if (attempt.committed || isResetDeskError(err, 'LIMIT_REACHED')) throw err;
        reservedGuess = attempt.reservedGuess === true;
      }
    }
    return this.answerCode(actor, await this.store.getRequestWithChallenges(requestId), stepToken, code, { fromSnapshot: false, committed: false, reservedGuess });
  }

  private async answerCode(actor: Actor, found: RequestSnapshot | null, stepToken: string, code: string, attempt: CodeAttempt): Promise<AdaptiveCard> {
    const { request: row, challenges } = await this.authorizeFound(actor, 'verify.submitCode', found, stepToken, attempt);
    if (row.state !== 'verifying') throw new ResetDeskError('STEP_OVER', 'This step is over.');
    const stored = latestOpenChallenge(challenges, ['email', 'sms']);
    const challenge = toCodeChallenge(stored);
    const method = this.deps.methods[challenge.method] as CodeVerificationMethod | undefined;
    if (!method) throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'That method is not available any more.');
    const request = toDomain(row);
    // Every answer is counted as a wrong one before it is compared, so parallel guesses cannot pass the limit; a right one is given back.
    if (!attempt.reservedGuess) {
      await spendUse(this.deps, 'wrong_code', usageSubjectsOf(request), driverOf(request), request.id);
      attempt.reservedGuess = true;
    }
    const result = await method.check(challenge, { method: challenge.method, code }, this.context(request, {}));
    if (result.outcome === 'passed') await giveUseBack(this.deps, 'wrong_code', usageSubjectsOf(request));
    // The challenge's new state moves with the request, in one transaction, so two answers can never share a try.
    const saveChallenge = { id: stored.id, expected: expectationOf(stored), next: challengeState(result.challenge) };
    switch (result.outcome) {
      case 'passed':
        return this.methodPassed(row, challenge.method, saveChallenge, attempt);
      case 'failed': {
        // Its audit entry is written before the guarded move, so it is decided on a fresh read.
        if (attempt.fromSnapshot) throw new NeedsFreshRead();
        if (result.audit) await this.store.appendAudit(toAuditInput(result.audit));
        const failed = applyEvent(request, { type: 'verificationFailed', method: challenge.method, reasonCode: 'VERIFY_TOO_MANY_TRIES' }, this.deps.now());
        await commitTransition(this.store, row, failed, { options: { saveChallenge } });
        attempt.committed = true;
        return buildTooManyTriesCard({ startAgain: startAgain() });
      }
      case 'retry':
      case 'expired': {
        const fresh = await commitTransition(this.store, row, { request, audit: result.audit ?? stepIssued(request) }, { step: 'enter_code', options: { saveChallenge } });
        attempt.committed = true;
        this.snapshots.keep(fresh.row, withChallenge(challenges, { ...stored, ...saveChallenge.next, updatedAt: fresh.row.updatedAt }));
        const notice: CodeNotice = result.outcome === 'expired' ? { kind: 'codeExpired' } : { kind: 'wrongCode', triesLeft: Number(result.error.details.triesLeft ?? 0) };
        return this.challengeCard(fresh.row, fresh.stepToken!, result.challenge, undefined, notice);
      }
    }
  }

  private async resendCode(actor: Actor, requestId: string, stepToken: string): Promise<AdaptiveCard> {
    const { request: row, challenges } = await this.authorizeWithChallenges(actor, 'verify.resendCode', requestId, stepToken);
    if (row.state !== 'verifying') throw new ResetDeskError('STEP_OVER', 'This step is over.');
    const stored = latestOpenChallenge(challenges, ['email', 'sms']);
    const challenge = toCodeChallenge(stored);
    const method = this.deps.methods[challenge.method] as CodeVerificationMethod;
    const request = toDomain(row);
    const info = await this.userMethods(request);
    let notice: CodeNotice;
    let shown = challenge;
    let saved = stored;
    const who = usageSubjectsOf(request);
    const spent = SEND_LIMIT[challenge.method]!;
    await spendUse(this.deps, spent, who, driverOf(request), request.id);
    try {
      const resent = await method.resend(challenge, this.context(request, info.user));
      saved = await this.store.saveChallengeState(stored.id, expectationOf(stored), challengeState(resent.challenge));
      await this.store.appendAudit(toAuditInput(resent.audit));
      notice = { kind: 'newCodeSent' };
      shown = resent.challenge;
    } catch (err) {
      await giveUseBack(this.deps, spent, who);
      if (!isResetDeskError(err, 'VERIFY_RESEND_TOO_SOON')) throw err;
      notice = { kind: 'resendTooSoon', retryAfterSeconds: Number(err.details.retryAfterSeconds ?? 60) };
    }
    const fresh = await commitTransition(this.store, row, { request, audit: stepIssued(request) }, { step: 'enter_code' });
    this.snapshots.keep(fresh.row, withChallenge(challenges, saved));
    return this.challengeCard(fresh.row, fresh.stepToken!, shown, undefined, notice);
  }

  private async methodPassed(row: StoredRequest, method: VerificationMethodName, saveChallenge?: TransitionOptions['saveChallenge'], attempt?: CodeAttempt): Promise<AdaptiveCard> {
    const passed = applyEvent(toDomain(row), { type: 'methodPassed', method }, this.deps.now());
    const step = passed.request.state === 'verifying' ? 'choose_method' : this.stepWhenVerified(passed.request);
    const moved = await commitTransition(this.store, row, passed, { step, ...(saveChallenge ? { options: { saveChallenge } } : {}) });
    if (attempt) attempt.committed = true;
    if (moved.row.state === 'verifying') return this.chooseMethodCard(moved.row, moved.stepToken!);
    return this.afterVerified(moved.row, moved.stepToken, undefined);
  }

  /** The manager's card carries a token derived from the challenge id, so only that card can answer it. */
  managerToken(challengeId: string): string {
    return createHmac('sha256', this.deps.config.pepper).update(`manager-answer:${challengeId}`).digest('base64url');
  }

  private async managerAnswer(actor: Actor, requestId: string, token: string, decision: 'confirm' | 'refuse'): Promise<AdaptiveCard> {
    const row = await this.store.getRequest(requestId);
    if (!row || row.tenantId !== actor.tenantId || row.state !== 'verifying') return buildStepOverCard();
    const stored = await this.openChallenge(requestId, ['manager']).catch(() => undefined);
    if (!stored || !safeEqual(this.managerToken(stored.id), token)) return buildStepOverCard();
    const method = this.deps.methods.manager as VerificationMethod<ManagerChallenge> | undefined;
    if (!method) return buildStepOverCard();
    const request = toDomain(row);
    const challenge: ManagerChallenge = { id: stored.id, requestId, method: 'manager', status: stored.status, createdAt: stored.createdAt, expiresAt: stored.expiresAt, managerAadId: stored.targetRef ?? '' };
    const result = await method.check(challenge, { method: 'manager', responderAadId: actor.aadObjectId, decision }, this.context(request, {}));
    if (result.outcome !== 'passed' && isResetDeskError(result.error, 'VERIFY_NOT_MANAGER')) return buildNotAllowedCard();
    await this.store.setChallengeStatus(stored.id, result.challenge.status === 'pending' ? 'failed' : result.challenge.status);
    if (result.audit) await this.store.appendAudit(toAuditInput(result.audit));
    const owner = { tenantId: row.tenantId, aadObjectId: driverOf(request).id };
    if (result.outcome === 'passed') {
      const next = await this.methodPassed(row, 'manager');
      await updateRequesterCard(this.deps, row, owner, next);
      return buildManagerAnsweredCard({ requesterName: request.subject.displayName, decision: 'confirmed' });
    }
    await commitTransition(this.store, row, applyEvent(request, { type: 'verificationFailed', method: 'manager', reasonCode: 'VERIFY_MANAGER_REFUSED' }, this.deps.now()));
    const managerName = (await this.deps.people.getManager(request.ownerAadId).catch(() => null))?.displayName ?? 'Your manager';
    await updateRequesterCard(this.deps, row, owner, buildManagerRefusedCard({ managerName }));
    return buildManagerAnsweredCard({ requesterName: request.subject.displayName, decision: 'refused' });
  }

  /** Whether a verified request goes to approval first; status checks change nothing and never do. */
  private needsApproval(request: DomainRequest): boolean {
    return request.kind !== 'status' && request.state === 'verified' && requiresApproval(request, this.deps.config.approval);
  }

  /** The card a request shows once verified (or approved): the password card of its kind, or none (approval and jobs commit steps of their own). */
  private stepWhenVerified(request: DomainRequest): CardStep | null {
    if (this.needsApproval(request)) return null;
    return request.kind === 'reset' ? 'new_password' : request.kind === 'change' ? 'change_password' : null;
  }

  /** What comes after verification: approval for privileged accounts, else the next step of the kind. */
  private async afterVerified(row: StoredRequest, stepToken: string | null, report: InspectReport | undefined): Promise<AdaptiveCard> {
    if (this.needsApproval(toDomain(row))) return this.requestApproval(row);
    return this.nextStepCard(row, stepToken, report);
  }

  private async nextStepCard(row: StoredRequest, stepToken: string | null, report: InspectReport | undefined): Promise<AdaptiveCard> {
    switch (row.kind) {
      case 'reset':
      case 'change':
        if (!stepToken) throw new ResetDeskError('STEP_OVER', 'This step is over.');
        return this.passwordCard(row, stepToken, report ?? (await this.inspectOrExplain({ sid: row.subject!.onPremisesSid })) ?? undefined, []);
      case 'unlock':
        return this.queue(row, 'unlock', {});
      case 'status':
        return this.queue(row, 'inspect', {});
    }
  }

  // ---- new password --------------------------------------------------------

  private passwordRules(report: InspectReport | undefined): PasswordRules {
    const ad = adPolicyOf(report);
    return {
      minLength: effectiveMinLength(this.deps.config.passwordPolicy, ad),
      complexity: ad?.complexity ?? false,
      ...(ad?.historyLength ? { historyLength: ad.historyLength } : {}),
      notNames: true,
      notCommon: true,
      notBreached: this.deps.config.passwordPolicy.breachedCheck !== undefined,
    };
  }

  private passwordCard(row: StoredRequest, stepToken: string, report: InspectReport | undefined, problems: PasswordProblem[]): AdaptiveCard {
    const data = { requestId: row.id, stepToken, rules: this.passwordRules(report), problems, accountName: row.subject?.samAccountName ?? '' };
    return row.kind === 'change' ? buildChangePasswordCard(data) : buildNewPasswordCard(data);
  }

  private async submitPassword(
    actor: Actor, verb: 'password.submit' | 'password.submitChange', requestId: string, stepToken: string,
    newPassword: string, confirmPassword: string, currentPassword?: string,
  ): Promise<AdaptiveCard> {
    const row = await this.authorize(actor, verb, requestId, stepToken);
    if ((row.kind !== 'reset' && row.kind !== 'change') || (row.state !== 'verified' && row.state !== 'approved')) throw new ResetDeskError('STEP_OVER', 'This step is over.');
    if (row.kind === 'change' && !currentPassword) throw new ResetDeskError('STEP_OVER', 'This step is over.');
    const request = toDomain(row);
    const report = (await this.inspectOrExplain({ sid: request.subject.onPremisesSid })) ?? undefined;
    if (!report) return this.failForDirectory(row);
    const violations = await checkNewPassword({
      newPassword,
      confirmPassword,
      user: { samAccountName: request.subject.samAccountName, displayName: request.subject.displayName, upn: request.subject.upn },
      ...(adPolicyOf(report) ? { adPolicy: adPolicyOf(report)! } : {}),
      config: this.deps.config.passwordPolicy,
    });
    if (violations.length > 0) {
      const rejected = await commitTransition(this.store, row, applyEvent(request, { type: 'passwordRejected', violationCodes: violations.map((v) => v.code) }, this.deps.now()), {
        step: row.kind === 'change' ? 'change_password' : 'new_password',
      });
      return this.passwordCard(rejected.row, rejected.stepToken!, report, violations.map((v) => v.code as PasswordProblem));
    }
    if (row.kind === 'change') {
      // Each change is a guess at the live AD password: counted before it goes out, given back unless AD says it was wrong.
      await spendUse(this.deps, 'change_failure', usageSubjectsOf(request), driverOf(request), request.id);
      const giveBack = () => giveUseBack(this.deps, 'change_failure', usageSubjectsOf(request));
      try {
        return await this.queue(row, 'change', { password: newPassword, ...(currentPassword ? { currentPassword } : {}) }, giveBack);
      } catch (err) {
        await giveBack();
        throw err;
      }
    }
    return this.queue(row, row.kind, { password: newPassword });
  }

  /** Seals, signs and queues the job in the same transaction as the move to `queued`. */
  private async queue(
    row: StoredRequest, kind: 'reset' | 'unlock' | 'change' | 'inspect', secrets: { password?: string; currentPassword?: string },
    ifNotQueued?: () => Promise<void>,
  ): Promise<AdaptiveCard> {
    const request = toDomain(row);
    const notQueued = async () => {
      await ifNotQueued?.();
      return this.failForDirectory(row);
    };
    if (!(await this.deps.writeback.agentsAlive())) return notQueued();
    let job;
    try {
      job = await this.deps.writeback.prepareJob({
        requestId: row.id,
        kind,
        target: { sid: request.subject.onPremisesSid },
        options: { approvedPrivileged: request.state === 'approved' },
        ...secrets,
      });
    } catch (err) {
      if (isResetDeskError(err, 'WRITEBACK_NO_AGENTS')) return notQueued();
      throw err;
    }
    const queued = applyEvent(request, { type: 'queued', jobId: job.id!, expiresAt: job.expiresAt }, this.deps.now());
    await commitTransition(this.store, row, queued, { options: { enqueueJob: job } });
    this.deps.metrics.requestTransitions.inc({ kind: row.kind, state: 'queued' });
    return buildWorkingCard({ operation: row.kind });
  }

  private async failForDirectory(row: StoredRequest): Promise<AdaptiveCard> {
    const request = toDomain(row);
    const failed = applyEvent(request, { type: 'failed', code: 'DIRECTORY_UNREACHABLE', message: 'The on-premises directory cannot be reached right now.' }, this.deps.now());
    await commitTransition(this.store, row, failed);
    return buildDirectoryUnreachableCard({ startAgain: startAgain() });
  }

  private async cancel(actor: Actor, requestId: string, stepToken: string): Promise<AdaptiveCard> {
    const row = await this.authorize(actor, 'request.cancel', requestId, stepToken);
    await commitTransition(this.store, row, applyEvent(toDomain(row), { type: 'cancelled', by: driverOf(toDomain(row)) }, this.deps.now()));
    return buildCancelledCard({ startAgain: startAgain() });
  }

  // ---- approvals -------------------------------------------------------------

  private async requestApproval(row: StoredRequest): Promise<AdaptiveCard> {
    const request = toDomain(row);
    const now = this.deps.now();
    const channel = this.deps.config.approverChannel;
    if (!channel) {
      // Nobody could ever approve: say so at once instead of leaving the person waiting.
      const message = 'This account is privileged and needs an approver, but no approver channel is set up.';
      await commitTransition(this.store, row, applyEvent(request, { type: 'failed', code: 'APPROVAL_UNAVAILABLE', message }, now));
      return buildFailureCard({ reason: message, nextStep: 'Please contact the IT helpdesk.' });
    }
    const moved = await commitTransition(this.store, row, applyEvent(request, { type: 'approvalRequested', expiresAt: approvalDeadline(now, this.deps.config.approval) }, now), { step: 'await_approval' });
    await this.deps.messenger.postToChannel(
      { tenantId: row.tenantId, ...channel },
      buildApprovalRequestCard({
        requestId: row.id,
        stepToken: moved.stepToken!,
        requester: { displayName: request.subject.displayName, account: request.subject.upn },
        account: { displayName: request.subject.displayName, account: request.subject.samAccountName },
        operation: row.kind === 'unlock' ? 'unlock' : 'reset',
        privilegedBecause: [PRIVILEGED_BECAUSE],
        checksPassed: await this.checksPassed(row.id),
        askedAt: now,
        expiresAt: moved.row.expiresAt,
      }),
    );
    return buildAwaitingApprovalCard();
  }

  /** What the approver reads under "Checks passed": the methods, with the masked targets the codes went to. */
  private async checksPassed(requestId: string): Promise<CompletedCheck[]> {
    const passed = (await this.store.listChallenges(requestId)).filter((c) => c.status === 'passed');
    return passed.map((c): CompletedCheck => {
      switch (c.method) {
        case 'email':
          return { kind: 'email', address: c.maskedTarget ?? 'e-mail' };
        case 'sms':
          return { kind: 'sms', phoneNumber: c.maskedTarget ?? '+' };
        case 'manager':
          return { kind: 'manager', managerName: 'their manager' };
        case 'mfa':
          return { kind: 'mfa' };
      }
    });
  }

  private async decide(actor: Actor, requestId: string, stepToken: string, decision: 'approved' | 'denied'): Promise<AdaptiveCard> {
    const row = await this.store.getRequest(requestId);
    const verb = decision === 'approved' ? 'approval.approve' : 'approval.deny';
    if (!row || row.tenantId !== actor.tenantId || row.state !== 'awaiting_approval' || !row.stepTokenHash || !stepTokenMatches(row.stepTokenHash, stepToken) || !stepOffers(row.step, verb)) {
      return buildStepOverCard();
    }
    const groupId = this.deps.config.approverGroupId;
    const isApprover = groupId ? await this.deps.people.isMemberOfGroup(actor.aadObjectId, groupId) : false;
    const request = toDomain(row);
    const now = this.deps.now();
    assertApproverMayDecide({ request, approver: { aadId: actor.aadObjectId, tenantId: actor.tenantId, isApprover }, now });
    const event = decision === 'approved'
      ? { type: 'approved' as const, by: actor.aadObjectId, expiresAt: new Date(now.getTime() + this.deps.config.approval.ttlMs) }
      : { type: 'denied' as const, by: actor.aadObjectId };
    const decided = applyEvent(request, event, now);
    const moved = await commitTransition(this.store, row, decided, {
      step: decided.request.kind === 'reset' ? 'new_password' : decided.request.kind === 'change' ? 'change_password' : null,
      options: { recordApproval: { requestId, approverAadId: actor.aadObjectId, decision } },
    });
    const owner = { tenantId: row.tenantId, aadObjectId: driverOf(request).id };
    const next = decision === 'approved' ? await this.nextStepCard(moved.row, moved.stepToken, undefined) : buildApprovalDeniedCard({ startAgain: startAgain() });
    await updateRequesterCard(this.deps, row, owner, next);
    const approver = await this.deps.people.getUser(actor.aadObjectId).catch(() => null);
    return buildApprovalResolvedCard({
      requester: { displayName: request.subject.displayName, account: request.subject.upn },
      account: { displayName: request.subject.displayName, account: request.subject.samAccountName },
      operation: row.kind === 'unlock' ? 'unlock' : 'reset',
      privilegedBecause: [PRIVILEGED_BECAUSE],
      askedAt: row.createdAt,
      decision: { outcome: decision, by: approver?.displayName ?? 'an approver', at: now },
    });
  }

  // ---- results from the agent --------------------------------------------------

  /** A writeback job ended (on any replica): move the request and update the person's card in place. */
  async onJobFinished(event: JobFinished): Promise<void> {
    await finishJob(this.deps, event);
  }

  /** Closes requests left waiting on a person past their deadline; returns how many. */
  expireOverdueRequests(): Promise<number> {
    return expireOverdueRequests(this.deps);
  }
}

// ---- helpers ---------------------------------------------------------------------

function stepIssued(request: DomainRequest) {
  return { action: 'request.step_issued', actor: driverOf(request), requestId: request.id, details: { state: request.state } };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function adPolicyOf(report: InspectReport | undefined): AdPasswordPolicy | undefined {
  return report?.policy ? { minLength: report.policy.minLength, complexity: report.policy.complexity, historyLength: report.policy.historyLength } : undefined;
}

