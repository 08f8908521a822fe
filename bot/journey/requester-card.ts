// The card a request started from, updated in place when the request moves
// on without a click (a result, an approval, a deadline). Best effort: the
// request has already moved, so a card that cannot be reached is logged only.
import { isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import type { CardLocation } from './ports';
import { render, type View } from './views';

/** Updates the card the request started from, in place; a failure is logged, never thrown. */
export async function updateRequesterCard(deps: JourneyDeps, row: StoredRequest, who: { tenantId: string; aadObjectId: string } | null, next: View): Promise<void> {
  if (!row.cardActivityId) return;
  const owner = who ?? { tenantId: row.tenantId, aadObjectId: row.requestedBy ?? row.ownerAadId };
  const at: CardLocation = { ...owner, activityId: row.cardActivityId };
  try {
    await deps.messenger.updateCard(at, render(next));
  } catch (err) {
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'could not update the card in place');
  }
}
