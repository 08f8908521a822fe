// A replica's memory of the conversation references it has seen in its own
// turns or read from the store. Every card update needs the person's
// reference; reading it from the store each time was one statement per
// reset. The store stays the truth: an entry is trusted only for a few
// minutes, and a send that fails forgets it, so the next try reads again.
import type { JsonValue } from '../store';

export type Reference = Record<string, JsonValue>;

interface Entry {
  reference: Reference;
  /** What the store last got from this replica, or undefined if this replica only read it. */
  savedFingerprint: string | undefined;
  seenAt: number;
}

export interface KnownReferences {
  /** A reference seen or read within the trust window, or undefined. */
  recall(tenantId: string, aadObjectId: string): Reference | undefined;
  /** True when this replica already saved a reference with this fingerprint (no write needed). */
  alreadySaved(tenantId: string, aadObjectId: string, fingerprint: string): boolean;
  /** A reference from this replica's own turn, now in the store (saved by this turn or an earlier one) under `fingerprint`. */
  seen(tenantId: string, aadObjectId: string, reference: Reference, fingerprint: string): void;
  /** A reference read from the store, which may be another replica's: this replica's next turn with the person saves again. */
  read(tenantId: string, aadObjectId: string, reference: Reference): void;
  /** A send through the reference failed: it may be stale. */
  forget(tenantId: string, aadObjectId: string): void;
}

export interface KnownReferencesOptions {
  /** How long an entry is used before the store is asked again. */
  trustMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export const REFERENCE_TRUST_MS = 5 * 60_000;

export function createKnownReferences(options: KnownReferencesOptions = {}): KnownReferences {
  const trustMs = options.trustMs ?? REFERENCE_TRUST_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const keyOf = (tenantId: string, aadObjectId: string) => `${tenantId}/${aadObjectId}`;

  function put(key: string, entry: Entry): void {
    // Re-inserted so the Map's order is oldest first; the oldest goes when full.
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, entry);
  }

  return {
    recall(tenantId, aadObjectId) {
      const entry = entries.get(keyOf(tenantId, aadObjectId));
      if (!entry || now() - entry.seenAt > trustMs) return undefined;
      return entry.reference;
    },
    alreadySaved(tenantId, aadObjectId, fingerprint) {
      return entries.get(keyOf(tenantId, aadObjectId))?.savedFingerprint === fingerprint;
    },
    seen(tenantId, aadObjectId, reference, fingerprint) {
      put(keyOf(tenantId, aadObjectId), { reference, savedFingerprint: fingerprint, seenAt: now() });
    },
    read(tenantId, aadObjectId, reference) {
      put(keyOf(tenantId, aadObjectId), { reference, savedFingerprint: undefined, seenAt: now() });
    },
    forget(tenantId, aadObjectId) {
      const key = keyOf(tenantId, aadObjectId);
      const entry = entries.get(key);
      // The save record stays: the store still holds what this replica wrote.
      if (entry) put(key, { ...entry, seenAt: -Infinity });
    },
  };
}
