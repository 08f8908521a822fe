// Counts at a glance: resets and unlocks per day, and what did not succeed, by reason.
import { z } from 'zod';
import type { OutcomeCounts } from '../../store';
import { isoInstant, one, ok, parse, type ApiRoute } from './api-route';

export type CountsAnswer = OutcomeCounts;

const CountsQuery = z.object({ since: isoInstant, until: isoInstant, offset: z.coerce.number().int().min(-14 * 60).max(14 * 60) });

export const countRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'counts',
    view: 'counts',
    handle: async (ctx, call) => {
      const q = parse(CountsQuery, { since: one(call.query.since), until: one(call.query.until), offset: one(call.query.offset) ?? '0' });
      return ok(await ctx.store.countOutcomes({ tenantId: ctx.tenantId, since: q.since, until: q.until, utcOffsetMinutes: q.offset }));
    },
  },
];
