// The end of a helpdesk request that worked: the temporary password goes to
// the person's verified phone or address (or waits for the helpdesk member's
// one-time look), the helpdesk member's card says what happened, and the
// person is told in Teams and by mail who acted, with the ticket.
import { randomUUID } from 'node:crypto';
import { maskEmail, maskPhone } from '../../cards';
import { isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { JourneyDeps } from './journey-deps';
import { newMenuToken } from './refusals';
import { updateRequesterCard } from './requester-card';
import { toDomain } from './request-records';
import { revealToken, sendTemporaryPassword, type DeliveryTarget } from './temporary-password-delivery';
import { render, view } from './views';

const fresh = () => ({ requestId: randomUUID(), stepToken: newMenuToken() });

function masked(target: DeliveryTarget): string {
  return target.kind === 'sms' ? `your phone ${maskPhone(target.phoneNumber)}` : `your address ${maskEmail(target.address)}`;
}

export async function finishForHelpdesk(deps: JourneyDeps, row: StoredRequest): Promise<void> {
  const request = toDomain(row);
  const helpdesk = { tenantId: row.tenantId, aadObjectId: request.requestedBy! };
  const ticket = request.ticket ?? 'none';
  const name = request.subject.displayName;
  let sentTo: DeliveryTarget | undefined;
  if (row.kind === 'unlock') {
    await updateRequesterCard(deps, row, helpdesk, view('helpdeskResult', { outcome: 'unlocked', displayName: name, ticket, searchAgain: fresh() }));
  } else if (deps.config.helpdeskDelivery === 'reveal-once') {
    await updateRequesterCard(deps, row, helpdesk, view('helpdeskResult', {
      outcome: 'reset_reveal', displayName: name, ticket, reveal: { requestId: row.id, stepToken: revealToken(deps.config.pepper, row.id) }, searchAgain: fresh(),
    }));
  } else {
    try {
      sentTo = await sendTemporaryPassword(deps, row);
    } catch (err) {
      deps.logger.error({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'the temporary password was set but could not be sent');
    }
    await updateRequesterCard(deps, row, helpdesk, sentTo
      ? view('helpdeskResult', { outcome: 'reset_sent', displayName: name, ticket, sentTo, searchAgain: fresh() })
      : view('failure', { reason: `The password of ${name} was reset, but the temporary password could not be sent to them.`, nextStep: 'Reset it again, or unlock the account instead.' }));
  }
  await tellOwner(deps, row, sentTo);
}

/** "<helpdesk member> reset your password (ticket …)": in Teams if the bot can reach them, and by mail. */
async function tellOwner(deps: JourneyDeps, row: StoredRequest, sentTo: DeliveryTarget | undefined): Promise<void> {
  const request = toDomain(row);
  const helpdeskName = await deps.people.getUser(request.requestedBy!).then((u) => u.displayName ?? u.userPrincipalName, () => 'the IT helpdesk');
  const operation = row.kind === 'unlock' ? 'unlock' : 'reset';
  const ticket = request.ticket ?? 'none';
  const card = render(view('helpdeskActed', { helpdeskName, operation, ticket, ...(sentTo ? { sentTo: masked(sentTo) } : {}) }));
  await deps.messenger.sendCardToPerson(row.tenantId, row.ownerAadId, card).catch((err: unknown) =>
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'could not tell the person in Teams'));
  if (!deps.config.mailFrom) return;
  try {
    const owner = await deps.people.getUser(row.ownerAadId);
    const what = operation === 'reset' ? 'reset your password' : 'unlocked your account';
    await deps.people.sendMail(deps.config.mailFrom, owner.mail ?? owner.userPrincipalName, `The IT helpdesk ${what}`, {
      contentType: 'text',
      content: `Hello ${request.subject.displayName},\n\n${helpdeskName} from the IT helpdesk ${what} (${request.subject.samAccountName}), ticket ${ticket}.`
        + (operation === 'reset' ? `\n\n${sentTo ? `A temporary password went to ${masked(sentTo)}. ` : ''}Choose a new password when you sign in.` : '')
        + '\n\nIf you did not call the helpdesk, tell IT security right away.',
    });
  } catch (err) {
    deps.logger.warn({ err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' }, requestId: row.id }, 'could not mail the person about the helpdesk reset');
  }
}
