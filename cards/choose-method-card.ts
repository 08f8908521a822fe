// "How should we check it's you?": the methods this person has registered,
// with their addresses masked, as radio buttons under one Continue button.
import { z } from 'zod';
import { actionContextSchema, displayNameSchema, operationSchema, Operation, parseCardData } from './card-data';
import { AdaptiveCard, cardTemplate } from './render-card';
import { stepView, verificationStepSchema } from './verification-step';
import { methodOffer, verificationMethodSchema } from './verification-methods';
import template from './templates/choose-method.json';

const methodIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a method id');

export const chooseMethodCardDataSchema = actionContextSchema.extend({
  /** What the person set out to do; a status check changes nothing and says so. */
  operation: z.union([operationSchema, z.literal('status')]),
  /** Each method's `id` comes back as the submitted `method`. */
  methods: z
    .array(z.intersection(z.object({ id: methodIdSchema }), verificationMethodSchema))
    .min(1)
    .max(8)
    .refine((methods) => new Set(methods.map((m) => m.id)).size === methods.length, 'method ids must be unique'),
  step: verificationStepSchema.optional(),
  /** A helpdesk member checking a caller reads other words than a person proving it's them. */
  audience: z.enum(['self', 'helpdesk']).default('self'),
  /** Whose account it is (the helpdesk's wording names them). */
  personName: displayNameSchema.optional(),
});
export type ChooseMethodCardData = z.input<typeof chooseMethodCardDataSchema>;

export const OPERATION_HEADINGS: Readonly<Record<Operation | 'status', string>> = {
  reset: 'Reset your password',
  unlock: 'Unlock your account',
  change: 'Change your password',
  status: 'Check your account status',
};

const HELPDESK_HEADINGS: Readonly<Record<Operation | 'status', string>> = {
  reset: 'Reset a caller\'s password',
  unlock: 'Unlock a caller\'s account',
  change: 'Change a password',
  status: 'Check an account',
};

const render = cardTemplate<{
  heading: string;
  intro: string;
  showStep: boolean;
  stepLabel: string;
  methods: Array<{ id: string; title: string }>;
  defaultMethod: string;
  requestId: string;
  stepToken: string;
}>(template, 'choose method');

export function buildChooseMethodCard(data: ChooseMethodCardData): AdaptiveCard {
  const d = parseCardData(chooseMethodCardDataSchema, data, 'choose method');
  const first = d.step === undefined || d.step.current === 1;
  const helpdesk = d.audience === 'helpdesk';
  const who = d.personName ?? 'the account owner';
  return render({
    heading: helpdesk ? HELPDESK_HEADINGS[d.operation] : OPERATION_HEADINGS[d.operation],
    intro: helpdesk
      ? first ? `First, check that the caller really is ${who}. Nothing changes until they pass.` : 'One more check of the caller, please.'
      : first ? "First, let's check it's you." : 'One more check, please.',
    ...stepView(d.step),
    methods: d.methods.map((m) => ({ id: m.id, title: methodOffer(m, d.audience) })),
    defaultMethod: d.methods[0]!.id,
    requestId: d.requestId,
    stepToken: d.stepToken,
  });
}
