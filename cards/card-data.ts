// Shared pieces of the cards' input data: the ids every action carries, names
// and addresses as they come from Graph, and one place that turns a bad data
// object into an error that names fields but never echoes their values.
import { z } from 'zod';
import { ResetDeskError } from '../bot/errors';

export const requestIdSchema = z.uuid();

// A step token is opaque to the cards; the bounds keep a forged or garbage
// token cheap to refuse, and the alphabet admits base64url and JWTs.
export const stepTokenSchema = z
  .string()
  .min(16)
  .max(512)
  .regex(/^[A-Za-z0-9._~-]+$/, 'must be a URL-safe token');

/** What every Action.Execute carries back to the bot: which request, and the one-use token of this step. */
export const actionContextSchema = z.object({
  requestId: requestIdSchema,
  stepToken: stepTokenSchema,
});
export type ActionContext = z.input<typeof actionContextSchema>;

export const displayNameSchema = z.string().trim().min(1).max(256);
export const accountNameSchema = z.string().trim().min(1).max(256);
export const emailAddressSchema = z.string().trim().min(3).max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');
export const phoneNumberSchema = z.string().trim().min(3).max(32).regex(/^\+?[\d\s().•xX-]+$/, 'must be a phone number');
/** A message written to be shown to a person (a ResetDeskError message, an agent's safe reason). */
export const safeTextSchema = z.string().trim().min(1).max(500);
export const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((v) => (v instanceof Date ? v : new Date(v)));
export const operationSchema = z.enum(['reset', 'unlock', 'change']);
export type Operation = z.infer<typeof operationSchema>;

/** Validates a builder's data and drops every field the card does not know, so nothing extra can ride into a card. */
export function parseCardData<S extends z.ZodType>(schema: S, data: unknown, card: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
  throw new ResetDeskError('CARD_DATA_INVALID', `The ${card} card was given data it cannot show (fields: ${fields}).`, { card, fields });
}
