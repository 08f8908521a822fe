// The hot path's audit entries are written to `audit_inbox` in the step's own
// statement, so a step never waits on the chain's one head row; this chains
// them into `audit_log` in batches right after. A batch runs under the chain
// lock (replicas take turns) and moves entries from the inbox to the log in
// one transaction, so an entry is always in exactly one of the two tables.
// Sealing order is the chain order; each entry keeps the time it happened.
import type { Logger } from '../log';
import { computeAuditHash } from './audit-chain';
import type { StoreContext } from './context';
import { LOCK_AUDIT_CHAIN } from './engine';
import { iso, jsonParam, toAuditEntry } from './rows';

const BATCH = 200;
const BACKSTOP_MS = 1000;
// After a batch, the next waits this long, so entries arriving meanwhile are
// chained together: a batch is four round trips whatever its size, and at a
// few hundred steps a second chaining every step's entry at once would cost
// the service more than the steps themselves. Under a steady load each
// replica chains once per gather: at 50 ms, chaining was ten of the 25
// statements per reset in the Monday-morning wave; at 250 ms it is three of
// 18 (bench/README.md).
// Waiting costs nothing but time in the inbox: an entry is durable there from
// its step's own statement, and reading the log chains what is waiting first.
const GATHER_MS = 250;

/** One batch; returns how many entries it chained. */
export async function sealAuditBatch(ctx: StoreContext): Promise<number> {
  // Four round trips whatever the batch's size: the lock, taking the entries
  // with the head, writing them with the head, and the commit.
  return ctx.db.transactionWithLock(LOCK_AUDIT_CHAIN, async (tx) => {
    const pending = await tx.query(
      `WITH head AS (SELECT seq AS head_seq, hash AS head_hash FROM audit_head WHERE id = 1 FOR UPDATE),
       taken AS (DELETE FROM audit_inbox WHERE id IN (SELECT id FROM audit_inbox ORDER BY id LIMIT ${BATCH}) RETURNING id, at, actor, action, request_id, details)
       SELECT taken.*, head.* FROM head LEFT JOIN taken ON true`,
    );
    const head = pending[0];
    if (!head) throw new Error('the audit head row is missing');
    if (head.id == null) return 0;
    pending.sort((a, b) => Number(a.id) - Number(b.id));
    let seq = Number(head.head_seq);
    let prev = String(head.head_hash);
    const params: unknown[] = [];
    const values: string[] = [];
    for (const row of pending) {
      seq += 1;
      // Hashed from the values as stored, exactly as verification will read them back.
      const entry = toAuditEntry({ ...row, seq, prev_hash: prev, hash: '' });
      const hash = computeAuditHash(prev, entry);
      const n = params.length;
      params.push(seq, iso(entry.at), jsonParam(entry.actor), entry.action, entry.requestId, jsonParam(entry.details), prev, hash);
      values.push(`($${n + 1}, $${n + 2}::timestamptz, $${n + 3}::jsonb, $${n + 4}, $${n + 5}::uuid, $${n + 6}::jsonb, $${n + 7}, $${n + 8})`);
      prev = hash;
    }
    const last = params.slice(-8);
    const n = params.length;
    await tx.query(
      `WITH logged AS (INSERT INTO audit_log (seq, at, actor, action, request_id, details, prev_hash, hash) VALUES ${values.join(', ')} RETURNING seq)
       UPDATE audit_head SET seq = $${n + 1}, prev_hash = $${n + 2}, hash = $${n + 3} WHERE id = 1 AND (SELECT count(*) FROM logged) = ${pending.length}`,
      [...params, last[0], last[6], last[7]],
    );
    return pending.length;
  });
}

export interface AuditSealer {
  /** Chains what is waiting, soon, without making the caller wait. */
  sealSoon(): void;
  /** Resolves once every entry committed before the call is chained. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createAuditSealer(ctx: StoreContext, logger?: Logger, gatherMs = GATHER_MS): AuditSealer {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  // When the last batch ended: the next one waits out the gather from there,
  // even when nothing arrived while that batch ran (entries trickling in one
  // at a time would otherwise each start a batch of their own).
  let lastBatchEnded = Number.NEGATIVE_INFINITY;

  const runOnce = async (): Promise<void> => {
    try {
      while ((await sealAuditBatch(ctx)) === BATCH) { /* a full batch: more may wait */ }
    } finally {
      lastBatchEnded = Date.now();
    }
  };
  const loop = async (): Promise<void> => {
    const sinceLast = Date.now() - lastBatchEnded;
    if (sinceLast < gatherMs) await gather(gatherMs - sinceLast);
    if (stopped) return;
    do {
      again = false;
      try {
        await runOnce();
      } catch (err) {
        // Entries stay in the inbox and the backstop tries again; nothing is lost.
        logger?.warn({ err: { name: (err as Error)?.name, code: (err as { code?: string }).code } }, 'store: chaining audit entries failed; will retry');
        return;
      }
      if (again && !stopped) await gather(gatherMs);
    } while (again && !stopped);
  };
  let wake: (() => void) | null = null;
  const gather = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  const sealer: AuditSealer = {
    sealSoon() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
      });
    },
    async flush() {
      wake?.();
      while (running) await running;
      await runOnce();
    },
    async stop() {
      stopped = true;
      clearInterval(backstop);
      wake?.();
      while (running) await running;
    },
  };
  // Entries left by a replica that stopped between its step and the batch.
  const backstop = setInterval(() => sealer.sealSoon(), BACKSTOP_MS);
  backstop.unref();
  sealer.sealSoon();
  return sealer;
}
