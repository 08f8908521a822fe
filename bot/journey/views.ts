// What a use case answers: which card to show and with what data, as plain
// values. A view is named after its card builder (buildEnterCodeCard is the
// view `enterCode`) and carries exactly that builder's data, so the compiler
// checks every answer against the card it will become; only the Teams edge
// (and the proactive messenger) turns views into Adaptive Cards. Use-case
// tests read views, not card JSON.
import * as cards from '../../cards';

type CardModule = typeof cards;
type BuilderKey = Extract<keyof CardModule, `build${string}Card`>;
type ViewNameOf<K extends BuilderKey> = K extends `build${infer N}Card` ? Uncapitalize<N> : never;
export type ViewName = ViewNameOf<BuilderKey>;
type BuilderOf<N extends ViewName> = CardModule[`build${Capitalize<N>}Card` & BuilderKey];
type DataOf<N extends ViewName> = BuilderOf<N> extends (...args: infer A) => unknown ? A[0] : never;

export type View = { [N in ViewName]: undefined extends DataOf<N> ? { view: N; data?: DataOf<N> } : { view: N; data: DataOf<N> } }[ViewName];

/** Shorthand: `view('enterCode', { ... })`, checked against the enter-code card's data. */
export function view<N extends ViewName>(name: N, ...data: undefined extends DataOf<N> ? [DataOf<N>?] : [DataOf<N>]): View {
  return (data[0] === undefined ? { view: name } : { view: name, data: data[0] }) as View;
}

/** What a click gets back: a view that replaces the clicked card, or words for the clicker alone that change no card. */
export type Answer = View | { privateNotice: string };

export function isPrivateNotice(answer: Answer): answer is { privateNotice: string } {
  return 'privateNotice' in answer;
}

/** The Adaptive Card of a view. */
export function render(v: View): cards.AdaptiveCard {
  const builder = cards[`build${v.view.charAt(0).toUpperCase()}${v.view.slice(1)}Card` as BuilderKey] as (data?: unknown) => cards.AdaptiveCard;
  return builder(v.data);
}
