// Expands a JSON template with its data and checks the result before it can
// leave the process. The check is the last line of defence for the rule that
// a password or code never goes back into a card: whatever a template or a
// caller gets wrong, an input that takes a secret is never given a value, and
// an action never carries a secret-named field.
import { randomBytes } from 'node:crypto';
import { Template } from 'adaptivecards-templating';
import { ResetDeskError } from '../bot/errors';

export type CardElementJson = { type: string; [key: string]: unknown };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: '1.5';
  $schema?: string;
  body: CardElementJson[];
  actions?: CardElementJson[];
  [key: string]: unknown;
}

/** Ids of inputs that take a secret; they must never carry a `value`, and actions must never carry them as data. */
export const SECRET_INPUT_IDS: readonly string[] = ['code', 'currentPassword', 'newPassword', 'confirmPassword'];
const SECRET_DATA_KEY = /password|passphrase|secret|^code$|^otp$|^pin$/i;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The attachment Bot Framework expects for an Adaptive Card. */
export function cardAttachment(card: AdaptiveCard): { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

/**
 * The body of the HTTP 200 a bot answers an `adaptiveCard/action` invoke
 * with when the clicked card is to be replaced; Teams shows `value` in place
 * of the card, which is also how a card with a typed password leaves the screen.
 */
export function cardInvokeResponse(card: AdaptiveCard): { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCard } {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

export const MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';

/**
 * The answer to a click that must change nothing for anyone: Teams shows
 * `value` to the person who clicked only, and leaves the card as it was (a
 * card answer would replace a channel card for everyone).
 */
export function messageInvokeResponse(text: string): { statusCode: 200; type: typeof MESSAGE_CONTENT_TYPE; value: string } {
  return { statusCode: 200, type: MESSAGE_CONTENT_TYPE, value: text.slice(0, 500) };
}

// Expanding a template evaluates every binding in it, the largest part of a
// click's own work after the database. Cards of one kind differ mostly in the
// request id and step token their buttons carry, which templates only ever
// place whole ("${requestId}"). So a view is expanded once with markers in
// those two places, and each card is that expansion with the markers replaced.
// An expansion that uses a marker in any other way (inside a longer text, say)
// is not reused: that view is expanded afresh every time.
const OPAQUE_FIELDS = ['requestId', 'stepToken'] as const;
const MARKERS = Object.fromEntries(OPAQUE_FIELDS.map((f) => [f, `rd-opaque-${f}-${randomBytes(12).toString('hex')}`])) as Record<(typeof OPAQUE_FIELDS)[number], string>;
const MEMO_SIZE = 256;

function count(text: string, part: string): number {
  let n = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) n += 1;
  return n;
}

/** Prepares a template once; the returned function expands it for each card sent. */
export function cardTemplate<View extends object>(payload: object, name: string): (view: View) => AdaptiveCard {
  const template = new Template(payload);
  const expandChecked = (view: object): AdaptiveCard => {
    const card: unknown = template.expand({ $root: view });
    assertSafeCard(card, name);
    // A template's buttons can all be switched off; an empty list is noise.
    if (Array.isArray(card.actions) && card.actions.length === 0) delete card.actions;
    return card;
  };
  // The checked expansion with markers, by the rest of the view; null where it cannot be reused.
  const memo = new Map<string, AdaptiveCard | null>();
  return (view) => {
    const v = view as Record<string, unknown>;
    if (OPAQUE_FIELDS.some((f) => typeof v[f] !== 'string')) return expandChecked(view);
    const key = JSON.stringify({ ...v, requestId: 0, stepToken: 0 });
    let marked = memo.get(key);
    if (marked === undefined) {
      const card = expandChecked({ ...v, ...MARKERS });
      const text = JSON.stringify(card);
      marked = OPAQUE_FIELDS.every((f) => count(text, MARKERS[f]) === count(text, JSON.stringify(MARKERS[f]))) ? card : null;
      if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
      memo.set(key, marked);
    }
    if (marked === null) return expandChecked(view);
    // Checked already: filling in two string values adds no input value and no action field.
    return fill(marked, new Map(OPAQUE_FIELDS.map((f) => [MARKERS[f], v[f] as string]))) as AdaptiveCard;
  };
}

/** A fresh copy of `node` with each string that is a key of `values` replaced by its value. */
function fill(node: unknown, values: Map<string, string>): unknown {
  if (typeof node === 'string') return values.get(node) ?? node;
  if (Array.isArray(node)) return node.map((item) => fill(item, values));
  if (isObject(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = fill(value, values);
    return out;
  }
  return node;
}

/** Throws `CARD_UNSAFE` unless `card` is a 1.5 Adaptive Card with no secret in an input value or action data. */
export function assertSafeCard(card: unknown, name: string): asserts card is AdaptiveCard {
  const fail = (why: string): never => {
    throw new ResetDeskError('CARD_UNSAFE', `The ${name} card was not sent: ${why}.`, { card: name });
  };
  if (!isObject(card) || card.type !== 'AdaptiveCard' || card.version !== '1.5' || !Array.isArray(card.body)) {
    fail('it is not an Adaptive Card 1.5');
  }
  walk(card, (node) => {
    const type = node.type;
    if (typeof type === 'string' && type.startsWith('Input.')) {
      const takesSecret = node.style === 'password' || (typeof node.id === 'string' && SECRET_INPUT_IDS.includes(node.id));
      if (takesSecret && 'value' in node) fail(`input "${String(node.id)}" takes a secret and must not have a value`);
    }
    if (typeof type === 'string' && type.startsWith('Action.') && isObject(node.data)) {
      const leaked = Object.keys(node.data).find((key) => SECRET_DATA_KEY.test(key));
      if (leaked !== undefined) fail(`an action carries the secret-named field "${leaked}"`);
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` on every object in a card, depth first. */
export function walk(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
  } else if (isObject(node)) {
    visit(node);
    for (const value of Object.values(node)) walk(value, visit);
  }
}
