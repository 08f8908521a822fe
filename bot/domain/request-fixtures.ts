// Sample requests for the domain's specs, in any state, so each spec states
// only what matters to it.
import { ResetDeskError } from '../errors';
import type { RequestState, ResetRequest } from './reset-request';

export const T0 = new Date('2026-03-02T08:00:00.000Z');

export function at(minutes: number, from: Date = T0): Date {
  return new Date(from.getTime() + minutes * 60_000);
}

export const ALICE = 'aad-alice-0001';
export const HELPDESK_HANK = 'aad-hank-0002';
export const APPROVER_ANN = 'aad-ann-0003';
export const MANAGER_MIKE = 'aad-mike-0004';
export const TENANT = 'tenant-contoso';

export function sampleRequest(overrides: Partial<ResetRequest> = {}): ResetRequest {
  return {
    id: 'req-1',
    tenantId: TENANT,
    ownerAadId: ALICE,
    kind: 'reset',
    state: 'started',
    privileged: false,
    privilegedBecause: [],
    methodsRequired: 1,
    methodsPassed: [],
    approvalsRequired: 0,
    approvedBy: [],
    subject: {
      onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
      samAccountName: 'alice',
      upn: 'alice.jones@contoso.com',
      displayName: 'Alice Jones',
      domain: 'CONTOSO',
    },
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    expiresAt: at(60),
    ...overrides,
  };
}

export function requestIn(state: RequestState, overrides: Partial<ResetRequest> = {}): ResetRequest {
  return sampleRequest({ state, ...overrides });
}

/** The typed error a call refuses with; fails the test if it does not refuse. */
export function refusalOf(fn: () => unknown): ResetDeskError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ResetDeskError) return err;
    throw err;
  }
  throw new Error('expected a ResetDeskError, but the call succeeded');
}

export async function asyncRefusalOf(promise: Promise<unknown>): Promise<ResetDeskError> {
  const outcome = await promise.then(() => undefined, (err: unknown) => err);
  if (outcome instanceof ResetDeskError) return outcome;
  throw outcome ?? new Error('expected a ResetDeskError, but the call succeeded');
}
