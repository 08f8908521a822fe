// Which use case answers which card button: one typed table, so a verb
// without a handler (or a handler reading the wrong data) does not compile.
// Errors become the views the refusals table gives them; each click is
// counted by verb and outcome.
import type { CardAction, CardActionData, CardVerb } from '../../cards';
import { decideOnAgent } from '../journey/agent-decisions';
import { cancelRequest } from '../journey/cancel';
import { decideApproval } from '../journey/decide-approval';
import type { Actor, ClickOrigin, JourneyDeps } from '../journey/journey-deps';
import { answerAsManager } from '../journey/manager-answer';
import { submitPassword } from '../journey/new-password';
import { viewForError } from '../journey/refusals';
import { showHelp, showMenu, startRequest } from '../journey/start';
import { chooseMethod, resendCode, submitCode } from '../journey/verify';
import type { Answer } from '../journey/views';
import { findPerson, openHelpdesk, pickPerson, startForCaller } from '../journey/helpdesk';
import { answerAsOwner } from '../journey/owner-answer';
import { isResetDeskError } from '../errors';

type Route<V extends CardVerb> = (deps: JourneyDeps, actor: Actor, data: CardActionData<V>, origin: ClickOrigin) => Promise<Answer>;

export const CARD_ROUTES: { readonly [V in CardVerb]: Route<V> } = {
  'menu.show': (deps, actor) => showMenu(deps, actor),
  'menu.help': async () => showHelp(),
  'menu.reset': (deps, actor, d, origin) => startRequest(deps, actor, 'reset', d.requestId, origin),
  'menu.unlock': (deps, actor, d, origin) => startRequest(deps, actor, 'unlock', d.requestId, origin),
  'menu.status': (deps, actor, d, origin) => startRequest(deps, actor, 'status', d.requestId, origin),
  'menu.change': (deps, actor, d, origin) => startRequest(deps, actor, 'change', d.requestId, origin),
  'verify.chooseMethod': (deps, actor, d) => chooseMethod(deps, actor, d.requestId, d.stepToken, d.method),
  'verify.submitCode': (deps, actor, d) => submitCode(deps, actor, d.requestId, d.stepToken, d.code),
  'verify.resendCode': (deps, actor, d) => resendCode(deps, actor, d.requestId, d.stepToken),
  'manager.confirm': (deps, actor, d) => answerAsManager(deps, actor, d.requestId, d.stepToken, 'confirm'),
  'manager.refuse': (deps, actor, d) => answerAsManager(deps, actor, d.requestId, d.stepToken, 'refuse'),
  'password.submit': (deps, actor, d) => submitPassword(deps, actor, 'password.submit', d.requestId, d.stepToken, d.newPassword, d.confirmPassword),
  'password.submitChange': (deps, actor, d) =>
    submitPassword(deps, actor, 'password.submitChange', d.requestId, d.stepToken, d.newPassword, d.confirmPassword, d.currentPassword),
  'request.cancel': (deps, actor, d) => cancelRequest(deps, actor, d.requestId, d.stepToken),
  'approval.approve': (deps, actor, d) => decideApproval(deps, actor, d.requestId, { via: 'card', stepToken: d.stepToken }, { outcome: 'approved' }),
  'approval.deny': (deps, actor, d) => decideApproval(deps, actor, d.requestId, { via: 'card', stepToken: d.stepToken }, { outcome: 'denied', reason: d.reason }),
  'helpdesk.open': (deps, actor) => openHelpdesk(deps, actor),
  'helpdesk.find': (deps, actor, d) => findPerson(deps, actor, d.query),
  'helpdesk.pick': (deps, actor, d) => pickPerson(deps, actor, d.personId),
  'helpdesk.unlock': (deps, actor, d, origin) => startForCaller(deps, actor, 'unlock', d.personId, d.ticket, d.requestId, origin),
  'helpdesk.reset': (deps, actor, d, origin) => startForCaller(deps, actor, 'reset', d.personId, d.ticket, d.requestId, origin),
  'caller.confirm': (deps, actor, d) => answerAsOwner(deps, actor, d.requestId, d.stepToken, 'confirm'),
  'caller.deny': (deps, actor, d) => answerAsOwner(deps, actor, d.requestId, d.stepToken, 'refuse'),
  'agent.confirm': (deps, actor, d) => decideOnAgent(deps, actor, 'confirm', d.agentId, d.stepToken),
  'agent.revoke': (deps, actor, d) => decideOnAgent(deps, actor, 'revoke', d.agentId, d.stepToken),
};

/** A click on any card: its use case's answer, or the view its error calls for; nothing else leaks. */
export async function answerCardAction(deps: JourneyDeps, actor: Actor, action: CardAction, origin: ClickOrigin): Promise<Answer> {
  const route = CARD_ROUTES[action.verb] as Route<CardVerb>;
  try {
    const answer = await route(deps, actor, action.data as never, origin);
    deps.metrics.cardActions.inc({ verb: action.verb, outcome: 'ok' });
    return answer;
  } catch (err) {
    deps.metrics.cardActions.inc({ verb: action.verb, outcome: isResetDeskError(err) ? err.code : 'error' });
    return viewForError(err, action.verb, deps.logger);
  }
}
