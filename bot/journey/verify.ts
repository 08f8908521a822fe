// Proving "it's you": choosing a method (which sends a code or asks the
// manager), answering a code, asking for a new one. Each counts against the
// person's and the account's usage limits before it sends or compares.
import type { CodeNotice } from '../../cards';
import { applyEvent, driverOf, type ResetRequest as DomainRequest } from '../domain/reset-request';
import type { LimitedAction } from '../domain/usage-limits';
import type { CodeVerificationMethod } from '../domain/verification/code-method';
import type { VerificationMethodName } from '../domain/verification/method-name';
import type { CodeChallenge, ManagerChallenge, PersonChallenge, UserVerificationMethods, VerificationContext } from '../domain/verification/verification-method';
import { ResetDeskError, isResetDeskError } from '../errors';
import type { Challenge, ResetRequest as StoredRequest, TransitionOptions } from '../store';
import { challengeState, expectationOf, latestOpenChallenge, toCodeChallenge } from './challenge-records';
import { assertState, guardClick, guardedRequestWithChallenges, NeedsFreshRead } from './click-guard';
import type { Actor, JourneyDeps } from './journey-deps';
import { afterVerified, stepWhenVerified } from './next-step';
import { startAgain } from './refusals';
import { commitTransition, toAuditInput, toDomain } from './request-records';
import { withChallenge, type RequestSnapshot } from './request-snapshots';
import { ensureUseLeft, giveUseBack, spendUse, usageSubjectsOf } from './usage-guard';
import { chooseMethodView, usableMethods } from './verification-options';
import { view, type View } from './views';

/** A code answer in progress: whether it is decided on a snapshot, whether its write has committed, and whether its guess is counted already. */
interface CodeAttempt {
  fromSnapshot: boolean;
  committed: boolean;
  reservedGuess?: boolean;
}

/** The usage limit a verification method's start or resend spends (codes by mail and SMS apart: SMS costs money). */
const SEND_LIMIT: Record<VerificationMethodName, LimitedAction | undefined> = { email: 'mail_code', sms: 'sms_code', manager: 'manager_card', person: 'manager_card', mfa: undefined };

function context(deps: JourneyDeps, request: DomainRequest, user: UserVerificationMethods): VerificationContext {
  return { request, user, now: deps.now() };
}

function stepIssued(request: DomainRequest) {
  return { action: 'request.step_issued', actor: driverOf(request), requestId: request.id, details: { state: request.state } };
}

/** "Send me a code" (or "ask my manager"): sends it, opens a challenge and shows the card that waits for it. */
export async function chooseMethod(deps: JourneyDeps, actor: Actor, requestId: string, stepToken: string, methodId: string): Promise<View> {
  const { request: row, challenges } = await guardedRequestWithChallenges(deps, actor, 'verify.chooseMethod', requestId, stepToken);
  assertState(row, 'started', 'verifying');
  const request = toDomain(row);
  const { names, info } = await usableMethods(deps, request);
  const name = names.find((m) => m === methodId);
  const method = name ? deps.methods[name] : undefined;
  if (!name || !method) throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'That method is not available. Please choose another one.');
  const who = usageSubjectsOf(request);
  const actorOf = driverOf(request);
  // A code that could not be checked is not worth sending.
  if (name === 'email' || name === 'sms') await ensureUseLeft(deps, 'wrong_code', who, actorOf, request.id);
  const spent = SEND_LIMIT[name];
  if (spent) await spendUse(deps, spent, who, actorOf, request.id);
  let started;
  try {
    started = await method.start(context(deps, request, info.user));
  } catch (err) {
    if (spent) await giveUseBack(deps, spent, who);
    throw err;
  }
  const created = await saveNewChallenge(deps, started.challenge as AskedChallenge);
  await deps.store.appendAudit(toAuditInput(started.audit));
  const moved = await commitTransition(deps.store, row, applyEvent(request, { type: 'verificationStarted', method: name }, deps.now()), {
    step: name === 'manager' || name === 'person' ? 'wait_manager' : 'enter_code',
  });
  if (created.method === 'email' || created.method === 'sms') deps.snapshots.keep(moved.row, [...challenges, created]);
  return challengeView(moved.row, moved.stepToken!, started.challenge as AskedChallenge, info.managerName);
}

