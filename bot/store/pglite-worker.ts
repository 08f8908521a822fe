// The thread that owns PGlite. The database runs in WebAssembly, about half a
// millisecond of CPU per step; here it runs beside the service's event loop
// instead of inside it, so the two use two cores and a busy database never
// delays the bot's other turns. Transactions stay exclusive: the engine's own
// gate is held from `begin` until `end`.
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine, Queryable } from './engine';
import { openPgliteEngine } from './pglite-engine';
import { toWireError, type PgliteReply, type PgliteRequest } from './pglite-rpc';

interface OpenTransaction {
  tx: Queryable;
  finish: (commit: boolean) => void;
  done: Promise<void>;
}

const ROLLBACK = Symbol('rollback');

function post(reply: PgliteReply): void {
  parentPort!.postMessage(reply);
}

async function serve(engine: Engine): Promise<void> {
  const transactions = new Map<number, OpenTransaction>();
  const subscriptions = new Map<number, () => Promise<void>>();
  let nextId = 0;

  const begin = async (): Promise<number> => {
    let started!: (tx: Queryable) => void;
    const ready = new Promise<Queryable>((resolve) => (started = resolve));
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    const done = engine.transaction(async (tx) => {
      started(tx);
      if (!(await decided)) throw ROLLBACK;
    });
    const tx = await Promise.race([ready, done.then(() => Promise.reject(new Error('the transaction ended before it began')))]);
    const id = (nextId += 1);
    transactions.set(id, { tx, finish, done });
    return id;
  };

  const end = async (id: number, commit: boolean): Promise<void> => {
    const open = transactions.get(id);
    if (!open) throw new Error('no such transaction');
    transactions.delete(id);
    open.finish(commit);
    try {
      await open.done;
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
  };

  const target = (tx: number | undefined): Queryable => {
    if (tx === undefined) return engine;
    const open = transactions.get(tx);
    if (!open) throw new Error('no such transaction');
    return open.tx;
  };

  const handle = async (msg: PgliteRequest): Promise<unknown> => {
    switch (msg.op) {
      case 'query':
        return target(msg.tx).query(msg.sql, msg.params);
      case 'exec':
        return target(msg.tx).exec(msg.sql);
      case 'begin':
        return begin();
      case 'end':
        return end(msg.tx, msg.commit);
      case 'listen': {
        const id = (nextId += 1);
        subscriptions.set(id, await engine.listen(msg.channel, (payload) => post({ notify: id, payload })));
        return id;
      }
      case 'unlisten': {
        const unlisten = subscriptions.get(msg.subscription);
        subscriptions.delete(msg.subscription);
        return unlisten?.();
      }
      case 'close':
        await engine.close();
        setImmediate(() => process.exit(0));
        return undefined;
    }
  };

  parentPort!.on('message', (msg: PgliteRequest) => {
    handle(msg).then(
      (value) => post({ id: msg.id, ok: true, value }),
      (err: unknown) => post({ id: msg.id, ok: false, error: toWireError(err) }),
    );
  });
}

openPgliteEngine((workerData as { dataDir?: string }).dataDir).then(
  async (engine) => {
    await serve(engine);
    post({ ready: true });
  },
  (err: unknown) => post({ failed: toWireError(err) }),
);
