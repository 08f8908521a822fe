// Chaining a batch of the audit inbox: its entries move to the log in their
// order, linked to the head, in one transaction of four round trips whatever
// the batch's size (the lock, taking the entries with the head, writing them
// with the head, the commit).
import { createAuditSealer, sealAuditBatch } from './audit-sealer';
import type { Engine, Queryable } from './engine';
import { openStore } from './open-store';
import { openPostgresEngine } from './postgres-engine';
import { createScratchDatabase } from './testing';

test('a batch takes the inbox in order, chains it to the head in two statements inside its transaction, and the chain verifies', async () => {
  const scratch = await createScratchDatabase();
  try {
    // Migrated, then closed: no sealer of a store's own takes the entries first.
    await (await openStore({ databaseUrl: scratch.databaseUrl })).close();
    const engine = await openPostgresEngine(scratch.databaseUrl);
    const statements: string[] = [];
    const counted = (q: Queryable): Queryable => ({ ...q, query: (sql: string, params?: unknown[]) => (statements.push(sql), q.query(sql, params)) }) as Queryable;
    const db: Engine = { ...engine, transactionWithLock: (key, fn) => engine.transactionWithLock(key, (tx) => fn(counted(tx))) };
    try {
      for (let i = 0; i < 7; i++) {
        await engine.query(`INSERT INTO audit_inbox (at, actor, action, request_id, details) VALUES ($1::timestamptz, '{"kind":"system"}'::jsonb, $2, NULL, $3::jsonb)`,
          [new Date(Date.UTC(2026, 11, 3, 8, 0, i)).toISOString(), `batch.${i}`, JSON.stringify({ i })]);
      }
      expect(await sealAuditBatch({ db, now: () => new Date() })).toBe(7);
      expect(statements).toHaveLength(2);
      statements.length = 0;
      expect(await sealAuditBatch({ db, now: () => new Date() })).toBe(0);
      expect(statements).toHaveLength(1);
    } finally {
      await engine.close();
    }
    const store = await openStore({ databaseUrl: scratch.databaseUrl });
    try {
      expect((await store.listAudit()).filter((e) => e.action.startsWith('batch.')).map((e) => e.action)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `batch.${i}`));
      expect(await store.verifyAuditChain()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  } finally {
    await scratch.drop();
  }
});

test('entries that trickle in one at a time are chained in batches at most one gather apart, not one batch each', async () => {
  const scratch = await createScratchDatabase();
  try {
    await (await openStore({ databaseUrl: scratch.databaseUrl })).close();
    const engine = await openPostgresEngine(scratch.databaseUrl);
    let batches = 0;
    const db: Engine = { ...engine, transactionWithLock: (key, fn) => (batches += 1, engine.transactionWithLock(key, fn)) };
    const sealer = createAuditSealer({ db, now: () => new Date() });
    try {
      const started = Date.now();
      // One step's entry every 20 ms for a second, each followed by its sealSoon, as the hot path does.
      for (let i = 0; i < 50; i++) {
        await engine.query(`INSERT INTO audit_inbox (at, actor, action, request_id, details) VALUES ($1::timestamptz, '{"kind":"system"}'::jsonb, $2, NULL, '{}'::jsonb)`,
          [new Date().toISOString(), `trickle.${i}`]);
        sealer.sealSoon();
        await new Promise((r) => setTimeout(r, 20));
      }
      const seconds = (Date.now() - started) / 1000;
      // The first batch, then one per 250 ms gather at most (one more for the timing's edges).
      expect(batches).toBeLessThanOrEqual(2 + Math.ceil(seconds * 4));
      await sealer.flush();
      expect(Number((await engine.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE action LIKE $1', ['trickle.%']))[0]!.n)).toBe(50);
    } finally {
      await sealer.stop();
      await engine.close();
    }
  } finally {
    await scratch.drop();
  }
});
