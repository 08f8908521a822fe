import type { Challenge, ResetRequest } from '../store';
import { RequestSnapshots, withChallenge } from './request-snapshots';

const T0 = new Date('2026-11-27T08:00:00.000Z');

function request(id: string): ResetRequest {
  return {
    id, tenantId: 't', ownerAadId: 'o', requestedBy: null, kind: 'reset', state: 'verifying', privileged: false, privilegedBecause: [], approvalsRequired: 0, approvedBy: [], approvalPost: null, ticket: null, sealedDelivery: null, methodsRequired: 1, methodsPassed: [],
    subject: null, stepTokenHash: 'h', step: 'enter_code', conversationId: null, cardActivityId: null, resultCode: null, resultMessage: null, version: 1,
    createdAt: T0, updatedAt: T0, expiresAt: T0,
  } as ResetRequest;
}

function challenge(id: string, createdAt: Date, attempts = 0): Challenge {
  return {
    id, requestId: 'r', method: 'email', maskedTarget: 'a•••@contoso.com', codeHash: 'c'.repeat(64), codeSalt: 's'.repeat(16), attempts, maxAttempts: 5,
    expiresAt: T0, lastSentAt: createdAt, sendCount: 1, status: 'pending', targetRef: null, digits: 6, createdAt, updatedAt: createdAt,
  };
}

describe('request snapshots', () => {
  it('serve one click: taking a snapshot removes it', () => {
    const snapshots = new RequestSnapshots();
    snapshots.keep(request('r1'), []);
    expect(snapshots.take('r1')?.request.id).toBe('r1');
    expect(snapshots.take('r1')).toBeUndefined();
  });

  it('keep the challenges in the order the store reads them: created, then id', () => {
    const snapshots = new RequestSnapshots();
    const later = challenge('0000000a-0000-4000-8000-000000000000', new Date(T0.getTime() + 1000));
    const sameTimeHigherId = challenge('ffffffff-0000-4000-8000-000000000000', T0);
    const sameTimeLowerId = challenge('00000001-0000-4000-8000-000000000000', T0);
    snapshots.keep(request('r1'), [later, sameTimeHigherId, sameTimeLowerId]);
    expect(snapshots.take('r1')?.challenges.map((c) => c.id)).toEqual([sameTimeLowerId.id, sameTimeHigherId.id, later.id]);
  });

  it('hold at most their capacity, dropping the oldest first', () => {
    const snapshots = new RequestSnapshots(2);
    snapshots.keep(request('r1'), []);
    snapshots.keep(request('r2'), []);
    snapshots.keep(request('r1'), []); // kept again: now the newest
    snapshots.keep(request('r3'), []);
    expect(snapshots.size).toBe(2);
    expect(snapshots.take('r2')).toBeUndefined();
    expect(snapshots.take('r1')).toBeDefined();
    expect(snapshots.take('r3')).toBeDefined();
  });

  it('withChallenge replaces only the challenge with the same id', () => {
    const a = challenge('00000001-0000-4000-8000-000000000000', T0);
    const b = challenge('00000002-0000-4000-8000-000000000000', T0);
    expect(withChallenge([a, b], { ...b, attempts: 3 })).toEqual([a, { ...b, attempts: 3 }]);
  });
});
