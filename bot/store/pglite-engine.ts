import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { PGlite as PGliteClass, Transaction } from '@electric-sql/pglite';
import type { Engine, Queryable } from './engine';

type PgliteModule = { PGlite?: typeof PGliteClass; default?: { PGlite: typeof PGliteClass } };

// PGlite's emscripten start-up calls dynamic import(). In plain Node a normal
// require serves it. Sandboxes that run code in their own VM context (jest
// without --experimental-vm-modules) have no loader for that import, so there
// PGlite is loaded with Node's default loader in the main context instead.
// Values PGlite returns may then come from another realm, which is why
// rows.ts never relies on `instanceof Date`.
async function loadPglite(): Promise<typeof PGliteClass> {
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
  const PGlite = ns.PGlite ?? ns.default?.PGlite;
  if (!PGlite) throw new Error('@electric-sql/pglite did not export PGlite');
  return PGlite;
}

// PGlite is one connection in this process, so its transactions are already
// exclusive: no advisory lock is needed to serialize them.
function wrapTransaction(tx: Transaction): Queryable {
  return {
    exclusive: true,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await tx.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await tx.exec(sql);
    },
  };
}

export async function openPgliteEngine(dataDir?: string): Promise<Engine> {
  // No dataDir means an in-memory database (tests); otherwise a folder on disk.
  const PGlite = await loadPglite();
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  return {
    kind: 'pglite',
    async query<T>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    transaction(fn) {
      return db.transaction((tx) => fn(wrapTransaction(tx)));
    },
    transactionWithLock(_key, fn) {
      return db.transaction((tx) => fn(wrapTransaction(tx)));
    },
    async listen(channel, onPayload) {
      return db.listen(channel, onPayload);
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
