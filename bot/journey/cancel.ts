// "Cancel" on any card that offers it: the request is closed, nothing is
// changed, and the usage already counted stays counted.
import { applyEvent, driverOf } from '../domain/reset-request';
import { guardedRequest } from './click-guard';
import type { Actor, JourneyDeps } from './journey-deps';
import { startAgain } from './refusals';
import { commitTransition, toDomain } from './request-records';
import { view, type View } from './views';

export async function cancelRequest(deps: JourneyDeps, actor: Actor, requestId: string, stepToken: string): Promise<View> {
  const row = await guardedRequest(deps, actor, 'request.cancel', requestId, stepToken);
  const request = toDomain(row);
  await commitTransition(deps.store, row, applyEvent(request, { type: 'cancelled', by: driverOf(request) }, deps.now()));
  return view('cancelled', { startAgain: startAgain() });
}
