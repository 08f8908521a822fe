// The helpdesk's work, request-based like the bot's cards: find the person,
// see the account, start an unlock or reset under a ticket, verify the caller
// step by step (each step's token is single-use), follow the request, and
// for a reset whose temporary password is shown here, reveal it once to the
// member who started it. Every step is a use case of the journey.
import { z } from 'zod';
import { checkCaller, findPeople, getAssistedRequest, inspectAccount, revealTemporaryPasswordOnce, startAssistedRequest } from '../use-cases';
import { ok, one, parse, uuidParam, type ApiRoute } from './api-route';

const Query = z.string().trim().min(2, 'type at least two characters').max(256);
const Ticket = z.string().trim().min(1, 'give the ticket number the call is logged under').max(64).regex(/^[^\p{Cc}]+$/u, 'one line of plain text');
// The same bounds as the cards' step tokens and method ids: a forged or garbage value is refused before any use case runs.
const StepToken = z.string().min(16, 'not a step token').max(512).regex(/^[A-Za-z0-9._~-]+$/, 'not a step token');
const MethodId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be one of the methods offered');
// People read codes out as "123 456"; the separators carry nothing.
const Code = z.string().max(32).transform((v) => v.replace(/[\s-]/g, '')).pipe(z.string().regex(/^\d{6,8}$/, 'the code has 6 to 8 digits'));

const StartBody = z.strictObject({ personId: uuidParam, ticket: Ticket, kind: z.enum(['unlock', 'reset'], 'unlock or reset') });
const CheckBody = z.discriminatedUnion(
  'do',
  [
    z.strictObject({ do: z.literal('choose_method'), stepToken: StepToken, method: MethodId }),
    z.strictObject({ do: z.literal('submit_code'), stepToken: StepToken, code: Code }),
    z.strictObject({ do: z.literal('resend_code'), stepToken: StepToken }),
  ],
  { error: 'choose_method, submit_code or resend_code' },
);

export const helpdeskRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'helpdesk/people',
    view: 'helpdesk',
    handle: async (ctx, call) => ok({ people: await findPeople(ctx.journey, call.actor, parse(Query, one(call.query.query))) }),
  },
  {
    method: 'GET',
    path: 'helpdesk/people/:personId',
    view: 'helpdesk',
    handle: async (ctx, call) => ok(await inspectAccount(ctx.journey, call.actor, parse(uuidParam, call.params.personId))),
  },
  {
    method: 'POST',
    path: 'helpdesk/requests',
    view: 'helpdesk',
    handle: async (ctx, call) => ok(await startAssistedRequest(ctx.journey, call.actor, parse(StartBody, call.body)), 201),
  },
  {
    method: 'POST',
    path: 'helpdesk/requests/:requestId/check',
    view: 'helpdesk',
    handle: async (ctx, call) => {
      const requestId = parse(uuidParam, call.params.requestId);
      return ok(await checkCaller(ctx.journey, call.actor, requestId, parse(CheckBody, call.body)));
    },
  },
  {
    method: 'GET',
    path: 'helpdesk/requests/:requestId',
    view: 'helpdesk',
    handle: async (ctx, call) => ok(await getAssistedRequest(ctx.journey, call.actor, parse(uuidParam, call.params.requestId))),
  },
  {
    // POST, never GET: a one-time answer must not be fetched by a prefetch, a retry or a cache.
    method: 'POST',
    path: 'helpdesk/requests/:requestId/reveal',
    view: 'helpdesk',
    handle: async (ctx, call) => ok(await revealTemporaryPasswordOnce(ctx.journey, call.actor, parse(uuidParam, call.params.requestId))),
  },
];
