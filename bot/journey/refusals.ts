// What a person sees when a click cannot go on. Every error code a use case
// can end with is in one union, and each has its view: a code without a card
// does not compile. Typed errors from elsewhere (Graph, the SMS provider, the
// store) carry messages written for people and are shown as a failure; an
// untyped error is "something on our side", and its details stay in the log.
import { randomUUID } from 'node:crypto';
import { isResetDeskError, type ResetDeskError } from '../errors';
import type { LimitedAction, LimitScope } from '../domain/usage-limits';
import type { Logger } from '../log';
import { view, type View } from './views';

/** Menu buttons start a request of one's own; the id they carry is what makes a double tap harmless, the token is decoration. */
export function newMenuToken(): string {
  return randomUUID().replace(/-/g, '');
}

/** The ids a "start again" button carries: a new request. */
export function startAgain(): { requestId: string; stepToken: string } {
  return { requestId: randomUUID(), stepToken: newMenuToken() };
}

const stepOver = (): View => view('stepOver', { startAgain: startAgain() });
const notAllowed = (): View => view('notAllowed');
const expired = (): View => view('requestExpired', { startAgain: startAgain() });
const failedWith = (nextStep?: string) => (err: ResetDeskError): View =>
  view('failure', { reason: err.message, ...(nextStep ? { nextStep } : {}), startAgain: startAgain() });

// The helpdesk can always help; a retry in a few minutes would not.
const ASK_THE_HELPDESK = 'Please contact the IT helpdesk.';

export const JOURNEY_ERROR_VIEWS = {
  STEP_OVER: stepOver,
  STORE_VERSION_CONFLICT: stepOver,
  STORE_CHALLENGE_CLOSED: stepOver,
  REQUEST_ILLEGAL_TRANSITION: stepOver,
  VERIFY_CHALLENGE_MISMATCH: stepOver,
  VERIFY_CHALLENGE_USED: stepOver,
  REQUEST_NOT_YOURS: notAllowed,
  VERIFY_NOT_MANAGER: notAllowed,
  VERIFY_NOT_OWNER: notAllowed,
  APPROVAL_SELF: notAllowed,
  APPROVAL_NOT_APPROVER: notAllowed,
  REQUEST_EXPIRED: expired,
  REQUEST_STEP_EXPIRED: expired,
  APPROVAL_EXPIRED: expired,
  LIMIT_REACHED: (err) => view('limitReached', {
    action: err.details.action as LimitedAction,
    scope: err.details.scope as LimitScope,
    until: String(err.details.until),
  }),
  VERIFY_METHOD_UNAVAILABLE: failedWith(),
  VERIFY_METHOD_ALREADY_PASSED: failedWith(),
  VERIFY_DELIVERY_FAILED: failedWith(),
  VERIFY_RESEND_LIMIT: failedWith(),
  VERIFY_TOO_MANY_TRIES: () => view('tooManyTries', { startAgain: startAgain() }),
  APPROVAL_NOT_PENDING: stepOver,
  APPROVAL_CALLER_NOT_VERIFIED: failedWith(),
  HELPDESK_NOT_MEMBER: notAllowed,
  HELPDESK_SELF: failedWith('Reset your own password with "Reset password" on the menu.'),
  WRITEBACK_NO_AGENTS: () => view('directoryUnreachable', { startAgain: startAgain() }),
  WRITEBACK_TIMEOUT: () => view('directoryUnreachable', { startAgain: startAgain() }),
  // An id Graph does not know or cannot parse will not start working in a few minutes.
  GRAPH_USER_NOT_FOUND: failedWith(ASK_THE_HELPDESK),
  GRAPH_INVALID_INPUT: failedWith(ASK_THE_HELPDESK),
  GRAPH_BAD_REQUEST: failedWith(ASK_THE_HELPDESK),
} satisfies Record<string, (err: ResetDeskError) => View>;

export type JourneyErrorCode = keyof typeof JOURNEY_ERROR_VIEWS;

export function isJourneyErrorCode(code: string): code is JourneyErrorCode {
  return Object.hasOwn(JOURNEY_ERROR_VIEWS, code);
}

/** The view for an error that ended a click; logs what a person must not read. */
export function viewForError(err: unknown, verb: string, logger: Logger): View {
  if (isResetDeskError(err)) {
    if (isJourneyErrorCode(err.code)) return JOURNEY_ERROR_VIEWS[err.code](err);
    // Typed errors carry messages written for people (Graph busy, delivery failed, ...).
    logger.warn({ errorCode: err.code, verb }, 'card action refused');
    return view('failure', { reason: err.message, startAgain: startAgain() });
  }
  logger.error({ verb, err: { name: (err as Error)?.name } }, 'card action failed');
  return view('failure', { reason: 'Something went wrong on our side.', nextStep: 'Please try again in a minute.', startAgain: startAgain() });
}

/** What to do after the agent refused or failed a job, by its result code. */
export function nextStepFor(code: string): string {
  switch (code) {
    case 'AGENT_POLICY_VIOLATION':
      return 'Start again and choose a different password (AD also refuses recently used ones).';
    case 'AGENT_DIRECTORY_UNAVAILABLE':
      return 'Nothing was changed. Please try again in a few minutes.';
    case 'AGENT_PROTECTED_ACCOUNT':
    case 'AGENT_OUT_OF_SCOPE':
    case 'AGENT_NOT_PERMITTED':
      return ASK_THE_HELPDESK;
    default:
      return 'Please try again, or contact the IT helpdesk.';
  }
}
