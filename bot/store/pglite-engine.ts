import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { PGlite as PGliteClass } from '@electric-sql/pglite';
import type { Engine, Queryable } from './engine';
import { PgliteStatements } from './pglite-statements';

type PgliteNamespace = typeof import('@electric-sql/pglite');
type PgliteModule = Partial<PgliteNamespace> & { default?: Partial<PgliteNamespace> };

// PGlite's emscripten start-up calls dynamic import(). In plain Node a normal
// require serves it. Sandboxes that run code in their own VM context (jest
// without --experimental-vm-modules) have no loader for that import, so there
// PGlite is loaded with Node's default loader in the main context instead.
// Values PGlite returns may then come from another realm, which is why
// rows.ts never relies on `instanceof Date`.
async function loadPglite(): Promise<Pick<PgliteNamespace, 'PGlite' | 'Mutex' | 'parse' | 'protocol'>> {
  const inMainContext = vm.runInThisContext('globalThis') === globalThis;
  let ns: PgliteModule;
  if (inMainContext) {
    ns = require('@electric-sql/pglite') as PgliteModule;
  } else {
    const importWithNodeLoader = vm.runInThisContext('(url) => import(url)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (url: string) => Promise<PgliteModule>;
    ns = await importWithNodeLoader(pathToFileURL(require.resolve('@electric-sql/pglite')).href);
  }
  const mod = ns.PGlite ? ns : ns.default;
  if (!mod?.PGlite || !mod.Mutex || !mod.parse || !mod.protocol) throw new Error('@electric-sql/pglite did not export PGlite, Mutex, parse and protocol');
  return { PGlite: mod.PGlite, Mutex: mod.Mutex, parse: mod.parse, protocol: mod.protocol };
}

export async function openPgliteEngine(dataDir?: string): Promise<Engine> {
  // No dataDir means an in-memory database (tests); otherwise a folder on disk.
  const { PGlite, Mutex, parse, protocol } = await loadPglite();
  const db: PGliteClass = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const statements = new PgliteStatements(db, { parse, protocol });
  // PGlite is one connection. The store's statements and transactions take
  // turns through this gate, so a statement never lands inside another
  // caller's transaction; LISTEN goes through it too for the same reason.
  const gate = new Mutex();
  let inTransaction = false;

  const run = <T>(sql: string, params: unknown[]) => db.runExclusive(() => statements.run<T>(sql, params, !inTransaction));
  const execute = (sql: string) => db.runExclusive(async () => {
    await db.execProtocol(protocol.serialize.query(sql), { syncToFs: !inTransaction });
  });

  // One connection: a transaction here is already exclusive, so the lock a
  // replica would take on PostgreSQL is not needed.
  const tx: Queryable = {
    exclusive: true,
    query: <T>(sql: string, params: unknown[] = []) => run<T>(sql, params),
    exec: execute,
  };

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return gate.runExclusive(async () => {
      await execute('BEGIN');
      inTransaction = true;
      try {
        const result = await fn(tx);
        inTransaction = false;
        // COMMIT of a transaction a failed statement aborted answers ROLLBACK; that is a failure too.
        const { messages } = await db.runExclusive(() => db.execProtocol(protocol.serialize.query('COMMIT')));
        const tag = parse.parseResults(messages, db.parsers)[0]?.command;
        if (tag === 'ROLLBACK') throw Object.assign(new Error('the transaction was aborted and rolled back'), { code: '25P02' });
        return result;
      } catch (err) {
        if (inTransaction) {
          inTransaction = false;
          await execute('ROLLBACK');
        }
        throw err;
      }
    });
  }

  return {
    kind: 'pglite',
    exclusive: true,
    query: <T>(sql: string, params: unknown[] = []) => gate.runExclusive(() => run<T>(sql, params)),
    exec: (sql: string) => gate.runExclusive(() => execute(sql)),
    transaction,
    transactionWithLock: (_key, fn) => transaction(fn),
    async listen(channel, onPayload) {
      const unlisten = await gate.runExclusive(() => db.listen(channel, onPayload));
      return () => gate.runExclusive(() => unlisten());
    },
    async close() {
      await gate.runExclusive(async () => {
        if (!db.closed) await db.close();
      });
    },
  };
}
