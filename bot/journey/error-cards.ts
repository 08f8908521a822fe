// What a person sees when a click cannot go on: the typed error decides the
// card, and every such card offers a fresh start. Only typed errors' messages
// reach a card (they are written for users); anything else is "our side".
import { randomUUID } from 'node:crypto';
import { buildFailureCard, buildLimitReachedCard, buildNotAllowedCard, buildRequestExpiredCard, buildStepOverCard, type AdaptiveCard, type LimitReachedCardData } from '../../cards';
import { isResetDeskError } from '../errors';
import type { Logger } from '../log';

/** Menu buttons start a request of one's own; the id they carry is what makes a double tap harmless, the token is decoration. */
export function newMenuToken(): string {
  return randomUUID().replace(/-/g, '');
}

/** The ids a "start again" button carries: a new request. */
export function startAgain(): { requestId: string; stepToken: string } {
  return { requestId: randomUUID(), stepToken: newMenuToken() };
}

export function cardForError(err: unknown, verb: string, logger: Logger): AdaptiveCard {
  if (isResetDeskError(err)) {
    switch (err.code) {
      case 'STEP_OVER':
      case 'STORE_VERSION_CONFLICT':
      case 'STORE_CHALLENGE_CLOSED':
      case 'REQUEST_ILLEGAL_TRANSITION':
      case 'VERIFY_CHALLENGE_MISMATCH':
        return buildStepOverCard({ startAgain: startAgain() });
      case 'REQUEST_NOT_YOURS':
      case 'APPROVAL_NOT_APPROVER':
      case 'APPROVAL_SELF':
        return buildNotAllowedCard();
      case 'LIMIT_REACHED':
        return buildLimitReachedCard({
          action: err.details.action as LimitReachedCardData['action'],
          scope: err.details.scope as LimitReachedCardData['scope'],
          until: String(err.details.until),
        });
      case 'REQUEST_EXPIRED':
      case 'REQUEST_STEP_EXPIRED':
      case 'APPROVAL_EXPIRED':
        return buildRequestExpiredCard({ startAgain: startAgain() });
      default:
        // Typed errors carry messages written for users (Graph busy, delivery failed, ...).
        logger.warn({ code: err.code, verb }, 'card action refused');
        return buildFailureCard({ reason: err.message, startAgain: startAgain() });
    }
  }
  logger.error({ verb, err: { name: (err as Error)?.name } }, 'card action failed');
  return buildFailureCard({ reason: 'Something went wrong on our side.', nextStep: 'Please try again in a minute.', startAgain: startAgain() });
}

/** What to do after the agent refused or failed a job, by its error code. */
export function nextStepFor(code: string): string {
  switch (code) {
    case 'AGENT_POLICY_VIOLATION':
      return 'Start again and choose a different password (AD also refuses recently used ones).';
    case 'AGENT_DIRECTORY_UNAVAILABLE':
      return 'Nothing was changed. Please try again in a few minutes.';
    case 'AGENT_PROTECTED_ACCOUNT':
    case 'AGENT_OUT_OF_SCOPE':
    case 'AGENT_NOT_PERMITTED':
      return 'Please contact the IT helpdesk.';
    default:
      return 'Please try again, or contact the IT helpdesk.';
  }
}
