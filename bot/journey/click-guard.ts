// The one check every click on a request passes before anything else runs:
// the request exists in this tenant, the person clicking drives it, the card
// is the current one (its one-use step token), the card offered this verb,
// and the step is not past its deadline. A click that fails any of these
// changes nothing (a step past its deadline is closed, as the sweep would).
import type { CardVerb } from '../../cards';
import { stepOffers } from '../domain/card-steps';
import { applyEvent, assertActsOn, isTerminal } from '../domain/reset-request';
import { ResetDeskError } from '../errors';
import { stepTokenMatches, type Challenge, type ResetRequest as StoredRequest } from '../store';
import type { Actor, JourneyDeps } from './journey-deps';
import { commitTransition, toDomain } from './request-records';
import type { RequestSnapshot } from './request-snapshots';

/** Thrown where an answer decided on a snapshot would do more than its one guarded write: it is decided again on a fresh read. */
export class NeedsFreshRead extends Error {}

export interface GuardOptions {
  /** The request comes from this replica's snapshot, which may be stale: anything but its one guarded write needs a fresh read. */
  fromSnapshot?: boolean;
}

function stepOver(): ResetDeskError {
  return new ResetDeskError('STEP_OVER', 'This step is over.');
}

export async function guardClick(
  deps: Pick<JourneyDeps, 'store' | 'now' | 'logger'>,
  actor: Actor,
  verb: CardVerb,
  found: { request: StoredRequest; challenges?: Challenge[] } | null,
  stepToken: string,
  opts: GuardOptions = {},
): Promise<RequestSnapshot> {
  const row = found?.request ?? null;
  if (!row || row.tenantId !== actor.tenantId) throw stepOver();
  assertActsOn(toDomain(row), actor.aadObjectId);
  if (isTerminal(row.state) || !row.stepTokenHash || !stepTokenMatches(row.stepTokenHash, stepToken)) throw stepOver();
  if (!stepOffers(row.step, verb)) {
    // A valid token on a verb its card never offered: a forged click. Nothing is read, sent or written.
    deps.logger.warn({ errorCode: 'STEP_VERB_NOT_OFFERED', verb, step: row.step, requestId: row.id }, 'card action refused');
    throw stepOver();
  }
  const now = deps.now();
  if (row.expiresAt.getTime() <= now.getTime() && !['queued', 'applying'].includes(row.state)) {
    if (opts.fromSnapshot) throw new NeedsFreshRead();
    await commitTransition(deps.store, row, applyEvent(toDomain(row), { type: 'timedOut' }, now)).catch(() => undefined);
    throw new ResetDeskError('REQUEST_EXPIRED', 'This request has expired.');
  }
  return { request: row, challenges: found?.challenges ?? [] };
}

/** Loads the request a click names and guards it. */
export async function guardedRequest(deps: Pick<JourneyDeps, 'store' | 'now' | 'logger'>, actor: Actor, verb: CardVerb, requestId: string, stepToken: string): Promise<StoredRequest> {
  return (await guardClick(deps, actor, verb, await loadRequest(deps, requestId), stepToken)).request;
}

/** The same, with the request's challenges read in the same query (code answers and resends need both). */
export async function guardedRequestWithChallenges(deps: Pick<JourneyDeps, 'store' | 'now' | 'logger'>, actor: Actor, verb: CardVerb, requestId: string, stepToken: string): Promise<RequestSnapshot> {
  return guardClick(deps, actor, verb, await deps.store.getRequestWithChallenges(requestId), stepToken);
}

async function loadRequest(deps: Pick<JourneyDeps, 'store'>, requestId: string): Promise<{ request: StoredRequest } | null> {
  const request = await deps.store.getRequest(requestId);
  return request ? { request } : null;
}

/** A state check after the guard: the click is valid, but the request is not where this verb applies. */
export function assertState(row: StoredRequest, ...states: StoredRequest['state'][]): void {
  if (!states.includes(row.state)) throw stepOver();
}
