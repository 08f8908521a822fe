// Picking a request up again where it stands. A card carries its step's
// token; a driver who was not looking at that card when the step opened (the
// helpdesk member in the console, after the owner answered in Teams) gets
// the step anew with a fresh token, which retires the old card's. Only the
// request's driver, signed in, gets it, and only for a step that waits on
// them to choose; every other state is read, not resumed.
import { assertActsOn } from '../domain/reset-request';
import { issueStepToken } from '../domain/step-token';
import type { Actor, JourneyDeps } from './journey-deps';
import { toDomain } from './request-records';
import { chooseMethodView } from './verification-options';
import type { View } from './views';

export async function resumeStep(deps: JourneyDeps, actor: Actor, requestId: string): Promise<View | null> {
  const row = await deps.store.getRequest(requestId);
  if (!row || row.tenantId !== actor.tenantId) return null;
  assertActsOn(toDomain(row), actor.aadObjectId);
  if (row.step !== 'choose_method' || (row.state !== 'started' && row.state !== 'verifying')) return null;
  const stepToken = issueStepToken();
  const moved = await deps.store.transitionFrom(row, { stepToken, step: 'choose_method' }, {
    actor: { kind: row.requestedBy ? 'helpdesk' : 'user', id: actor.aadObjectId },
    action: 'request.step_resumed',
    requestId,
    details: { step: 'choose_method' },
  });
  return chooseMethodView(deps, moved, stepToken);
}
