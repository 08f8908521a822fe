// The verbs of every Action.Execute on ResetDesk's cards and the exact shape
// of what each one submits. Teams delivers a click as an `adaptiveCard/action`
// invoke whose `value.action.data` is the action's `data` merged with the
// card's input values; the bot parses that with `parseCardAction` and nothing
// else, so every outside value is checked before it reaches the domain.
import { z } from 'zod';
import { ResetDeskError } from '../bot/errors';
import { actionContextSchema, stepTokenSchema } from './card-data';

export const CardVerb = {
  showMenu: 'menu.show',
  startReset: 'menu.reset',
  startUnlock: 'menu.unlock',
  checkStatus: 'menu.status',
  startChange: 'menu.change',
  showHelp: 'menu.help',
  chooseMethod: 'verify.chooseMethod',
  submitCode: 'verify.submitCode',
  resendCode: 'verify.resendCode',
  managerConfirm: 'manager.confirm',
  managerRefuse: 'manager.refuse',
  submitPassword: 'password.submit',
  submitPasswordChange: 'password.submitChange',
  cancel: 'request.cancel',
  approve: 'approval.approve',
  deny: 'approval.deny',
  openHelpdesk: 'helpdesk.open',
  findPerson: 'helpdesk.find',
  pickPerson: 'helpdesk.pick',
  helpdeskUnlock: 'helpdesk.unlock',
  helpdeskReset: 'helpdesk.reset',
  callerConfirm: 'caller.confirm',
  callerDeny: 'caller.deny',
  confirmAgent: 'agent.confirm',
  revokeAgent: 'agent.revoke',
} as const;
export type CardVerb = (typeof CardVerb)[keyof typeof CardVerb];

export const MAX_PASSWORD_LENGTH = 256;

// People paste codes as "123 456" or "123-456"; the separators carry nothing.
const codeSchema = z
  .string()
  .max(32)
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6,8}$/, 'must be 6 to 8 digits'));

// Passwords are taken exactly as typed: spaces can be part of a passphrase.
const passwordSchema = z.string().min(1).max(MAX_PASSWORD_LENGTH);

const base = actionContextSchema;
// Decisions on an agent name the agent, not a request.
const agentActionSchema = z.object({ agentId: z.uuid(), stepToken: stepTokenSchema });

export const cardActionDataSchemas = {
  [CardVerb.showMenu]: base,
  [CardVerb.startReset]: base,
  [CardVerb.startUnlock]: base,
  [CardVerb.checkStatus]: base,
  [CardVerb.startChange]: base,
  [CardVerb.showHelp]: base,
  [CardVerb.chooseMethod]: base.extend({ method: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a method id') }),
  [CardVerb.submitCode]: base.extend({ code: codeSchema }),
  [CardVerb.resendCode]: base,
  [CardVerb.managerConfirm]: base,
  [CardVerb.managerRefuse]: base,
  [CardVerb.submitPassword]: base.extend({ newPassword: passwordSchema, confirmPassword: passwordSchema }),
  [CardVerb.submitPasswordChange]: base.extend({
    currentPassword: passwordSchema,
    newPassword: passwordSchema,
    confirmPassword: passwordSchema,
  }),
  [CardVerb.cancel]: base,
  [CardVerb.approve]: base,
  // The first deny ends the request; its reason is the requester's to read.
  [CardVerb.deny]: base.extend({ reason: z.string().trim().min(1, 'say why').max(500) }),
  [CardVerb.openHelpdesk]: base,
  [CardVerb.findPerson]: base.extend({ query: z.string().trim().min(2, 'type at least two letters').max(120) }),
  [CardVerb.pickPerson]: base.extend({ personId: z.uuid() }),
  // The ticket (or reason) goes into the audit record with what the helpdesk did.
  [CardVerb.helpdeskUnlock]: base.extend({ personId: z.uuid(), ticket: z.string().trim().min(1, 'a ticket number or reason').max(64) }),
  [CardVerb.helpdeskReset]: base.extend({ personId: z.uuid(), ticket: z.string().trim().min(1, 'a ticket number or reason').max(64) }),
  [CardVerb.callerConfirm]: base,
  [CardVerb.callerDeny]: base,
  [CardVerb.confirmAgent]: agentActionSchema,
  [CardVerb.revokeAgent]: agentActionSchema,
} as const satisfies Record<CardVerb, z.ZodObject>;

export type CardActionData<V extends CardVerb> = z.output<(typeof cardActionDataSchemas)[V]>;

/** A validated card action: switch on `verb` and `data` has that verb's exact type. */
export type CardAction = { [V in CardVerb]: { verb: V; data: CardActionData<V> } }[CardVerb];

const VERBS = new Set<string>(Object.values(CardVerb));

export function isCardVerb(value: unknown): value is CardVerb {
  return typeof value === 'string' && VERBS.has(value);
}

const actionEnvelopeSchema = z.object({
  type: z.literal('Action.Execute').optional(),
  verb: z.string().max(64),
  data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Parses `activity.value.action` of an `adaptiveCard/action` invoke. Throws
 * `ResetDeskError` `CARD_ACTION_UNKNOWN` or `CARD_ACTION_INVALID`; the error
 * names the offending fields but never carries what was typed into them.
 */
export function parseCardAction(action: unknown): CardAction {
  const envelope = actionEnvelopeSchema.safeParse(action);
  if (!envelope.success || !isCardVerb(envelope.data.verb)) {
    throw new ResetDeskError('CARD_ACTION_UNKNOWN', "That button isn't one I know. Send me any message to start again.");
  }
  const verb = envelope.data.verb;
  const parsed = cardActionDataSchemas[verb].safeParse(envelope.data.data ?? {});
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].sort().join(',');
    throw new ResetDeskError('CARD_ACTION_INVALID', "Something on the card wasn't filled in right. Check it and try again.", { verb, fields });
  }
  return { verb, data: parsed.data } as CardAction;
}