/** Code cards show the masked target kept with the challenge, so answering a code needs no directory look-up. */
/** A challenge this service opens and then waits on: a code, or someone asked in Teams. */
type AskedChallenge = CodeChallenge | ManagerChallenge | PersonChallenge;

function challengeView(row: StoredRequest, stepToken: string, challenge: AskedChallenge, managerName: string | undefined, notice?: CodeNotice): View {
  const request = toDomain(row);
  const step = request.methodsRequired > 1 ? { step: { current: request.methodsPassed.length + 1, total: request.methodsRequired } } : {};
  if (challenge.method === 'manager') {
    return view('waitingForManager', { requestId: row.id, stepToken, managerName: managerName ?? 'your manager', ...step });
  }
  if (challenge.method === 'person') {
    return view('waitingForManager', { requestId: row.id, stepToken, managerName: request.subject.displayName, asked: 'owner', ...step });
  }
  const destination = challenge.method === 'email' ? { kind: 'email' as const, address: challenge.maskedTarget } : { kind: 'sms' as const, phoneNumber: challenge.maskedTarget };
  return view('enterCode', {
    requestId: row.id, stepToken, destination, codeLength: challenge.digits, ...(notice ? { notice } : {}), ...step,
    ...(request.requestedBy ? { audience: 'helpdesk' as const } : {}),
  });
}

async function saveNewChallenge(deps: JourneyDeps, challenge: AskedChallenge): Promise<Challenge> {
  if (challenge.method === 'manager' || challenge.method === 'person') {
    const targetRef = challenge.method === 'manager' ? challenge.managerAadId : challenge.ownerAadId;
    return deps.store.createChallenge({ id: challenge.id, requestId: challenge.requestId, method: challenge.method, targetRef, maxAttempts: 1, expiresAt: challenge.expiresAt });
  }
  return deps.store.createChallenge({
    id: challenge.id, requestId: challenge.requestId, method: challenge.method, maskedTarget: challenge.maskedTarget,
    codeHash: challenge.codeHash, codeSalt: challenge.codeSalt, digits: challenge.digits, maxAttempts: challenge.maxAttempts, expiresAt: challenge.expiresAt,
  });
}

/** A typed code. Decided on this replica's snapshot when it has one (one round trip), else on a fresh read. */
export async function submitCode(deps: JourneyDeps, actor: Actor, requestId: string, stepToken: string, code: string): Promise<View> {
  const snapshot = deps.snapshots.take(requestId);
  let reservedGuess = false;
  if (snapshot) {
    const attempt: CodeAttempt = { fromSnapshot: true, committed: false };
    try {
      return await answerCode(deps, actor, snapshot, stepToken, code, attempt);
    } catch (err) {
      // Until its guarded write commits, an answer decided on a snapshot has changed nothing but counting its guess.
      if (attempt.committed || isResetDeskError(err, 'LIMIT_REACHED')) throw err;
      reservedGuess = attempt.reservedGuess === true;
    }
  }
  return answerCode(deps, actor, await deps.store.getRequestWithChallenges(requestId), stepToken, code, { fromSnapshot: false, committed: false, reservedGuess });
}

