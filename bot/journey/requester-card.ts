// The card a request started from, updated in place when the request moves
// on without a click (a result, an approval, a deadline). The request has
// already moved, so a card that cannot be updated must not leave the person
// reading "Working on it…" for good: the update is tried again, and then the
// new card is sent as a message of its own. What happened is returned, and a
// card that reached nobody is logged as an error and counted.
import { isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import type { CardLocation } from './ports';
import { render, type View } from './views';

export type CardDelivery = 'updated' | 'sent_as_new_message' | 'undelivered' | 'no_card';

/** Pauses between tries of an in-place update: a connector's passing hiccup, not an outage. */
export const CARD_UPDATE_RETRY_DELAYS_MS = [250, 1_000];

function codeOf(err: unknown): string {
  return isResetDeskError(err) ? err.code : 'UNKNOWN';
}

export async function updateRequesterCard(deps: JourneyDeps, row: StoredRequest, who: { tenantId: string; aadObjectId: string } | null, next: View): Promise<CardDelivery> {
  if (!row.cardActivityId) return 'no_card';
  const owner = who ?? { tenantId: row.tenantId, aadObjectId: row.requestedBy ?? row.ownerAadId };
  const at: CardLocation = { ...owner, activityId: row.cardActivityId };
  const card = render(next);
  let lastError: unknown;
  for (let attempt = 0; attempt <= CARD_UPDATE_RETRY_DELAYS_MS.length; attempt++) {
    try {
      await deps.messenger.updateCard(at, card);
      return 'updated';
    } catch (err) {
      lastError = err;
      // Nobody to reach: trying again will not help, nor will a new message.
      if (isResetDeskError(err, 'TEAMS_NO_CONVERSATION')) break;
      const pause = CARD_UPDATE_RETRY_DELAYS_MS[attempt];
      if (pause !== undefined) await new Promise((r) => setTimeout(r, pause));
    }
  }
  deps.logger.warn({ err: { code: codeOf(lastError) }, requestId: row.id }, 'could not update the card in place; sending it as a new message');
  try {
    const sent = await deps.messenger.sendCardToPerson(owner.tenantId, owner.aadObjectId, card);
    if (sent) return 'sent_as_new_message';
  } catch (err) {
    lastError = err;
  }
  deps.metrics.undeliveredCards.inc({ kind: 'requester_card' });
  deps.logger.error({ err: { code: codeOf(lastError) }, requestId: row.id }, 'the person could not be told in Teams: the card update and a new message both failed');
  return 'undelivered';
}
