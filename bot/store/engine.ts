// The small surface the store needs from a database, so the same SQL runs on
// embedded PGlite and on PostgreSQL behind pg.Pool.

export interface Queryable {
  /** One statement with $n parameters; returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** True where nothing else can run between this connection's statements (PGlite: one connection): locks are pointless there. */
  readonly exclusive?: boolean;
}

export interface Engine extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: commits on return, rolls back on throw. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction that holds a cluster-wide lock named by `key`
   * until commit, so two replicas never interleave (migrations, audit appends).
   */
  transactionWithLock<T>(key: number, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on `channel`; returns an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * The same database on connections kept for the writeback agents' calls, so
   * they never queue behind chat traffic; closed with this engine. Absent
   * where there is one connection (PGlite).
   */
  readonly writeback?: Engine;
}

// Advisory lock keys, one per serialized concern (scoped to the database).
export const LOCK_MIGRATIONS = 0x52_44_01;
export const LOCK_AUDIT_CHAIN = 0x52_44_02;