async function answerCode(deps: JourneyDeps, actor: Actor, found: RequestSnapshot | null, stepToken: string, code: string, attempt: CodeAttempt): Promise<View> {
  const { request: row, challenges } = await guardClick(deps, actor, 'verify.submitCode', found, stepToken, { fromSnapshot: attempt.fromSnapshot });
  assertState(row, 'verifying');
  const stored = latestOpenChallenge(challenges, ['email', 'sms']);
  const challenge = toCodeChallenge(stored);
  const method = deps.methods[challenge.method] as CodeVerificationMethod | undefined;
  if (!method) throw new ResetDeskError('VERIFY_METHOD_UNAVAILABLE', 'That method is not available any more.');
  const request = toDomain(row);
  // Every answer is counted as a wrong one before it is compared, so parallel guesses cannot pass the limit; a right one is given back.
  if (!attempt.reservedGuess) {
    await spendUse(deps, 'wrong_code', usageSubjectsOf(request), driverOf(request), request.id);
    attempt.reservedGuess = true;
  }
  const result = await method.check(challenge, { method: challenge.method, code }, context(deps, request, {}));
  if (result.outcome === 'passed') await giveUseBack(deps, 'wrong_code', usageSubjectsOf(request));
  // The challenge's new state moves with the request, in one transaction, so two answers can never share a try.
  const saveChallenge = { id: stored.id, expected: expectationOf(stored), next: challengeState(result.challenge) };
  switch (result.outcome) {
    case 'passed':
      return methodPassed(deps, row, challenge.method, saveChallenge, attempt);
    case 'failed': {
      // Its audit entry is written before the guarded move, so it is decided on a fresh read.
      if (attempt.fromSnapshot) throw new NeedsFreshRead();
      if (result.audit) await deps.store.appendAudit(toAuditInput(result.audit));
      const failed = applyEvent(request, { type: 'verificationFailed', method: challenge.method, reasonCode: 'VERIFY_TOO_MANY_TRIES' }, deps.now());
      await commitTransition(deps.store, row, failed, { options: { saveChallenge } });
      attempt.committed = true;
      return view('tooManyTries', { startAgain: startAgain() });
    }
    case 'retry':
    case 'expired': {
      const fresh = await commitTransition(deps.store, row, { request, audit: result.audit ?? stepIssued(request) }, { step: 'enter_code', options: { saveChallenge } });
      attempt.committed = true;
      deps.snapshots.keep(fresh.row, withChallenge(challenges, { ...stored, ...saveChallenge.next, updatedAt: fresh.row.updatedAt }));
      const notice: CodeNotice = result.outcome === 'expired' ? { kind: 'codeExpired' } : { kind: 'wrongCode', triesLeft: Number(result.error.details.triesLeft ?? 0) };
      return challengeView(fresh.row, fresh.stepToken!, result.challenge, undefined, notice);
    }
  }
}

/** "Send a new code": counted like the first send; one a minute and three a request at most. */
export async function resendCode(deps: JourneyDeps, actor: Actor, requestId: string, stepToken: string): Promise<View> {
  const { request: row, challenges } = await guardedRequestWithChallenges(deps, actor, 'verify.resendCode', requestId, stepToken);
  assertState(row, 'verifying');
  const stored = latestOpenChallenge(challenges, ['email', 'sms']);
  const challenge = toCodeChallenge(stored);
  const method = deps.methods[challenge.method] as CodeVerificationMethod;
  const request = toDomain(row);
  const { info } = await usableMethods(deps, request);
  let notice: CodeNotice;
  let shown = challenge;
  let saved = stored;
  const who = usageSubjectsOf(request);
  const spent = SEND_LIMIT[challenge.method]!;
  await spendUse(deps, spent, who, driverOf(request), request.id);
  try {
    const resent = await method.resend(challenge, context(deps, request, info.user));
    saved = await deps.store.saveChallengeState(stored.id, expectationOf(stored), challengeState(resent.challenge));
    await deps.store.appendAudit(toAuditInput(resent.audit));
    notice = { kind: 'newCodeSent' };
    shown = resent.challenge;
  } catch (err) {
    await giveUseBack(deps, spent, who);
    if (!isResetDeskError(err, 'VERIFY_RESEND_TOO_SOON')) throw err;
    notice = { kind: 'resendTooSoon', retryAfterSeconds: Number(err.details.retryAfterSeconds ?? 60) };
  }
  const fresh = await commitTransition(deps.store, row, { request, audit: stepIssued(request) }, { step: 'enter_code' });
  deps.snapshots.keep(fresh.row, withChallenge(challenges, saved));
  return challengeView(fresh.row, fresh.stepToken!, shown, undefined, notice);
}

/** A method passed: the next method to choose, or what comes after verification. */
export async function methodPassed(
  deps: JourneyDeps, row: StoredRequest, method: VerificationMethodName, saveChallenge?: TransitionOptions['saveChallenge'], attempt?: { committed: boolean },
): Promise<View> {
  const passed = applyEvent(toDomain(row), { type: 'methodPassed', method }, deps.now());
  const step = passed.request.state === 'verifying' ? 'choose_method' : stepWhenVerified(deps, passed.request);
  const moved = await commitTransition(deps.store, row, passed, { step, ...(saveChallenge ? { options: { saveChallenge } } : {}) });
  if (attempt) attempt.committed = true;
  if (moved.row.state === 'verifying') return chooseMethodView(deps, moved.row, moved.stepToken!);
  return afterVerified(deps, moved.row, moved.stepToken, undefined);
}
