// A fortnight of a small company's ResetDesk, written straight into the
// store (as the bot's use cases would leave it), so the console's views have
// something true to show: requests that succeeded, failed or wait for an
// approver, agents at work or waiting for confirmation, and their audit.
import { randomBytes, randomUUID } from 'node:crypto';
import type { NewAgent, RequestState, RequestSubject, ResetRequest, Store, VerificationMethod } from '../../bot/store';
import { fakeUser, type FakeGraphUser } from '../support/fake-graph';

export interface SeedClock {
  /** Moves the service's clock (and so the store's) by `ms` from real time; 0 puts it back. */
  shift(ms: number): void;
}

const DAY = 86_400_000;

export const SEED_PEOPLE = {
  alice: { displayName: 'Alice Andersen', sam: 'alice' },
  lars: { displayName: 'Lars Lund', sam: 'lars' },
  pat: { displayName: 'Pat Pedersen', sam: 'pat' },
  diego: { displayName: 'Diego Dahl', sam: 'diego' },
  mark: { displayName: 'Mark Madsen', sam: 'mark' },
  priya: { displayName: 'Priya Patel', sam: 'priya' },
  omar: { displayName: 'Omar Olsen', sam: 'omar' },
} as const;
export type SeedPerson = keyof typeof SEED_PEOPLE;

export function subjectOf(key: SeedPerson): RequestSubject {
  const p = SEED_PEOPLE[key];
  const rid = 1100 + Object.keys(SEED_PEOPLE).indexOf(key);
  return { onPremisesSid: `S-1-5-21-3623811015-3361044348-30300820-${rid}`, samAccountName: p.sam, upn: `${p.sam}@contoso.test`, displayName: p.displayName, domain: 'CONTOSO' };
}

/** A stable Entra object id per sample person. */
export function aadIdOf(key: SeedPerson): string {
  return `5eed0000-0000-4000-8000-${(Object.keys(SEED_PEOPLE).indexOf(key) + 1).toString(16).padStart(12, '0')}`;
}

/** The sample people as Entra ID knows them (so the console can show their names). */
export function seedGraphUsers(): FakeGraphUser[] {
  return (Object.keys(SEED_PEOPLE) as SeedPerson[]).map((key) => {
    const s = subjectOf(key);
    return fakeUser({ id: aadIdOf(key), displayName: s.displayName, userPrincipalName: s.upn, mail: s.upn, onPremisesSamAccountName: s.samAccountName, onPremisesSecurityIdentifier: s.onPremisesSid });
  });
}

const RESULT_OF: Partial<Record<RequestState, { code: string; message: string; action: string }>> = {
  succeeded: { code: 'OK', message: 'Done.', action: 'request.succeeded' },
  failed: { code: 'AGENT_POLICY_VIOLATION', message: 'The new password does not meet the account\'s policy.', action: 'request.failed' },
  expired: { code: 'JOB_EXPIRED', message: 'No agent took the job in time.', action: 'job.expired' },
  denied: { code: 'APPROVAL_DENIED', message: 'An approver denied it.', action: 'approval.denied' },
  closed: { code: 'REQUEST_TIMED_OUT', message: 'Nobody finished it in time.', action: 'request.timed_out' },
};

export interface SeededRequest {
  request: ResetRequest;
}

