// What this replica last wrote for a request in its code step: the request
// row and its challenges. The next code answer that lands here is decided on
// it instead of on a fresh read, which saves a database round trip per answer.
// That is safe because the answer's only write is guarded by the request's
// version and the challenge's exact state: a snapshot that anything else made
// stale (another replica, a sweep, a result) only makes that write refuse, and
// the answer is then decided again on what the database holds.
import type { Challenge, ResetRequest as StoredRequest } from '../store';

export interface RequestSnapshot {
  request: StoredRequest;
  /** Oldest first, in the store's order (created, then id). */
  challenges: Challenge[];
}

const CAPACITY = 10_000;

export class RequestSnapshots {
  private readonly entries = new Map<string, RequestSnapshot>();

  constructor(private readonly capacity = CAPACITY) {}

  keep(request: StoredRequest, challenges: Challenge[]): void {
    this.entries.delete(request.id);
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(request.id, { request, challenges: [...challenges].sort(storeOrder) });
  }

  /** Removes it: a snapshot serves one click, and a second click in flight reads the database. */
  take(requestId: string): RequestSnapshot | undefined {
    const found = this.entries.get(requestId);
    this.entries.delete(requestId);
    return found;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The challenge list with `changed` in place of the challenge it updates. */
export function withChallenge(challenges: Challenge[], changed: Challenge): Challenge[] {
  return challenges.map((c) => (c.id === changed.id ? changed : c));
}

// The order of CHALLENGES_OF_REQUEST_JSON: created_at, then id (lower-case UUID text sorts as PostgreSQL sorts uuids).
function storeOrder(a: Challenge, b: Challenge): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
