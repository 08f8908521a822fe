// Approvals: the requests waiting for an approver, and a decision under the
// same rules as the channel card's buttons (through the use cases).
import { z } from 'zod';
import { decideInConsole, listPendingApprovals, type DecisionResult, type PendingApproval } from '../use-cases';
import { ok, parse, uuidParam, type ApiRoute, type Json } from './api-route';

export interface ApprovalsAnswer {
  approvals: Json<PendingApproval>[];
}

export type DecisionAnswer = DecisionResult;

const DecisionBody = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.literal('approved') }),
  // The requester reads the reason: one line, like every text the cards show.
  z.strictObject({ outcome: z.literal('denied'), reason: z.string().trim().min(3, 'say why, in a few words').max(500).regex(/^[^\p{Cc}]+$/u, 'one line of plain text') }),
]);

export const approvalRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'approvals',
    view: 'approvals',
    handle: async (ctx, call) => ok({ approvals: await listPendingApprovals(ctx.journey, call.actor) }),
  },
  {
    method: 'POST',
    path: 'approvals/:requestId/decision',
    view: 'approvals',
    handle: async (ctx, call) => {
      const requestId = parse(uuidParam, call.params.requestId);
      const decision = parse(DecisionBody, call.body);
      return ok(await decideInConsole(ctx.journey, call.actor, requestId, decision));
    },
  },
];