/** A request as the journey leaves it: created by the person (or the helpdesk), verified, then ended in `state`. */
export async function seedRequest(
  store: Store,
  tenantId: string,
  o: { who: SeedPerson; kind: ResetRequest['kind']; state: RequestState; code?: string; by?: string; methods?: VerificationMethod[] },
): Promise<ResetRequest> {
  const owner = aadIdOf(o.who);
  const methods = o.methods ?? ['email'];
  const created = await store.createRequest(
    { tenantId, ownerAadId: owner, requestedBy: o.by ?? null, kind: o.kind, state: 'verifying', methodsRequired: methods.length, subject: subjectOf(o.who), expiresAt: new Date(Date.now() + DAY) },
    { actor: { kind: o.by ? 'helpdesk' : 'user', id: o.by ?? owner }, action: 'request.created', details: { kind: o.kind } },
  );
  const verified = await store.transitionFrom(created, { state: 'verified', methodsPassed: methods }, { actor: { kind: 'user', id: owner }, action: 'verification.passed', details: { method: methods[0]! } });
  const result = RESULT_OF[o.state];
  if (!result) return verified;
  return store.transitionFrom(
    verified,
    { state: o.state, resultCode: o.code ?? result.code, resultMessage: result.message },
    { actor: o.state === 'succeeded' || o.state === 'failed' ? { kind: 'agent', id: 'dc1-agent' } : { kind: 'system' }, action: result.action, details: { resultCode: o.code ?? result.code } },
  );
}

/** A privileged request waiting for an approver, with the checks it passed. */
export async function seedAwaitingApproval(
  store: Store,
  tenantId: string,
  o: { who: SeedPerson; kind: 'reset' | 'unlock'; because: string[]; by?: string; minutesLeft?: number },
): Promise<ResetRequest> {
  const owner = aadIdOf(o.who);
  const request = await store.createRequest(
    {
      tenantId, ownerAadId: owner, requestedBy: o.by ?? null, kind: o.kind, state: 'verifying', privileged: true, privilegedBecause: o.because,
      methodsRequired: 2, subject: subjectOf(o.who), expiresAt: new Date(Date.now() + DAY),
    },
    { actor: { kind: o.by ? 'helpdesk' : 'user', id: o.by ?? owner }, action: 'request.created', details: { kind: o.kind } },
  );
  const sam = SEED_PEOPLE[o.who].sam;
  for (const [method, masked] of [['email', `${sam[0]}•••@home.example`], ['sms', '+1 •••• ••01 03']] as const) {
    const challenge = await store.createChallenge({ requestId: request.id, method, maskedTarget: masked, codeHash: randomBytes(32).toString('hex'), codeSalt: randomBytes(16).toString('hex'), maxAttempts: 5, expiresAt: new Date(Date.now() + 600_000) });
    await store.setChallengeStatus(challenge.id, 'passed');
  }
  return store.transitionFrom(
    request,
    { state: 'awaiting_approval', methodsPassed: ['email', 'sms'], stepToken: `seed-${randomUUID()}`, step: 'await_approval', expiresAt: new Date(Date.now() + (o.minutesLeft ?? 25) * 60_000) },
    { actor: { kind: 'user', id: owner }, action: 'approval.requested' },
  );
}

function agentInput(name: string, ous: string[], version: string): NewAgent {
  return {
    name,
    signingJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') },
    encryptionJwk: { kty: 'EC', crv: 'P-256', x: randomBytes(32).toString('base64url'), y: randomBytes(32).toString('base64url') },
    managedOus: ous,
    version,
  };
}

/** A confirmed agent at work (jobs done in the last hour, one failure) and a new one waiting for an admin. */
export async function seedAgents(store: Store, adminId: string): Promise<{ working: string; waiting: string }> {
  // Jobs nobody will take must not be leased by the working agent.
  const working = await store.registerAgent(agentInput('dc1-agent', ['OU=Staff,DC=contoso,DC=test', 'OU=Admins,DC=contoso,DC=test'], '1.4.2'), { actor: { kind: 'agent' }, action: 'agent.enrolled' });
  await store.confirmAgent(working.id, adminId, { actor: { kind: 'admin', id: adminId }, action: 'agent.confirmed' });
  await store.touchAgent(working.id, '1.4.2');
  for (const outcome of ['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded'] as const) {
    const job = await store.enqueueJob({ kind: 'unlock', signedJob: `eyJ.${randomBytes(12).toString('base64url')}.sig`, expiresAt: new Date(Date.now() + 600_000) });
    const leased = await store.leaseJob(working.id, 60_000);
    if (!leased || leased.id !== job.id) throw new Error('the seed agent leased another job than the one just queued');
    await store.completeJob(job.id, working.id, outcome === 'succeeded' ? { outcome, result: { code: 'OK', message: 'Done.' } } : { outcome, result: { code: 'AGENT_DIRECTORY_UNAVAILABLE', message: 'No domain controller answered.' } });
  }
  const waiting = await store.registerAgent(agentInput('dc2-agent', ['OU=Staff,DC=contoso,DC=test'], '1.4.2'), { actor: { kind: 'agent' }, action: 'agent.enrolled' });
  await store.touchAgent(waiting.id, '1.4.2');
  return { working: working.id, waiting: waiting.id };
}

