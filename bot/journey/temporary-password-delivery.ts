// A helpdesk reset sets a temporary password nobody chose: generated here,
// sealed to the agents for the write (with "change at next logon") and to
// the service itself for the delivery, never stored or shown in clear. Once
// the agent reports success it goes to the person's verified phone or
// address, or (a setting) is shown once to the helpdesk member in a Teams
// dialog; either way its sealed copy is wiped the moment it went out.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { effectiveMinLength } from '../domain/password-policy';
import { generateTemporaryPassword } from '../domain/temporary-password';
import { smsNumberOf } from '../domain/verification/sms-method';
import { ResetDeskError, isResetDeskError } from '../errors';
import type { ResetRequest as StoredRequest } from '../store';
import type { Actor, JourneyDeps } from './journey-deps';
import { queueJob } from './queue-job';
import { toDomain } from './request-records';
import { inspectOrNull } from './verification-options';
import { view, type View } from './views';

/** Where the temporary password goes, with its real address (used once, never stored). */
export type DeliveryTarget = { kind: 'sms'; phoneNumber: string } | { kind: 'email'; address: string };

/**
 * The person's verified way: the one whose code the caller read back, else
 * their registered mobile, else their alternate e-mail; undefined when they
 * have none (the helpdesk is told before anything is reset).
 */
export async function deliveryTargetOf(deps: JourneyDeps, row: Pick<StoredRequest, 'id' | 'ownerAadId'>): Promise<DeliveryTarget | undefined> {
  const [methods, challenges] = await Promise.all([deps.people.getAuthenticationMethods(row.ownerAadId), deps.store.listChallenges(row.id)]);
  const mobile = smsNumberOf((methods.phones.find((p) => p.type === 'mobile' && p.e164) ?? methods.phones.find((p) => p.e164))?.e164 ?? undefined);
  const email = methods.emails[0];
  const verified = challenges.filter((c) => c.status === 'passed').map((c) => c.method);
  if (verified.includes('sms') && mobile && deps.sms) return { kind: 'sms', phoneNumber: mobile };
  if (verified.includes('email') && email && deps.config.mailFrom) return { kind: 'email', address: email };
  if (mobile && deps.sms) return { kind: 'sms', phoneNumber: mobile };
  if (email && deps.config.mailFrom) return { kind: 'email', address: email };
  return undefined;
}

/** Generates the password, seals it twice (agents, service) and queues the reset with "change at next logon". */
export async function setTemporaryPassword(deps: JourneyDeps, row: StoredRequest): Promise<View> {
  const request = toDomain(row);
  const report = await inspectOrNull(deps, { sid: request.subject.onPremisesSid });
  const ad = report?.policy;
  const temporary = generateTemporaryPassword(effectiveMinLength(deps.config.passwordPolicy, ad ? { minLength: ad.minLength, complexity: ad.complexity, historyLength: ad.historyLength } : undefined));
  const sealed = await deps.deliverySeal.seal(temporary);
  return queueJob(deps, row, 'reset', { password: temporary }, {
    jobOptions: { mustChangeAtNextLogon: true },
    patch: { sealedDelivery: sealed },
  });
}

/** The token on the helpdesk member's "show it once" button: derived from the request, so only that card opens it. */
export function revealToken(pepper: Buffer, requestId: string): string {
  return createHmac('sha256', pepper).update(`reveal-once:${requestId}`).digest('base64url');
}

function tokenMatches(pepper: Buffer, requestId: string, token: string): boolean {
  const expected = Buffer.from(revealToken(pepper, requestId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Takes the sealed copy off the request (guarded by its version, audited) and opens it; a second taker finds nothing. */
async function takeSealed(deps: JourneyDeps, row: StoredRequest, action: string, details: Record<string, string>): Promise<string | undefined> {
  if (!row.sealedDelivery) return undefined;
  try {
    await deps.store.transitionFrom(row, { sealedDelivery: null }, { actor: { kind: 'system', id: 'helpdesk-delivery' }, action, requestId: row.id, details });
  } catch (err) {
    if (isResetDeskError(err, 'STORE_VERSION_CONFLICT')) return undefined;
    throw err;
  }
  return deps.deliverySeal.open(row.sealedDelivery);
}

/** After the agent set it: sends it to the person's verified phone or address, once. */
export async function sendTemporaryPassword(deps: JourneyDeps, row: StoredRequest): Promise<DeliveryTarget | undefined> {
  const target = await deliveryTargetOf(deps, row);
  if (!target) return undefined;
  const account = row.subject?.samAccountName ?? 'your account';
  const temporary = await takeSealed(deps, row, 'helpdesk.temporary_password_sent', { channel: target.kind });
  if (temporary === undefined) return undefined;
  const text = `Your temporary password for ${account} is ${temporary} . You must choose a new one when you sign in. If you did not just call the IT helpdesk, call IT security now.`;
  if (target.kind === 'sms') await deps.sms!.send(target.phoneNumber, text);
  else await deps.people.sendMail(deps.config.mailFrom!, target.address, 'Your temporary password', { contentType: 'text', content: text });
  return target;
}

/** The helpdesk member's one-time look at the temporary password; refused for anyone else, and after the first time. */
export async function revealTemporaryPassword(deps: JourneyDeps, actor: Actor, requestId: string, token: string): Promise<View | { privateNotice: string }> {
  const row = await deps.store.getRequest(requestId);
  if (!row || row.tenantId !== actor.tenantId || !tokenMatches(deps.config.pepper, requestId, token)) return { privateNotice: 'This button is not yours, so nothing is shown.' };
  if (row.requestedBy !== actor.aadObjectId) return { privateNotice: 'Only the helpdesk member who did this reset can see its temporary password.' };
  if (!deps.config.helpdeskGroupId || !(await deps.people.isMemberOfGroup(actor.aadObjectId, deps.config.helpdeskGroupId))) {
    return { privateNotice: 'Only members of the helpdesk group can do this.' };
  }
  if (row.state !== 'succeeded') throw new ResetDeskError('STEP_OVER', 'This step is over.');
  const temporary = await takeSealed(deps, row, 'helpdesk.temporary_password_revealed', { to: actor.aadObjectId });
  if (temporary === undefined) return { privateNotice: 'The temporary password was shown once already and cannot be shown again. Reset it again if the caller did not get it.' };
  return view('temporaryPassword', { displayName: row.subject?.displayName ?? 'the caller', temporaryPassword: temporary });
}
