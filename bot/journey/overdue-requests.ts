// Requests nobody finished. Past its deadline, a request still waiting on a
// person (to verify, to approve, to type the new password) is closed, audited,
// and the card the person started from says so, instead of waiting for a
// click that may never come. Every replica sweeps; a request moves only from
// the version that was read, so when two replicas (or a sweep and a click)
// meet, one wins and the other skips it.
import { applyEvent } from '../domain/reset-request';
import { isResetDeskError } from '../errors';
import { startAgain } from './refusals';
import { view } from './views';
import { updateRequesterCard } from './requester-card';
import { approvalFacts, updateApprovalCard } from './request-approval';
import type { JourneyDeps } from './journey-deps';
import { commitTransition, toDomain } from './request-records';

const SWEEP_BATCH = 100;

/** One sweep; returns how many requests it closed. */
export async function expireOverdueRequests(deps: JourneyDeps): Promise<number> {
  let closed = 0;
  for (const row of await deps.store.listOverdueRequests(SWEEP_BATCH)) {
    try {
      const event = row.state === 'awaiting_approval' ? { type: 'approvalExpired' as const } : { type: 'timedOut' as const };
      const moved = await commitTransition(deps.store, row, applyEvent(toDomain(row), event, deps.now()));
      closed += 1;
      deps.metrics.requestTransitions.inc({ kind: row.kind, state: moved.row.state });
      if (row.state === 'awaiting_approval') {
        // The approvers' card says so too, so nobody clicks on a request that is over.
        await updateApprovalCard(deps, moved.row, view('approvalResolved', { ...(await approvalFacts(deps, moved.row)), decision: { outcome: 'expired', at: deps.now() } }));
      }
    } catch (err) {
      if (!isResetDeskError(err, 'STORE_VERSION_CONFLICT')) {
        deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'could not close an overdue request');
      }
      continue;
    }
    await updateRequesterCard(deps, row, null, view('requestExpired', { startAgain: startAgain() }));
  }
  return closed;
}