/** Two weeks of requests, ending today, plus two waiting for an approver. */
export interface Fortnight {
  pending: ResetRequest[];
  /** What was seeded for today: resets, people unlocked, requests that did not succeed. */
  today: { resets: number; peopleUnlocked: number; unsuccessful: number };
  /** Requests that did not succeed over the fortnight, by reason. */
  unsuccessfulByReason: Record<string, number>;
}

export async function seedFortnight(store: Store, tenantId: string, clock: SeedClock, helpdeskId: string): Promise<Fortnight> {
  const people: SeedPerson[] = ['alice', 'lars', 'pat', 'mark', 'omar'];
  // A steady pattern, busier early in the week, with a few failures of different kinds.
  const plan: Array<{ daysAgo: number; resets: number; unlocks: number; failures: RequestState[] }> = [];
  for (let d = 13; d >= 0; d--) {
    const weekday = new Date(Date.now() - d * DAY).getUTCDay();
    const quiet = weekday === 0 || weekday === 6;
    plan.push({
      daysAgo: d,
      resets: quiet ? d % 2 : 2 + ((d * 7) % 5),
      unlocks: quiet ? 0 : 1 + ((d * 3) % 3),
      failures: quiet ? [] : (['failed', 'closed', 'expired', 'denied'] as RequestState[]).filter((_, i) => (d + i) % 4 === 0),
    });
  }
  try {
    for (const day of plan) {
      clock.shift(-day.daysAgo * DAY);
      let n = day.daysAgo;
      for (let i = 0; i < day.resets; i++) await seedRequest(store, tenantId, { who: people[n++ % people.length]!, kind: 'reset', state: 'succeeded' });
      for (let i = 0; i < day.unlocks; i++) await seedRequest(store, tenantId, { who: people[n++ % people.length]!, kind: 'unlock', state: 'succeeded', ...(i === 0 ? { by: helpdeskId } : {}) });
      for (const state of day.failures) await seedRequest(store, tenantId, { who: people[n++ % people.length]!, kind: state === 'denied' ? 'reset' : 'unlock', state });
    }
  } finally {
    clock.shift(0);
  }
  await seedRequest(store, tenantId, { who: 'lars', kind: 'unlock', state: 'verified' });
  const unsuccessfulByReason: Record<string, number> = {};
  for (const day of plan) for (const state of day.failures) unsuccessfulByReason[RESULT_OF[state]!.code] = (unsuccessfulByReason[RESULT_OF[state]!.code] ?? 0) + 1;
  const today = plan[plan.length - 1]!;
  const pending = [
    await seedAwaitingApproval(store, tenantId, { who: 'diego', kind: 'reset', because: ['Member of Domain Admins'], minutesLeft: 24 }),
    await seedAwaitingApproval(store, tenantId, { who: 'priya', kind: 'unlock', because: ['Member of Enterprise Admins through Tier0 Operators'], by: helpdeskId, minutesLeft: 9 }),
  ];
  return { pending, today: { resets: today.resets, peopleUnlocked: today.unlocks, unsuccessful: today.failures.length }, unsuccessfulByReason };
}
