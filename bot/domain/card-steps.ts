// Which card a request is waiting on, and the only verbs that card offers.
// A step token proves a click came from the request's current card; the step
// says which buttons that card had. A click with a valid token but a verb the
// card never offered (the enter-code card's token sent as "choose method",
// which would open a fresh challenge with fresh tries) is refused before
// anything is read from Graph, sent or written.
import type { CardVerb } from '../../cards/actions';

export const CARD_STEPS = [
  'choose_method',
  'enter_code',
  'wait_manager',
  'new_password',
  'change_password',
  'await_approval',
] as const;
export type CardStep = (typeof CARD_STEPS)[number];

export const STEP_VERBS: { readonly [S in CardStep]: readonly CardVerb[] } = {
  choose_method: ['verify.chooseMethod', 'request.cancel'],
  enter_code: ['verify.submitCode', 'verify.resendCode', 'request.cancel'],
  wait_manager: ['request.cancel'],
  new_password: ['password.submit', 'request.cancel'],
  change_password: ['password.submitChange', 'request.cancel'],
  await_approval: ['approval.approve', 'approval.deny'],
};

export function isCardStep(value: unknown): value is CardStep {
  return typeof value === 'string' && (CARD_STEPS as readonly string[]).includes(value);
}

/** Whether the card of `step` offered `verb`; no step (the request waits on nobody's click) offers nothing. */
export function stepOffers(step: CardStep | null | undefined, verb: CardVerb): boolean {
  return step != null && STEP_VERBS[step].includes(verb);
}
